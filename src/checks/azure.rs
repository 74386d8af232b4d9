//! Azure-to-Azure guest rules: the Azure Linux VM agent, through which Azure installs the
//! Site Recovery extension, is installed, starts at boot, and (live) runs now; its version is
//! reported.

use super::{Applies, CheckDef, Code, Context, Doc, Finding};
use crate::facts::FactError;
use crate::facts::processes::ProcessFacts;
use crate::facts::services::commands::{Release, Software, install, start_now};
use crate::facts::services::{BootState, InitSystem, ServiceEnablement};
use crate::facts::waagent::WaAgentFacts;
use crate::scenario::Scenario;

/// The VM agent's service names: RHEL and SUSE `waagent`, Debian and Ubuntu `walinuxagent`.
const WAAGENT_NAMES: &[&str] = &["waagent", "walinuxagent"];

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "azure.vm-agent",
    title: "Azure Linux VM agent installed, enabled and running",
    applies: Applies::Only(&[Scenario::AzureToAzure]),
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "An Azure virtual machine to be replicated must have the Azure Linux VM agent (WALinuxAgent: service `waagent`, or `walinuxagent` on Debian and Ubuntu) installed, started at boot and running; its version is reported.",
        why: "Azure-to-Azure replication installs the Mobility service as a VM extension, which only the VM agent can fetch and run. A missing, stopped or outdated agent times the extension out (151076), leaves the previous operation hanging (150066), or is reported as unresponsive or out of date (151099, 151095).",
        fix: "Install the distribution's VM agent package (`yum install -y WALinuxAgent`, `zypper install python-azure-agent`, `apt-get install waagent` on Debian, `walinuxagent` on Ubuntu), enable and start it (`systemctl enable --now waagent`, Debian/Ubuntu `walinuxagent`), and keep it updated (AutoUpdate.Enabled=y in /etc/waagent.conf).",
        reference: "reference/asr-errors.md section 1b (151076, 150066, 151099, 151095: VM agent missing, stopped or old; EXT, SH) and section 3 (waagent present/running/current)",
        prevents: &["151076", "150066", "151099", "151095"],
    },
    codes: &[
        Code::error(
            "cannot-read",
            "a place the agent is installed in, or what decides whether it starts at boot, could not be read",
        ),
        Code::fail("not-installed", "the Azure Linux VM agent is not installed"),
        Code::error(
            "init-unknown",
            "the init system the machine boots with could not be told",
        ),
        Code::fail(
            "no-service",
            "the agent is installed but has no service to start it at boot",
        ),
        Code::fail("disabled", "the agent's service is disabled at boot"),
        Code::fail("masked", "the agent's service is masked: it never starts"),
        Code::error(
            "cannot-list-processes",
            "the running processes could not be listed",
        ),
        Code::fail(
            "not-running",
            "the agent starts at boot but does not run now",
        ),
    ],
    run: check_vm_agent,
}];

/// The distribution's command to install and enable the agent: the commands table's.
fn install_command(ctx: &Context<'_>, init: InitSystem) -> &'static str {
    install(Software::AzureVmAgent, &Release::of(ctx.facts.os(), init))
}

fn check_vm_agent(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let a = ctx.facts.waagent();
    let e = ctx.facts.service(WAAGENT_NAMES);
    let details = agent_details(a, &e);
    let errors: Vec<String> = a
        .errors
        .iter()
        .chain(e.errors.iter())
        .map(|x| format!("could not read: {x}"))
        .collect();
    let version = a
        .version
        .as_ref()
        .map(|(v, _)| format!(" {v}"))
        .unwrap_or_default();
    if !a.installed() && !e.is_installed() {
        if !errors.is_empty() {
            return Ok(
                Finding::error("could not look everywhere the VM agent is installed")
                    .code("cannot-read")
                    .details(errors),
            );
        }
        return Ok(
            Finding::fail("the Azure Linux VM agent (waagent) is not installed")
                .code("not-installed")
                .details(details)
                .fix(install_command(ctx, e.init)),
        );
    }
    if e.init == InitSystem::Unknown {
        return Ok(Finding::error(
            "could not tell which init system the machine boots with, so not whether the VM agent starts at boot",
        )
        .code("init-unknown")
        .details(details)
        .details(errors));
    }
    if !errors.is_empty() {
        return Ok(Finding::error(
            "could not read everything that decides whether the VM agent starts at boot",
        )
        .code("cannot-read")
        .details(details)
        .details(errors));
    }
    let f =
        boot_failure(ctx, &e, &version).unwrap_or_else(|| running_verdict(ctx, a, &e, &version));
    Ok(f.details(details))
}

/// What was found of the agent: its version, auto-updated versions, entry script and the
/// service evidence.
fn agent_details(a: &WaAgentFacts, e: &ServiceEnablement) -> Vec<String> {
    let mut details = Vec::new();
    match &a.version {
        Some((v, src)) => details.push(format!("version {v} (from {src})")),
        None if a.installed() => details.push("version: not found in the agent's files".into()),
        None => {}
    }
    if !a.updated.is_empty() {
        details.push(format!(
            "versions downloaded by the agent's auto-update (/var/lib/waagent): {}",
            a.updated.join(", ")
        ));
    }
    if let Some(s) = &a.script {
        details.push(format!("entry script {s}"));
    }
    details.extend(e.evidence.iter().cloned());
    details
}

/// The failure (without details) when the agent's service does not start at boot; `None`
/// when it does.
fn boot_failure(ctx: &Context<'_>, e: &ServiceEnablement, version: &str) -> Option<Finding> {
    match e.state {
        BootState::Enabled => None,
        BootState::NotInstalled => Some(
            Finding::fail(format!(
                "the VM agent{version} is installed but has no service to start it at boot"
            ))
            .code("no-service")
            .fix(install_command(ctx, e.init)),
        ),
        BootState::Disabled | BootState::Masked => {
            let f = Finding::fail(format!(
                "the VM agent{version} does not start at boot ({} is {})",
                e.unit.as_deref().unwrap_or("waagent"),
                e.state.as_str()
            ))
            .code(if e.state == BootState::Masked {
                "masked"
            } else {
                "disabled"
            });
            Some(match &e.remediation {
                Some(r) => f.fix(r.clone()),
                None => f,
            })
        }
    }
}

/// The verdict (without details) for an agent that starts at boot: whether it runs now,
/// known on a running machine only.
fn running_verdict(
    ctx: &Context<'_>,
    a: &WaAgentFacts,
    e: &ServiceEnablement,
    version: &str,
) -> Finding {
    let unit = e.unit.clone().unwrap_or_else(|| "waagent".into());
    match (&a.running, ctx.facts.processes()) {
        (_, ProcessFacts::NotLive) => Finding::pass(format!(
            "the VM agent{version} is installed and starts at boot ({unit})"
        )),
        (_, ProcessFacts::Failed(err)) => Finding::error(format!(
            "could not tell whether the VM agent runs now: {err}"
        ))
        .code("cannot-list-processes"),
        (Some(pids), _) if !pids.is_empty() => Finding::pass(format!(
            "the VM agent{version} starts at boot ({unit}) and runs now (pid {})",
            pids.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => {
            let name = if unit.contains("walinuxagent") {
                "walinuxagent"
            } else {
                "waagent"
            };
            Finding::fail(format!(
                "the VM agent{version} starts at boot ({unit}) but does not run now"
            ))
            .code("not-running")
            .fix(format!(
                "Start it and look at its log: `{}` (SysV: `{}`), then /var/log/waagent.log.",
                start_now(InitSystem::Systemd, name),
                start_now(InitSystem::SysV, name)
            ))
        }
    }
}
