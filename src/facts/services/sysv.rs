//! SysV init: rc scripts, their start and kill links, and the default runlevel.

use super::*;
use crate::facts::FactError;

pub(super) struct Script {
    pub(super) path: PathBuf,
    pub(super) executable: bool,
}

pub(super) fn sysv_script(root: &Root, name: &str, errors: &mut Vec<FactError>) -> Option<Script> {
    SYSV_INIT_DIRS.iter().find_map(|d| {
        let path = join(d, name);
        if kind(root, &path, errors) != Some(FileKind::File) {
            return None;
        }
        let executable = match root.is_executable_file(&path) {
            Ok(x) => x,
            Err(e) => {
                note(errors, e);
                false
            }
        };
        Some(Script { path, executable })
    })
}

/// The first `S##name` link in the rc directory of `level`, as `path -> target`.
pub(super) fn start_link(
    root: &Root,
    name: &str,
    level: char,
    errors: &mut Vec<FactError>,
) -> Option<String> {
    rc_links(root, name, level, errors, inittab::start_link_service)
}

pub(super) fn kill_link(
    root: &Root,
    name: &str,
    level: char,
    errors: &mut Vec<FactError>,
) -> Option<String> {
    rc_links(root, name, level, errors, inittab::kill_link_service)
}

pub(super) fn rc_links(
    root: &Root,
    name: &str,
    level: char,
    errors: &mut Vec<FactError>,
    which: fn(&str) -> Option<&str>,
) -> Option<String> {
    for base in RC_BASES {
        let dir = join(base, &format!("rc{level}.d"));
        for entry in list_dir(root, &dir, errors) {
            if which(&entry) != Some(name) {
                continue;
            }
            let p = dir.join(&entry);
            let target = root
                .read_link(&p)
                .map(|t| format!(" -> {}", show(&t)))
                .unwrap_or_default();
            return Some(format!("{}{target}", show(&p)));
        }
    }
    None
}

/// The default runlevel: `/etc/inittab`, else (Upstart) rc-sysinit.conf's `DEFAULT_RUNLEVEL`.
pub fn default_runlevel(root: &Root, init: InitSystem) -> Runlevel {
    let mut errors = Vec::new();
    if let Some(t) = read_optional(root, Path::new("/etc/inittab"), &mut errors) {
        if let Some(level) = inittab::default_runlevel(&t) {
            return Runlevel {
                level: Some(level),
                evidence: format!("runlevel {level} (initdefault in /etc/inittab)"),
                errors,
            };
        }
    }
    if init == InitSystem::Upstart {
        let p = Path::new("/etc/init/rc-sysinit.conf");
        if let Some(t) = read_optional(root, p, &mut errors) {
            let stanzas = upstart::parse(&t);
            if let Some(level) =
                upstart::env_value(&stanzas, "DEFAULT_RUNLEVEL").and_then(|v| v.chars().next())
            {
                return Runlevel {
                    level: Some(level),
                    evidence: format!("runlevel {level} (DEFAULT_RUNLEVEL in {})", show(p)),
                    errors,
                };
            }
        }
    }
    Runlevel {
        level: None,
        evidence:
            "default runlevel unknown (no initdefault in /etc/inittab); runlevels 2 to 5 considered"
                .into(),
        errors,
    }
}

pub(super) fn levels(runlevel: &Runlevel) -> Vec<char> {
    match runlevel.level {
        Some(l) => vec![l],
        None => vec!['2', '3', '4', '5'],
    }
}

pub(super) fn sysv_enablement(
    root: &Root,
    runlevel: &Runlevel,
    names: &[&str],
    init: InitSystem,
) -> ServiceEnablement {
    let mut errors = Vec::new();
    let mut evidence = vec![format!("default {}", runlevel.evidence)];
    let mut first: Option<(String, PathBuf)> = None;
    for n in names {
        let Some(script) = sysv_script(root, n, &mut errors) else {
            continue;
        };
        first.get_or_insert_with(|| (n.to_string(), script.path.clone()));
        if !script.executable {
            evidence.push(format!(
                "{} is not executable: rc does not run it",
                show(&script.path)
            ));
            continue;
        }
        evidence.push(format!("init script {}", show(&script.path)));
        for level in levels(runlevel) {
            if let Some(link) = start_link(root, n, level, &mut errors) {
                evidence.push(format!("started in runlevel {level}: {link}"));
                return ServiceEnablement {
                    init,
                    state: BootState::Enabled,
                    unit: Some(show(&script.path)),
                    evidence,
                    remediation: None,
                    errors,
                };
            }
            match kill_link(root, n, level, &mut errors) {
                Some(link) => evidence.push(format!("stopped in runlevel {level}: {link}")),
                None => evidence.push(format!("no S link for {n} in rc{level}.d")),
            }
        }
    }
    let Some((name, path)) = first else {
        evidence.push(format!(
            "no init script {} in {}",
            names.join(" or "),
            SYSV_INIT_DIRS.join(", ")
        ));
        return ServiceEnablement {
            init,
            state: BootState::NotInstalled,
            unit: None,
            evidence,
            remediation: None,
            errors,
        };
    };
    let remediation = Some(sysv_enable_command(root, &name, runlevel, &mut errors));
    ServiceEnablement {
        init,
        state: BootState::Disabled,
        unit: Some(show(&path)),
        evidence,
        remediation,
        errors,
    }
}

/// The distribution's own tool for adding a script to the boot, by the tools the machine has.
pub(super) fn sysv_enable_command(
    root: &Root,
    name: &str,
    runlevel: &Runlevel,
    errors: &mut Vec<FactError>,
) -> String {
    sysv_enable_tool(root, errors).enable(name, runlevel.level)
}

fn sysv_enable_tool(root: &Root, errors: &mut Vec<FactError>) -> EnableTool {
    let has = |p: &str, errors: &mut Vec<FactError>| kind(root, Path::new(p), errors).is_some();
    if has("/usr/sbin/update-rc.d", errors) {
        return EnableTool::UpdateRcD;
    }
    // SLES keeps its rc directories under /etc/init.d and enables scripts with insserv.
    if kind(root, Path::new("/etc/init.d/rc3.d"), errors) == Some(FileKind::Dir)
        && (has("/sbin/insserv", errors) || has("/usr/sbin/insserv", errors))
    {
        return EnableTool::Insserv;
    }
    if has("/sbin/chkconfig", errors) || has("/usr/sbin/chkconfig", errors) {
        return EnableTool::Chkconfig;
    }
    EnableTool::RcLink
}
