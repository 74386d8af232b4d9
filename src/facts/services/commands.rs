//! The fix commands that install, enable and start services: the one place their texts are
//! written. Enabling goes by service manager and SysV tool (the services facts choose the tool
//! the machine has; checks that have no enablement to go by take it from the family's
//! conventions, [`crate::facts::os::Conventions::sysv_enable`]); installing goes by the
//! distribution family and release ([`install`]).

use std::fmt::Display;

use super::InitSystem;
use crate::facts::os::{Family, OsFacts};
use crate::parse::version;

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

/// The command that starts `unit` now: systemctl under systemd, the `service` wrapper elsewhere.
pub fn start_now(init: InitSystem, unit: &str) -> String {
    match init {
        InitSystem::Systemd => format!("systemctl start {unit}"),
        _ => format!("service {} start", unit.trim_end_matches(".service")),
    }
}

/// Software a fix installs when the machine lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Software {
    /// A time-synchronisation service: chrony, or ntp where the release boots without systemd.
    TimeService,
    /// VMware's guest tools: open-vm-tools, or VMware Tools where the release has no package.
    VmwareTools,
    /// The Azure Linux VM agent (WALinuxAgent).
    AzureVmAgent,
    /// The OpenSSH server, enabled at boot.
    SshServer,
    /// What rebuilds and lists an initramfs and configures the network after failover: the
    /// initramfs builder, kmod (modinfo) and a DHCP client.
    HydrationTools,
}

/// What of the distribution an install command depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    pub family: Family,
    /// The major version as the distribution numbers it.
    pub major: Option<u32>,
    /// The major version counts like RHEL's (not Fedora's or Amazon Linux's, whose ID_LIKE
    /// also says fedora or rhel).
    pub el_numbered: bool,
    /// Ubuntu or a derivative of it (some packages are named differently from Debian's).
    pub ubuntu: bool,
    /// The machine boots with systemd.
    pub systemd: bool,
}

impl Release {
    pub fn of(os: &OsFacts, init: InitSystem) -> Release {
        Release {
            family: os.family,
            major: os.version.as_deref().and_then(version::major),
            el_numbered: !matches!(os.id.as_deref(), Some("fedora" | "amzn")),
            ubuntu: os.like("ubuntu"),
            systemd: init == InitSystem::Systemd,
        }
    }
}

/// The command (or, where no package does it, the advice) that installs `what` on `release`
/// and starts it at boot.
pub fn install(what: Software, release: &Release) -> &'static str {
    let r = release;
    match what {
        Software::TimeService => match r.family {
            Family::Rhel if r.systemd => "yum install -y chrony && systemctl enable --now chronyd",
            Family::Rhel => "yum install -y ntp && chkconfig ntpd on && service ntpd start",
            Family::Suse if r.systemd => "zypper install chrony && systemctl enable --now chronyd",
            Family::Suse => "zypper install ntp && insserv ntp && rcntp start",
            Family::Debian => "apt-get install chrony",
            Family::Other => {
                "install chrony (or ntp) with the distribution's package manager and enable it at boot"
            }
        },
        Software::VmwareTools => match (r.family, r.major) {
            // RHEL/Oracle Linux 6 and SLES 11 have no open-vm-tools package of their own.
            (Family::Rhel, Some(m)) if m <= 6 && r.el_numbered => {
                "Install VMware Tools from vSphere (VM > Guest OS > Install VMware Tools, then run vmware-install.pl from the mounted CD), or open-vm-tools from EPEL."
            }
            (Family::Rhel, Some(m)) if m >= 8 => {
                "dnf install open-vm-tools && systemctl enable --now vmtoolsd"
            }
            (Family::Rhel, _) => {
                "yum install open-vm-tools && systemctl enable vmtoolsd && systemctl start vmtoolsd"
            }
            (Family::Suse, Some(11)) => {
                "Install VMware Tools from vSphere (VM > Guest OS > Install VMware Tools) or the vmware-tools packages of the SLES 11 SP3 update channel."
            }
            (Family::Suse, _) => "zypper install open-vm-tools && systemctl enable --now vmtoolsd",
            (Family::Debian, _) => {
                "apt-get install open-vm-tools (the package enables and starts open-vm-tools.service)"
            }
            (Family::Other, _) => {
                "Install open-vm-tools from the distribution, enable its service (vmtoolsd or open-vm-tools) and start it."
            }
        },
        Software::AzureVmAgent => match r.family {
            Family::Rhel => "yum install -y WALinuxAgent && systemctl enable --now waagent",
            Family::Suse => "zypper install python-azure-agent && systemctl enable --now waagent",
            // Debian packages it as `waagent`, Ubuntu as `walinuxagent`.
            Family::Debian if r.ubuntu => "apt-get install walinuxagent",
            Family::Debian => "apt-get install waagent",
            Family::Other => {
                "install the distribution's Azure Linux VM agent package (WALinuxAgent) and enable it at boot"
            }
        },
        Software::SshServer => match r.family {
            Family::Rhel if r.systemd => "yum install -y openssh-server && systemctl enable sshd",
            Family::Rhel => "yum install -y openssh-server && chkconfig sshd on",
            Family::Suse if r.systemd => "zypper install openssh && systemctl enable sshd",
            Family::Suse => "zypper install openssh && insserv sshd",
            // The Debian package enables its service when it is installed.
            Family::Debian => "apt-get install openssh-server",
            Family::Other => {
                "install the distribution's OpenSSH server package (openssh-server; `openssh` on SLES) and enable sshd at boot"
            }
        },
        Software::HydrationTools => match r.family {
            Family::Rhel => "yum install dracut kmod dhclient",
            Family::Suse => "zypper install dracut kmod dhcp-client",
            Family::Debian => "apt-get install initramfs-tools kmod isc-dhcp-client",
            Family::Other => {
                "dracut kmod dhclient (package names vary: dracut, kmod for modinfo, a DHCP client)"
            }
        },
    }
}

/// The command that reinstalls the package of kernel `release` (SLES reinstalls its flavour's
/// package, which holds the running release).
pub fn reinstall_kernel(family: Family, release: &str) -> String {
    match family {
        Family::Rhel => format!("yum reinstall kernel-{release}"),
        Family::Suse => "zypper install --force kernel-default".to_string(),
        Family::Debian => format!("apt-get install --reinstall linux-image-{release}"),
        Family::Other => format!("reinstall the package of kernel {release}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(family: Family, major: Option<u32>, systemd: bool) -> Release {
        Release {
            family,
            major,
            el_numbered: true,
            ubuntu: false,
            systemd,
        }
    }

    /// The release decides: ntp and chkconfig without systemd, VMware Tools where no
    /// open-vm-tools package exists, dnf from RHEL 8 (Fedora and Amazon Linux are not
    /// numbered like RHEL), Ubuntu's agent package name.
    #[test]
    fn install_by_release() {
        let time = |r| install(Software::TimeService, &r);
        assert!(time(release(Family::Rhel, Some(6), false)).contains("chkconfig ntpd on"));
        assert!(time(release(Family::Rhel, Some(7), true)).contains("chrony"));
        let tools = |r| install(Software::VmwareTools, &r);
        assert!(tools(release(Family::Rhel, Some(6), false)).starts_with("Install VMware Tools"));
        assert!(tools(release(Family::Rhel, Some(9), true)).starts_with("dnf install"));
        assert!(tools(release(Family::Suse, Some(11), false)).starts_with("Install VMware Tools"));
        let amzn2 = Release {
            el_numbered: false,
            ..release(Family::Rhel, Some(2), true)
        };
        assert!(tools(amzn2).starts_with("yum install open-vm-tools"));
        let ubuntu = Release {
            ubuntu: true,
            ..release(Family::Debian, Some(22), true)
        };
        assert_eq!(
            install(Software::AzureVmAgent, &ubuntu),
            "apt-get install walinuxagent"
        );
        let ssh = |r| install(Software::SshServer, &r);
        assert!(ssh(release(Family::Rhel, Some(6), false)).ends_with("chkconfig sshd on"));
        assert!(ssh(release(Family::Suse, Some(11), false)).ends_with("insserv sshd"));
        assert!(ssh(release(Family::Suse, Some(15), true)).ends_with("systemctl enable sshd"));
        assert_eq!(
            install(
                Software::AzureVmAgent,
                &release(Family::Debian, Some(12), true)
            ),
            "apt-get install waagent"
        );
    }

    #[test]
    fn start_by_init() {
        assert_eq!(
            start_now(InitSystem::Systemd, "vmtoolsd.service"),
            "systemctl start vmtoolsd.service"
        );
        assert_eq!(
            start_now(InitSystem::SysV, "vmtoolsd.service"),
            "service vmtoolsd start"
        );
    }

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
