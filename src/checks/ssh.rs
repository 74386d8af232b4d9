//! Secure Shell checks: the SSH server starts by itself when the machine boots (`ssh.autostart`;
//! live, also whether it runs now; the boot answer comes from `facts::services`, for systemd,
//! Upstart and SysV init alike), and the local firewall lets connections to its ports in
//! (`ssh.firewall`, evaluated by `firewall.rs` as `mvc.port-20004` is).

use super::firewall::{
    PortResult, all_details, firewall_status, port_result, port_summary, remediation,
};
use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::os::Family;
use crate::facts::processes::ProcessFacts;
use crate::facts::services::commands::{self, Release, Software};
use crate::facts::services::{BootState, InitSystem};
use crate::scenario::Scenario;

/// The names the OpenSSH server goes by: RHEL and SLES `sshd`, Debian and Ubuntu `ssh`.
const SSHD_NAMES: &[&str] = &["sshd", "ssh"];

const SEED_SSH: &str = "seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"Linux machines (physical or VMware)\"; reference/asr-errors.md (push installation errors)";
const SEED_LINUX_ROW: &str = "seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"Linux machines (physical or VMware)\"";

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "ssh.autostart",
        title: "SSH server starts at boot",
        applies: Applies::Only(&[Scenario::VmwareToAzure, Scenario::PhysicalToAzure]),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The OpenSSH server (sshd) must be installed and configured to start by itself every time the machine boots, so that after a failover the Azure copy of the machine can be reached with an ssh client.",
            why: "A failed-over virtual machine boots unattended in Azure; if sshd is not enabled at boot there is no way to log in to it. Before that, the configuration or process server installs the Mobility service by connecting to the machine over ssh, so a machine whose sshd is stopped or disabled also fails the push installation.",
            fix: "Install the distribution's OpenSSH server package if it is missing, then enable the service with the init system's own tool: `systemctl enable sshd` (Debian and Ubuntu: `ssh`), `chkconfig sshd on` (RHEL 6), `insserv sshd` (SLES 11), or remove a `manual` line from the Upstart override file. The check prints the exact command for the machine.",
            reference: SEED_SSH,
            prevents: &[
                "95117 (process server cannot reach the machine over ssh)",
                "97118 (push installation cannot connect)",
                "95108 (push installation over ssh fails)",
            ],
        },
        codes: &[
            Code::error(
                "init-unknown",
                "the init system the machine boots with could not be told",
            ),
            Code::error(
                "cannot-read",
                "a unit, link or init script that decides enablement could not be read",
            ),
            Code::fail(
                "config-refused",
                "sshd is enabled but its configuration has lines sshd refuses, so it exits at start",
            ),
            Code::fail("disabled", "sshd is installed but not enabled at boot"),
            Code::fail("masked", "the sshd unit is masked: systemd never starts it"),
            Code::fail("not-installed", "no SSH server is installed"),
        ],
        run: check_autostart,
    },
    CheckDef {
        id: "ssh.firewall",
        title: "Firewall lets ssh connections in",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "A new TCP connection from another machine to the port sshd listens on must get through the machine's own firewall, both with the rules active now and with those loaded when the machine boots, so that the machine can be reached with ssh (after failover too).",
            why: "After failover the replica boots in Azure with the firewall configuration of the protected machine; if it drops ssh, nobody can log in to the failed-over machine. Push installation of the Mobility service also connects to the machine over ssh.",
            fix: "Allow inbound TCP to sshd's port in the firewall that decides (the report names it) and make it permanent: e.g. `firewall-cmd --permanent --add-service=ssh; firewall-cmd --reload`, `iptables -I INPUT -p tcp --dport 22 -m state --state NEW -j ACCEPT; service iptables save`, `ufw allow 22/tcp`, or FW_SERVICES_EXT_TCP in /etc/sysconfig/SuSEfirewall2.",
            reference: SEED_LINUX_ROW,
            prevents: &[
                "95117",
                "97118",
                "ssh to the failed-over VM refused or timing out",
            ],
        },
        codes: &[
            Code::fail(
                "blocked",
                "the firewall blocks new ssh connections on every port sshd listens on",
            ),
            Code::warn(
                "partly-reachable",
                "sshd listens on several ports and some of them, or some peers, are blocked",
            ),
            Code::warn(
                "may-be-blocked",
                "the rules let ssh in only from some addresses or interfaces, or cannot be decided",
            ),
            Code::error(
                "ports-unknown",
                "sshd's configuration was not read whole, so its ports may be other ones",
            ),
            Code::error("cannot-read-rules", "the firewall rules could not be read"),
        ],
        run: check_ssh,
    },
];

/// The package that provides sshd, and the command that installs and enables it.
/// The SSH server package of the family (for the message; the command comes from the table).
fn ssh_package(family: Family) -> &'static str {
    match family {
        Family::Suse => "openssh",
        _ => "openssh-server",
    }
}

/// Live only: whether sshd runs now.
fn running_now(p: &ProcessFacts) -> Option<String> {
    match p {
        ProcessFacts::NotLive => None,
        ProcessFacts::Failed(e) => Some(format!("could not tell whether sshd runs now: {e}")),
        ProcessFacts::Listed(_) => {
            let pids = p.pids_named(&["sshd"]).unwrap_or_default();
            Some(if pids.is_empty() {
                "sshd does not run now".to_string()
            } else {
                format!(
                    "sshd runs now (pid {})",
                    pids.iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        }
    }
}

fn check_autostart(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let e = ctx.facts.service(SSHD_NAMES);
    let now = running_now(ctx.facts.processes());
    let with_details = |f: Finding| {
        f.details(e.evidence.clone())
            .details(now.clone())
            .details(e.errors.iter().map(|x| format!("could not read: {x}")))
    };
    if e.init == InitSystem::Unknown {
        return Ok(with_details(Finding::error(
            "could not tell which init system the machine boots with, so not whether sshd starts at boot",
        ).code("init-unknown")));
    }
    if !e.errors.is_empty() {
        return Ok(with_details(
            Finding::error(format!(
                "could not read everything that decides whether sshd starts at boot ({})",
                e.init.as_str()
            ))
            .code("cannot-read"),
        ));
    }
    let unit = e.unit.clone().unwrap_or_else(|| "sshd".into());
    match e.state {
        BootState::Enabled if !ctx.facts.sshd_ports().refused.is_empty() => {
            // sshd checks its whole configuration when it starts and exits on these lines.
            let refused = &ctx.facts.sshd_ports().refused;
            Ok(with_details(Finding::fail(format!(
                "{unit} is enabled at boot ({}) but sshd will not start: {}",
                e.init.as_str(),
                refused[0]
            )).code("config-refused"))
            .details(refused.iter().map(|r| format!("sshd refuses {r}")))
            .fix("Correct or remove the lines named (a keyword sshd knows, with a value; a Port needs a number from 1 to 65535 or a tcp service of /etc/services; Port, ListenAddress, AddressFamily and other global keywords belong before the first Match block; one Subsystem line per name), then confirm with `sshd -t`."))
        }
        BootState::Enabled => Ok(with_details(Finding::pass(format!(
            "sshd starts at boot: {unit} ({})",
            e.init.as_str()
        )))),
        BootState::Disabled => {
            let f = with_details(
                Finding::fail(format!(
                    "sshd is installed ({unit}) but does not start at boot ({})",
                    e.init.as_str()
                ))
                .code("disabled"),
            );
            match &e.remediation {
                Some(r) => Ok(f.fix(r.clone())),
                None => Ok(f),
            }
        }
        BootState::Masked => {
            let f = with_details(
                Finding::fail(format!(
                    "sshd is masked ({unit}): systemd will not start it at boot or by hand"
                ))
                .code("masked"),
            );
            match &e.remediation {
                Some(r) => Ok(f.fix(r.clone())),
                None => Ok(f),
            }
        }
        BootState::NotInstalled => {
            let os = ctx.facts.os();
            let package = ssh_package(os.family);
            let command = commands::install(Software::SshServer, &Release::of(os, e.init));
            Ok(with_details(
                Finding::fail(format!(
                    "no SSH server is installed: install the {package} package"
                ))
                .code("not-installed"),
            )
            .fix(command))
        }
    }
}

fn check_ssh(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let sshd = ctx.facts.sshd_ports();
    let results: Vec<PortResult> = sshd.ports.iter().map(|p| port_result(ctx, *p)).collect();
    let mut status = firewall_status(&results);
    let ports: Vec<String> = sshd.ports.iter().map(u16::to_string).collect();
    let lines: Vec<String> = results.iter().map(port_summary).collect();
    // Ports from a configuration that was not read whole may be the wrong ones: only a port
    // that is known to be blocked is still a firm answer.
    let ports_unknown = !sshd.errors.is_empty() && matches!(status, Status::Pass | Status::Warn);
    if ports_unknown {
        status = Status::Error;
    }
    let code = match status {
        Status::Pass | Status::Skip => None,
        Status::Warn if results.len() > 1 => Some("partly-reachable"),
        Status::Warn => Some("may-be-blocked"),
        Status::Error if ports_unknown => Some("ports-unknown"),
        Status::Error => Some("cannot-read-rules"),
        Status::Fail => Some("blocked"),
    };
    let summary = match status {
        Status::Pass => format!(
            "ssh (TCP {}) gets through: {}",
            ports.join(", "),
            lines.join("; ")
        ),
        Status::Warn if results.len() > 1 => format!(
            "ssh is reachable on some of its ports only, or not for every peer: {}",
            lines.join("; ")
        ),
        Status::Warn => format!("ssh may not get through: {}", lines.join("; ")),
        Status::Error if ports_unknown => format!(
            "could not tell which ports sshd listens on: {}; for the ports read: {}",
            sshd.errors[0],
            lines.join("; ")
        ),
        Status::Error => format!("could not read the firewall rules: {}", lines.join("; ")),
        _ => format!("ssh is blocked: {}", lines.join("; ")),
    };
    let mut details = vec![match &sshd.config {
        Some(_) => format!(
            "sshd listens on TCP {} (from {})",
            ports.join(", "),
            sshd.files.join(", ")
        ),
        None => format!(
            "sshd listens on TCP {} (no sshd_config found)",
            ports.join(", ")
        ),
    }];
    details.extend(sshd.notes.iter().cloned());
    details.extend(
        sshd.errors
            .iter()
            .map(|e| format!("sshd configuration: {e}")),
    );
    details.extend(all_details(ctx, &results));
    let mut f = Finding {
        status,
        summary,
        details,
        remediation: None,
        if_advice: None,
        code,
        problems: Vec::new(),
    };
    if matches!(status, Status::Fail | Status::Warn) {
        f.remediation = remediation(&results, true, ctx.facts.os().id.as_deref());
    }
    if ports_unknown {
        f.remediation = Some("Make sshd's configuration readable and its Include lines finite (run asr-preflight as root: sshd_config is often readable by root only).".into());
    } else if status == Status::Error {
        f.remediation = Some("Run asr-preflight as root so that it can read the firewall rules (iptables-save and nft need CAP_NET_ADMIN).".into());
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckOptions;
    use crate::facts::{Facts, Sources};
    use crate::probe::{FakeProbe, Process};
    use crate::root::Root;
    use std::os::unix::fs::symlink;

    fn run_with(probe: FakeProbe, enabled: bool) -> Finding {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sbin")).unwrap();
        std::fs::create_dir_all(d.join("lib/systemd/system")).unwrap();
        std::fs::create_dir_all(d.join("etc/systemd/system/multi-user.target.wants")).unwrap();
        symlink("/lib/systemd/systemd", d.join("sbin/init")).unwrap();
        std::fs::write(
            d.join("lib/systemd/system/sshd.service"),
            "[Install]\nWantedBy=multi-user.target\n",
        )
        .unwrap();
        if enabled {
            symlink(
                "/lib/systemd/system/sshd.service",
                d.join("etc/systemd/system/multi-user.target.wants/sshd.service"),
            )
            .unwrap();
        }
        let facts = Facts::new(Sources {
            root: Root::image(d).unwrap(),
            probe: Some(Box::new(probe)),
        });
        let matrix = crate::matrix::load(crate::matrix::DEFAULT).unwrap();
        let options = CheckOptions::default();
        let ctx = Context {
            facts: &facts,
            scenario: Scenario::PhysicalToAzure,
            matrix: &matrix,
            all_matrices: &[],
            options: &options,
        };
        crate::checks::outcome(check_autostart(&ctx))
    }

    /// Live, the details say whether sshd runs now, with its pid; it does not change the
    /// verdict, which is about the next boot.
    #[test]
    fn live_details_say_whether_sshd_runs() {
        let mut probe = FakeProbe::new("3.10.0-327.el7.x86_64", "host");
        probe.processes = Ok(vec![Process {
            pid: 1234,
            comm: b"sshd".to_vec(),
        }]);
        let f = run_with(probe.clone(), true);
        assert_eq!(f.status, crate::checks::Status::Pass, "{f:?}");
        assert!(
            f.details.iter().any(|d| d == "sshd runs now (pid 1234)"),
            "{f:?}"
        );
        let f = run_with(probe, false);
        assert_eq!(f.status, crate::checks::Status::Fail, "{f:?}");
        assert!(
            f.details.iter().any(|d| d.contains("sshd runs now")),
            "{f:?}"
        );
        let f = run_with(FakeProbe::new("3.10.0-327.el7.x86_64", "host"), true);
        assert!(
            f.details.iter().any(|d| d == "sshd does not run now"),
            "{f:?}"
        );
    }
}
