//! The commands that make a service start at boot, per service manager and SysV tool: the one
//! place their texts are written. The services facts choose the tool the machine has; checks
//! that have no enablement to go by (nothing installed) take it from the family's conventions
//! ([`crate::facts::os::Conventions::sysv_enable`]).

use std::fmt::Display;

/// A tool that adds a service to the boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnableTool {
    /// systemd: `systemctl enable`.
    Systemctl,
    /// Debian's SysV tool.
    UpdateRcD,
    /// SLES's SysV tool (rc directories under /etc/init.d).
    Insserv,
    /// Red Hat's SysV tool.
    Chkconfig,
    /// No tool: the start link itself.
    RcLink,
}

impl EnableTool {
    /// The command that enables `name` at boot. `level` is the default runlevel where the tool
    /// needs it: chkconfig only for a runlevel outside 2-5, the bare link always (3 when
    /// unknown).
    pub fn enable(self, name: &str, level: Option<char>) -> String {
        match self {
            EnableTool::Systemctl => format!("systemctl enable {name}"),
            EnableTool::UpdateRcD => {
                format!("update-rc.d {name} defaults && update-rc.d {name} enable")
            }
            EnableTool::Insserv => format!("insserv {name}"),
            EnableTool::Chkconfig => match level.filter(|l| !('2'..='5').contains(l)) {
                Some(l) => format!("chkconfig --level {l} {name} on"),
                None => format!("chkconfig {name} on"),
            },
            EnableTool::RcLink => {
                let level = level.unwrap_or('3');
                format!("ln -s ../init.d/{name} /etc/rc{level}.d/S99{name}")
            }
        }
    }
}

/// The systemd command that lifts a mask, to run before enabling.
pub fn systemd_unmask(unit: &str) -> String {
    format!("systemctl unmask {unit}")
}

/// Upstart: the line that gives a job without a working `start on` one, in its override file.
pub fn upstart_start_on(override_file: impl Display) -> String {
    format!("echo 'start on runlevel [2345]' >> {override_file}")
}

/// Upstart: removes the `manual` line that cancels a job's start condition.
pub fn upstart_remove_manual(file: impl Display) -> String {
    format!("sed -i '/^[[:space:]]*manual[[:space:]]*$/d' {file}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_names_the_service() {
        for tool in [
            EnableTool::Systemctl,
            EnableTool::UpdateRcD,
            EnableTool::Insserv,
            EnableTool::Chkconfig,
            EnableTool::RcLink,
        ] {
            assert!(tool.enable("sshd", Some('3')).contains("sshd"), "{tool:?}");
        }
    }

    #[test]
    fn runlevel_only_where_the_tool_needs_it() {
        assert_eq!(
            EnableTool::Chkconfig.enable("sshd", Some('3')),
            "chkconfig sshd on"
        );
        assert_eq!(
            EnableTool::Chkconfig.enable("sshd", Some('1')),
            "chkconfig --level 1 sshd on"
        );
        assert_eq!(
            EnableTool::RcLink.enable("sshd", None),
            "ln -s ../init.d/sshd /etc/rc3.d/S99sshd"
        );
    }
}
