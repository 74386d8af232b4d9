//! The runlevel, as the agent's installer determines it: where `systemctl` exists it takes
//! runlevel 3 (systemd's "runlevel" is only set once a target is reached); elsewhere it runs
//! `runlevel`, which reads the RUN_LVL record of utmp. An image has no current runlevel, so its
//! default one stands in: `/etc/inittab`'s initdefault, or upstart's DEFAULT_RUNLEVEL.

use std::path::Path;

use crate::parse::{inittab, utmp};
use crate::root::Root;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunlevelFacts {
    /// Where `systemctl` is, when present (the installer's test for systemd).
    pub systemctl: Option<String>,
    /// The systemd default target (`multi-user.target`), from the `default.target` link.
    pub default_target: Option<String>,
    /// The current runlevel and the file it came from (running system only).
    pub current: Option<(char, String)>,
    /// The default runlevel at boot and where it was read.
    pub default: Option<(char, String)>,
    pub errors: Vec<String>,
}

pub fn gather(root: &Root, systemctl: Option<&Path>) -> RunlevelFacts {
    let mut facts = RunlevelFacts {
        systemctl: systemctl.map(|p| p.display().to_string()),
        ..RunlevelFacts::default()
    };
    for p in [
        "/etc/systemd/system/default.target",
        "/usr/lib/systemd/system/default.target",
        "/lib/systemd/system/default.target",
    ] {
        if let Ok(target) = root.read_link(Path::new(p)) {
            if let Some(name) = target.file_name() {
                facts.default_target = Some(name.to_string_lossy().into_owned());
                break;
            }
        }
    }
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
                    facts.errors.push(e.to_string());
                    break;
                }
            }
        }
    }
    match root.read_optional(Path::new("/etc/inittab")) {
        Ok(Some(t)) => {
            if let Some((c, line)) = inittab::default_runlevel(&t) {
                facts.default = Some((c, format!("/etc/inittab line {line}")));
            }
        }
        Ok(None) => {}
        Err(e) => facts.errors.push(e.to_string()),
    }
    if facts.default.is_none() {
        // Upstart (Ubuntu 14.04): `env DEFAULT_RUNLEVEL=2` in rc-sysinit.conf.
        match root.read_optional(Path::new("/etc/init/rc-sysinit.conf")) {
            Ok(Some(t)) => {
                for (idx, line) in t.lines().enumerate() {
                    let l = line.trim();
                    if let Some(v) = l.strip_prefix("env DEFAULT_RUNLEVEL=") {
                        if let Some(c) = v.trim().chars().next() {
                            facts.default =
                                Some((c, format!("/etc/init/rc-sysinit.conf line {}", idx + 1)));
                        }
                    }
                }
            }
            Ok(None) => {}
            Err(e) => facts.errors.push(e.to_string()),
        }
    }
    facts
}

/// The runlevel a systemd target stands for, by systemd's own mapping.
pub fn runlevel_of_target(target: &str) -> Option<char> {
    match target {
        "poweroff.target" | "runlevel0.target" => Some('0'),
        "rescue.target" | "runlevel1.target" => Some('1'),
        "multi-user.target" | "runlevel2.target" | "runlevel3.target" | "runlevel4.target" => {
            target
                .strip_prefix("runlevel")
                .and_then(|r| r.chars().next())
                .or(Some('3'))
        }
        "graphical.target" | "runlevel5.target" => Some('5'),
        "reboot.target" | "runlevel6.target" => Some('6'),
        _ => None,
    }
}
