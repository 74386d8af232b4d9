//! The runlevel, as the agent's installer determines it: where `systemctl` exists it takes
//! runlevel 3 (systemd's "runlevel" is only set once a target is reached); elsewhere it runs
//! `runlevel`, which reads the RUN_LVL record of utmp. An image has no current runlevel, so its
//! default one stands in (from the services module: `/etc/inittab`'s initdefault, Upstart's
//! DEFAULT_RUNLEVEL).

use crate::facts::FactError;
use std::path::Path;

use super::services::{self, ServiceFacts};
use crate::parse::utmp;
use crate::root::Root;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunlevelFacts {
    /// Where `systemctl` is, when present (the installer's test for systemd).
    pub systemctl: Option<String>,
    /// The systemd default target (`multi-user.target`), when the machine boots systemd.
    pub default_target: Option<String>,
    /// The current runlevel and the file it came from (running system only).
    pub current: Option<(char, String)>,
    /// The default runlevel at boot and what decided it.
    pub default: Option<(char, String)>,
    pub errors: Vec<FactError>,
}

pub fn gather(root: &Root, systemctl: Option<&Path>, svc: &ServiceFacts) -> RunlevelFacts {
    let mut facts = RunlevelFacts {
        systemctl: systemctl.map(|p| p.display().to_string()),
        default_target: svc.systemd.as_ref().map(|s| s.default_target.clone()),
        ..RunlevelFacts::default()
    };
    if root.is_live() {
        for p in ["/run/utmp", "/var/run/utmp"] {
            match root.read_bytes(Path::new(p)) {
                Ok(b) => {
                    if let Some((cur, _)) = utmp::runlevel(&b) {
                        facts.current = Some((cur, format!("RUN_LVL record of {p}")));
                    }
                    break;
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => {
                    facts.errors.push(e.into());
                    break;
                }
            }
        }
    }
    // The services module computes the default runlevel for SysV and Upstart machines only.
    let rl = if svc.runlevel.level.is_some() {
        svc.runlevel.clone()
    } else {
        services::default_runlevel(root, svc.init.system)
    };
    facts.errors.extend(rl.errors.iter().cloned());
    facts.default = rl.level.map(|l| (l, rl.evidence.clone()));
    facts
}

/// The runlevel a systemd target stands for, by systemd's own mapping.
pub fn runlevel_of_target(target: &str) -> Option<char> {
    match target {
        "poweroff.target" | "runlevel0.target" => Some('0'),
        "rescue.target" | "runlevel1.target" => Some('1'),
        "runlevel2.target" => Some('2'),
        "multi-user.target" | "runlevel3.target" => Some('3'),
        "runlevel4.target" => Some('4'),
        "graphical.target" | "runlevel5.target" => Some('5'),
        "reboot.target" | "runlevel6.target" => Some('6'),
        _ => None,
    }
}
