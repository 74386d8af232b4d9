//! VMware guests: the VMware tools (open-vm-tools or the VMware Tools tarball) are installed,
//! start at boot (the services module's enablement answer, the same one sshd gets) and, on a
//! running machine, run now.

use super::{Applies, CheckDef, Code, Context, Doc, Finding};
use crate::facts::FactError;
use crate::facts::dmi::Platform;
use crate::facts::services::commands::{Release, Software, install, start_now};
use crate::facts::services::{BootState, ServiceEnablement};
use crate::facts::vmtools::SERVICE_NAMES;
use crate::scenario::Scenario;

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "vmware.tools",
    title: "VMware tools installed and running",
    applies: Applies::All,
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "A VMware virtual machine to be replicated must have VMware's guest tools (open-vm-tools, or VMware Tools from the vSphere installer) installed, started at every boot, and running. Machines that are not VMware guests (by their DMI firmware data) are not concerned.",
        why: "Site Recovery discovers VMware virtual machines through vCenter, and vCenter knows a guest's IP addresses and state only from the tools; the process server pushes the Mobility service to the address discovered that way.",
        fix: "Install open-vm-tools from the distribution (or VMware Tools from vSphere's Install VMware Tools menu on old releases), enable the service at boot and start it.",
        reference: "seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"On-premises (VMware VMs)\"",
        prevents: &[
            "95117 (the process server cannot reach the machine: without the tools vCenter reports no address to push to; an inference from the push-installation causes)",
        ],
    },
    codes: &[
        Code::fail(
            "not-installed",
            "VMware tools are not installed (no vmtoolsd)",
        ),
        Code::fail(
            "no-service",
            "the tools are installed but no service starts them at boot",
        ),
        Code::fail("disabled", "the tools' service is disabled at boot"),
        Code::fail("masked", "the tools' service is masked: it never starts"),
        Code::fail("not-running", "the tools start at boot but do not run now"),
        Code::error(
            "cannot-list-processes",
            "the running processes could not be listed",
        ),
    ],
    run: check_tools,
}];

/// The distribution's command to install open-vm-tools, or the tarball advice where the
/// distribution has no package (RHEL/Oracle Linux 6, SLES 11): the commands table's.
fn install_advice(ctx: &Context<'_>) -> &'static str {
    let init = ctx.facts.service(SERVICE_NAMES).init;
    install(Software::VmwareTools, &Release::of(ctx.facts.os(), init))
}

fn check_tools(ctx: &Context<'_>) -> Result<Finding, FactError> {
    if let Some(skip) = not_a_vmware_guest(ctx) {
        return Ok(skip);
    }
    let guest = if ctx.facts.dmi().available {
        "a VMware guest (DMI)".to_string()
    } else {
        "taken as a VMware guest: scenario vmware-to-azure (no DMI data)".to_string()
    };
    let tools = ctx.facts.vmtools();
    let mut details = vec![guest];
    details.extend(tools.evidence.iter().cloned());
    details.extend(tools.errors.iter().map(ToString::to_string));
    let Some(daemon) = &tools.daemon else {
        return Ok(
            Finding::fail("VMware tools are not installed (no vmtoolsd)")
                .code("not-installed")
                .details(details)
                .fix(install_advice(ctx)),
        );
    };
    let flavor = tools.flavor.unwrap_or("VMware tools");
    let svc = ctx.facts.service(SERVICE_NAMES);
    details.extend(svc.evidence.iter().cloned());
    details.extend(svc.errors.iter().map(ToString::to_string));
    let unit = svc.unit.clone().unwrap_or_else(|| "vmtoolsd".into());
    let Ok(running) = running_now(ctx, &mut details) else {
        return Ok(Finding::error("could not list the running processes")
            .code("cannot-list-processes")
            .details(details));
    };
    let start = start_now(svc.init, &unit);
    if let Some(f) = boot_failure(ctx, &svc, flavor, daemon, &unit, running, &start) {
        return Ok(f.details(details));
    }
    let f = match running {
        Some(false) => Finding::fail(format!(
            "{flavor} starts at boot ({unit}) but is not running now"
        ))
        .code("not-running")
        .fix(start),
        Some(true) => Finding::pass(format!(
            "{flavor} is installed, starts at boot ({unit}) and runs"
        )),
        None => Finding::pass(format!("{flavor} is installed and starts at boot ({unit})")),
    };
    Ok(f.details(details))
}

/// The skip for a machine that is not a VMware guest by its DMI data, or that has no DMI
/// data and is not in the VMware scenario.
fn not_a_vmware_guest(ctx: &Context<'_>) -> Option<Finding> {
    let dmi = ctx.facts.dmi();
    if !dmi.available {
        return (ctx.scenario != Scenario::VmwareToAzure).then(|| {
            Finding::skip(format!(
                "no DMI data to tell a VMware guest, and the scenario is {}, not vmware-to-azure",
                ctx.scenario.as_str()
            ))
        });
    }
    let other = dmi.platform();
    (other != Platform::VMware).then(|| {
        Finding::skip(format!(
            "not a VMware virtual machine (DMI: {}, {}{})",
            dmi.sys_vendor.as_deref().unwrap_or("no vendor"),
            dmi.product_name.as_deref().unwrap_or("no product"),
            match other {
                Platform::Azure => ", Azure",
                Platform::HyperV => ", Hyper-V",
                _ => "",
            }
        ))
    })
}

/// Whether vmtoolsd runs now, said in a detail line: known on a running machine only (`None`
/// elsewhere); `Err` when the processes cannot be listed.
fn running_now(ctx: &Context<'_>, details: &mut Vec<String>) -> Result<Option<bool>, ()> {
    if !ctx.facts.is_live() {
        details.push("whether it runs now is known only on the running machine".into());
        return Ok(None);
    }
    match ctx.facts.processes().pids_named(&["vmtoolsd"]) {
        Some(pids) if !pids.is_empty() => {
            details.push(format!(
                "vmtoolsd runs now (pid {})",
                pids.iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            Ok(Some(true))
        }
        Some(_) => {
            details.push("no vmtoolsd process runs now".into());
            Ok(Some(false))
        }
        None => Err(()),
    }
}

/// The failure when the tools' service does not start at boot (without details); `None`
/// when it is enabled.
fn boot_failure(
    ctx: &Context<'_>,
    svc: &ServiceEnablement,
    flavor: &str,
    daemon: &str,
    unit: &str,
    running: Option<bool>,
    start: &str,
) -> Option<Finding> {
    match svc.state {
        BootState::Enabled => None,
        BootState::NotInstalled => Some(
            Finding::fail(format!(
                "{flavor} is installed ({daemon}) but no service starts it at boot"
            ))
            .code("no-service")
            .fix(format!(
                "Reinstall the tools so that their service is installed: {}",
                install_advice(ctx)
            )),
        ),
        BootState::Disabled | BootState::Masked => {
            let how = svc
                .remediation
                .clone()
                .unwrap_or_else(|| format!("enable {unit} at boot"));
            // A stopped service is started as well as enabled.
            let fix = if running == Some(false) {
                format!("{how} && {start}")
            } else {
                how
            };
            Some(
                Finding::fail(format!(
                    "{flavor} is installed but {unit} is {} at boot",
                    svc.state.as_str()
                ))
                .code(if svc.state == BootState::Masked {
                    "masked"
                } else {
                    "disabled"
                })
                .fix(fix),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::probe::{FakeProbe, Process};
    use std::fs;
    use std::os::unix::fs::symlink;

    /// On a running machine the tools must also run now: enabled but not running fails with
    /// the start command; a vmtoolsd process makes it pass.
    #[test]
    fn running_now() {
        let dir = tempfile::tempdir().unwrap();
        let put = |p: &str, text: &str| {
            let h = dir.path().join(p);
            fs::create_dir_all(h.parent().unwrap()).unwrap();
            fs::write(h, text).unwrap();
        };
        put("sys/class/dmi/id/sys_vendor", "VMware, Inc.\n");
        put("usr/bin/vmtoolsd", "");
        put("lib/systemd/systemd", "");
        put(
            "lib/systemd/system/vmtoolsd.service",
            "[Service]\nExecStart=/usr/bin/vmtoolsd\n[Install]\nWantedBy=multi-user.target\n",
        );
        put("lib/systemd/system/multi-user.target", "[Unit]\n");
        fs::create_dir_all(dir.path().join("sbin")).unwrap();
        symlink("/lib/systemd/systemd", dir.path().join("sbin/init")).unwrap();
        symlink(
            "multi-user.target",
            dir.path().join("lib/systemd/system/default.target"),
        )
        .unwrap();
        fs::create_dir_all(
            dir.path()
                .join("etc/systemd/system/multi-user.target.wants"),
        )
        .unwrap();
        symlink(
            "/lib/systemd/system/vmtoolsd.service",
            dir.path()
                .join("etc/systemd/system/multi-user.target.wants/vmtoolsd.service"),
        )
        .unwrap();
        let judge = |procs: Vec<Process>| {
            let mut probe = FakeProbe::new("5.10.0", "h");
            probe.processes = Ok(procs);
            crate::checks::report_on(
                dir.path(),
                Some(probe),
                Scenario::VmwareToAzure,
                "asr-2016",
                check_tools,
            )
        };
        let f = judge(vec![Process {
            pid: 1,
            comm: b"systemd".to_vec(),
        }]);
        assert_eq!(f.status, Status::Fail, "{f:#?}");
        assert_eq!(
            f.remediation.as_deref(),
            Some("systemctl start vmtoolsd.service")
        );
        let f = judge(vec![Process {
            pid: 700,
            comm: b"vmtoolsd".to_vec(),
        }]);
        assert_eq!(f.status, Status::Pass, "{f:#?}");
        assert!(f.details.iter().any(|d| d.contains("pid 700")));
    }
}
