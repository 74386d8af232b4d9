//! Upstart jobs: `start on`, and `manual` in the job or its override file.

use super::*;

pub(super) fn upstart_enablement(
    root: &Root,
    runlevel: &Runlevel,
    names: &[&str],
) -> ServiceEnablement {
    let mut errors = Vec::new();
    for n in names {
        let job = PathBuf::from(format!("/etc/init/{n}.conf"));
        let Some(job_text) = read_optional(root, &job, &mut errors) else {
            continue;
        };
        let over = PathBuf::from(format!("/etc/init/{n}.override"));
        let over_text = read_optional(root, &over, &mut errors).unwrap_or_default();
        let decision =
            upstart::effective_start_on(&upstart::parse(&job_text), &upstart::parse(&over_text));
        let file_of = |f: usize| if f == 0 { show(&job) } else { show(&over) };
        let mut evidence = vec![
            format!("default {}", runlevel.evidence),
            format!("Upstart job {}", show(&job)),
        ];
        let (state, remediation) = match decision {
            upstart::StartDecision::StartOn { file, line, expr } => {
                let fires = levels(runlevel)
                    .into_iter()
                    .map(|l| upstart::starts_in_runlevel(&expr, l))
                    .collect::<Vec<_>>();
                let place = format!("{}:{line}", file_of(file));
                if fires.iter().any(|f| *f != Some(false)) {
                    evidence.push(format!("started at boot: `start on {expr}` ({place})"));
                    (BootState::Enabled, None)
                } else {
                    evidence.push(format!(
                        "`start on {expr}` ({place}) does not fire in the default runlevel"
                    ));
                    (BootState::Disabled, Some(upstart_start_on(show(&over))))
                }
            }
            upstart::StartDecision::Manual { file, line } => {
                let path = if file == 0 { &job } else { &over };
                evidence.push(format!(
                    "`manual` at {}:{line} cancels the job's start condition",
                    show(path)
                ));
                (BootState::Disabled, Some(upstart_remove_manual(show(path))))
            }
            upstart::StartDecision::NoStartOn => {
                evidence.push("the job has no `start on` condition".into());
                (BootState::Disabled, Some(upstart_start_on(show(&over))))
            }
        };
        return ServiceEnablement {
            init: InitSystem::Upstart,
            state,
            unit: Some(show(&job)),
            evidence,
            remediation,
            errors,
        };
    }
    // No native job: Upstart runs the SysV rc scripts of the default runlevel (RHEL 6).
    let mut out = sysv_enablement(root, runlevel, names, InitSystem::Upstart);
    out.evidence.insert(
        1,
        format!(
            "no Upstart job {} in /etc/init; Upstart runs the SysV rc scripts",
            names
                .iter()
                .map(|n| format!("{n}.conf"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    );
    out.errors.splice(0..0, errors);
    out
}
