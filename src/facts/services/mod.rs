//! Services at boot: which init system the machine boots with, and whether a service (sshd,
//! VMware tools, a time daemon, the Azure agent...) is installed and started automatically.
//!
//! Everything is read through [`Root`], so the answer is the same live and against an image:
//! it says what will happen at the next boot, not what runs now (see `facts::processes`).
//!
//! - systemd: unit files in the search path (`/etc`, `/run`, `/usr/local/lib`, `/usr/lib`, `/lib`),
//!   aliases (symbolic links to a unit of another name, `Alias=` in `[Install]`), masks (a link
//!   to `/dev/null` or an empty file, which wins over everything), sockets, and the set of units
//!   the default target pulls in through the `.wants`/`.requires` directories and `Wants=`/
//!   `Requires=` of the targets it reaches. SysV scripts without a native unit count the way
//!   systemd-sysv-generator makes them count: `S` links in `rc2.d`-`rc4.d` are wanted by
//!   multi-user.target, in `rc5.d` by graphical.target.
//! - SysV init: the default runlevel of `/etc/inittab` and an `S` link in that runlevel's rc
//!   directory (RHEL `/etc/rc.d/rcN.d`, SLES `/etc/init.d/rcN.d`, Debian `/etc/rcN.d`).
//! - Upstart: a job in `/etc/init/NAME.conf` with its `start on` condition, which `manual` in
//!   the job or in `NAME.override` cancels; without a job (RHEL 6) the SysV rc links decide.

use crate::facts::FactError;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::{inittab, systemd_unit, upstart};
use crate::root::{FileKind, ReadError, Root};
use crate::text::escape_bytes;

pub mod commands;
mod systemd;
mod sysv;
mod upstart_jobs;

use commands::*;
pub use systemd::systemd_boot;
use systemd::*;
pub use sysv::default_runlevel;
use sysv::*;
use upstart_jobs::*;

/// The init system the machine boots with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitSystem {
    Systemd,
    Upstart,
    SysV,
    Unknown,
}

impl InitSystem {
    pub fn as_str(self) -> &'static str {
        match self {
            InitSystem::Systemd => "systemd",
            InitSystem::Upstart => "Upstart",
            InitSystem::SysV => "SysV init",
            InitSystem::Unknown => "unknown",
        }
    }
}

/// Which init system, and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitDecision {
    pub system: InitSystem,
    /// What decided, with the paths, e.g. `/sbin/init -> ../lib/systemd/systemd`.
    pub evidence: String,
    pub errors: Vec<FactError>,
}

/// Whether a service starts at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootState {
    /// Started automatically at boot.
    Enabled,
    /// Installed, not started automatically.
    Disabled,
    /// Installed and masked (systemd): cannot be started at all until unmasked.
    Masked,
    /// No unit file, init script or job under any of the names.
    NotInstalled,
}

impl BootState {
    pub fn as_str(self) -> &'static str {
        match self {
            BootState::Enabled => "enabled",
            BootState::Disabled => "disabled",
            BootState::Masked => "masked",
            BootState::NotInstalled => "not installed",
        }
    }
}

/// The answer for one service, under any of the names it goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEnablement {
    pub init: InitSystem,
    pub state: BootState,
    /// The unit, script or job the answer is about (`ssh.service`, `/etc/init.d/sshd`,
    /// `/etc/init/ssh.conf`); `None` when nothing is installed.
    pub unit: Option<String>,
    /// One line per fact that decided, each naming its path.
    pub evidence: Vec<String>,
    /// The command that makes it start at boot on this system (`None` when enabled or when
    /// there is nothing to enable).
    pub remediation: Option<String>,
    /// Reads that failed (permission, I/O): the answer may be incomplete.
    pub errors: Vec<FactError>,
}

impl ServiceEnablement {
    pub fn is_enabled(&self) -> bool {
        self.state == BootState::Enabled
    }
    pub fn is_installed(&self) -> bool {
        self.state != BootState::NotInstalled
    }
}

/// Everything about the boot that does not depend on the service asked about: the init
/// system, systemd's default target and what it pulls in, the default runlevel. Gathered once
/// per run; [`ServiceFacts::enablement`] then answers for any service.
#[derive(Debug, Clone)]
pub struct ServiceFacts {
    pub init: InitDecision,
    pub systemd: Option<SystemdBoot>,
    pub runlevel: Runlevel,
}

/// systemd's boot transaction as far as enablement goes.
#[derive(Debug, Clone, Default)]
pub struct SystemdBoot {
    /// The default target's own name (after following `default.target`).
    pub default_target: String,
    /// How the default target was found.
    pub default_evidence: String,
    /// Every target reached from the default target, with the target that pulled it in.
    pub targets: BTreeMap<String, Option<String>>,
    /// Every unit name those targets pull in, with the target and the path or setting that
    /// pulls it in.
    pub pulled: BTreeMap<String, (String, String)>,
    pub errors: Vec<FactError>,
}

/// The default runlevel (SysV, Upstart).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runlevel {
    pub level: Option<char>,
    pub evidence: String,
    pub errors: Vec<FactError>,
}

/// systemd's unit search path, highest priority first (the generator directories are left
/// out: their content is computed here from the same inputs the generators read).
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// Where SysV init scripts live (RHEL links /etc/init.d to rc.d/init.d).
const SYSV_INIT_DIRS: &[&str] = &["/etc/init.d", "/etc/rc.d/init.d"];

/// Parents of the rcN.d directories: Debian /etc, RHEL /etc/rc.d, SLES /etc/init.d.
const RC_BASES: &[&str] = &["/etc", "/etc/rc.d", "/etc/init.d"];

fn show(p: &Path) -> String {
    escape_bytes(p.as_os_str().as_bytes())
}

fn join(dir: &str, name: &str) -> PathBuf {
    Path::new(dir).join(name)
}

/// Records a read error unless it only says that the thing is not there.
fn note(errors: &mut Vec<FactError>, e: ReadError) {
    if !e.is_not_found() {
        errors.push(e.into());
    }
}

fn kind_nofollow(root: &Root, p: &Path, errors: &mut Vec<FactError>) -> Option<FileKind> {
    match root.kind_nofollow(p) {
        Ok(k) => k,
        Err(e) => {
            note(errors, e);
            None
        }
    }
}

fn kind(root: &Root, p: &Path, errors: &mut Vec<FactError>) -> Option<FileKind> {
    match root.kind(p) {
        Ok(k) => k,
        Err(e) => {
            note(errors, e);
            None
        }
    }
}

fn list_dir(root: &Root, p: &Path, errors: &mut Vec<FactError>) -> Vec<String> {
    match root.read_dir_optional(p) {
        Ok(entries) => entries
            .into_iter()
            .filter_map(|e| e.name.into_string().ok())
            .collect(),
        Err(e) => {
            note(errors, e);
            Vec::new()
        }
    }
}

fn read_optional(root: &Root, p: &Path, errors: &mut Vec<FactError>) -> Option<String> {
    match root.read_optional(p) {
        Ok(t) => t,
        Err(e) => {
            note(errors, e);
            None
        }
    }
}

/// Follows the symbolic links at `path` (inside the root) and returns the chain of targets as
/// written, the last one being what the path finally names.
fn link_chain(root: &Root, path: &Path, errors: &mut Vec<FactError>) -> Vec<PathBuf> {
    let mut chain = Vec::new();
    let mut cur = path.to_path_buf();
    for _ in 0..16 {
        if kind_nofollow(root, &cur, errors) != Some(FileKind::Symlink) {
            break;
        }
        let target = match root.read_link(&cur) {
            Ok(t) => t,
            Err(e) => {
                note(errors, e);
                break;
            }
        };
        let next = match cur.parent() {
            Some(parent) if target.is_relative() => parent.join(&target),
            _ => target.clone(),
        };
        chain.push(target);
        cur = next;
    }
    chain
}

/// Which init system the machine boots: what `/sbin/init` is (a link to systemd, Upstart's
/// binary next to `initctl` and `/etc/init`, or SysV init), with fallbacks for trees without it.
pub fn init_system(root: &Root) -> InitDecision {
    let mut errors = Vec::new();
    let decide = |system, evidence: String, errors: Vec<FactError>| InitDecision {
        system,
        evidence,
        errors,
    };
    for init in ["/sbin/init", "/usr/sbin/init"] {
        let p = Path::new(init);
        let chain = link_chain(root, p, &mut errors);
        if let Some(last) = chain.last() {
            let base = last
                .file_name()
                .map(|b| b.to_string_lossy().into_owned())
                .unwrap_or_default();
            let shown = chain
                .iter()
                .map(|t| show(t))
                .collect::<Vec<_>>()
                .join(" -> ");
            if base == "systemd" {
                return decide(InitSystem::Systemd, format!("{init} -> {shown}"), errors);
            }
            if base.contains("upstart") {
                return decide(InitSystem::Upstart, format!("{init} -> {shown}"), errors);
            }
        }
        match kind(root, p, &mut errors) {
            Some(FileKind::File) => {}
            _ => continue,
        }
        let initctl = ["/sbin/initctl", "/usr/sbin/initctl"]
            .into_iter()
            .find(|c| kind(root, Path::new(c), &mut errors) == Some(FileKind::File));
        let jobs = kind(root, Path::new("/etc/init"), &mut errors) == Some(FileKind::Dir);
        return match initctl {
            Some(c) if jobs => decide(
                InitSystem::Upstart,
                format!("{init} is a program and Upstart's {c} and /etc/init/ are present"),
                errors,
            ),
            _ => decide(
                InitSystem::SysV,
                format!("{init} is a program and Upstart's initctl is absent: SysV init"),
                errors,
            ),
        };
    }
    for sd in ["/usr/lib/systemd/systemd", "/lib/systemd/systemd"] {
        if kind(root, Path::new(sd), &mut errors) == Some(FileKind::File) {
            return decide(
                InitSystem::Systemd,
                format!("no /sbin/init; {sd} is present"),
                errors,
            );
        }
    }
    if kind(root, Path::new("/etc/inittab"), &mut errors) == Some(FileKind::File) {
        return decide(
            InitSystem::SysV,
            "no /sbin/init; /etc/inittab is present".into(),
            errors,
        );
    }
    decide(
        InitSystem::Unknown,
        "no /sbin/init, no systemd binary and no /etc/inittab".into(),
        errors,
    )
}

/// Gathers the boot facts once: init system, and systemd's boot graph or the default runlevel.
pub fn gather(root: &Root) -> ServiceFacts {
    let init = init_system(root);
    let systemd = (init.system == InitSystem::Systemd).then(|| systemd_boot(root));
    let runlevel = match init.system {
        InitSystem::SysV | InitSystem::Upstart => default_runlevel(root, init.system),
        _ => Runlevel::default(),
    };
    ServiceFacts {
        init,
        systemd,
        runlevel,
    }
}

/// The enablement of a service known by any of `names` (without suffix: `sshd`, `ssh`), under
/// the given init system. Convenience for one question; [`ServiceFacts`] caches the boot facts.
pub fn enablement(root: &Root, init: &InitDecision, names: &[&str]) -> ServiceEnablement {
    let facts = ServiceFacts {
        init: init.clone(),
        systemd: (init.system == InitSystem::Systemd).then(|| systemd_boot(root)),
        runlevel: default_runlevel(root, init.system),
    };
    facts.enablement(root, names)
}

impl ServiceFacts {
    /// Whether the service known by any of `names` starts at boot.
    pub fn enablement(&self, root: &Root, names: &[&str]) -> ServiceEnablement {
        let mut out = match (self.init.system, &self.systemd) {
            (InitSystem::Systemd, Some(boot)) => systemd_enablement(root, boot, names),
            (InitSystem::Upstart, _) => upstart_enablement(root, &self.runlevel, names),
            (InitSystem::SysV, _) => sysv_enablement(root, &self.runlevel, names, InitSystem::SysV),
            _ => unknown_init(root, names),
        };
        out.evidence.insert(
            0,
            format!(
                "init system: {} ({})",
                self.init.system.as_str(),
                self.init.evidence
            ),
        );
        out.errors.splice(0..0, self.init.errors.iter().cloned());
        if let Some(b) = &self.systemd {
            out.errors.splice(0..0, b.errors.iter().cloned());
        }
        out.errors
            .splice(0..0, self.runlevel.errors.iter().cloned());
        out
    }
}

fn unknown_init(root: &Root, names: &[&str]) -> ServiceEnablement {
    let mut errors = Vec::new();
    let installed = names.iter().find_map(|n| {
        UNIT_DIRS
            .iter()
            .map(|d| join(d, &format!("{n}.service")))
            .chain(SYSV_INIT_DIRS.iter().map(|d| join(d, n)))
            .chain(std::iter::once(join("/etc/init", &format!("{n}.conf"))))
            .find(|p| kind(root, p, &mut errors).is_some())
    });
    ServiceEnablement {
        init: InitSystem::Unknown,
        state: if installed.is_some() {
            BootState::Disabled
        } else {
            BootState::NotInstalled
        },
        unit: installed.as_deref().map(show),
        evidence: vec![
            "cannot tell how the machine boots, so not whether the service starts at boot".into(),
        ],
        remediation: None,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};

    struct T(tempfile::TempDir);

    impl T {
        fn new() -> T {
            T(tempfile::tempdir().unwrap())
        }
        fn host(&self, p: &str) -> PathBuf {
            self.0.path().join(p.trim_start_matches('/'))
        }
        fn file(&self, p: &str, text: &str) -> &T {
            let h = self.host(p);
            fs::create_dir_all(h.parent().unwrap()).unwrap();
            fs::write(&h, text).unwrap();
            self
        }
        fn script(&self, p: &str) -> &T {
            self.file(p, "#!/bin/sh\n");
            fs::set_permissions(self.host(p), fs::Permissions::from_mode(0o755)).unwrap();
            self
        }
        fn link(&self, p: &str, target: &str) -> &T {
            let h = self.host(p);
            fs::create_dir_all(h.parent().unwrap()).unwrap();
            symlink(target, h).unwrap();
            self
        }
        fn root(&self) -> Root {
            Root::image(self.0.path()).unwrap()
        }
        fn answer(&self, names: &[&str]) -> ServiceEnablement {
            let root = self.root();
            gather(&root).enablement(&root, names)
        }
    }

    const SSH_SERVICE: &str = "[Unit]\nDescription=OpenBSD Secure Shell server\n[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n";
    const SSH_SOCKET: &str =
        "[Socket]\nListenStream=22\nAccept=no\n[Install]\nWantedBy=sockets.target\n";

    fn debian_systemd() -> T {
        let t = T::new();
        t.link("/sbin/init", "/lib/systemd/systemd")
            .file("/lib/systemd/systemd", "")
            .file("/lib/systemd/system/ssh.service", SSH_SERVICE)
            .file("/lib/systemd/system/ssh.socket", SSH_SOCKET)
            .link("/lib/systemd/system/default.target", "graphical.target")
            .file(
                "/lib/systemd/system/graphical.target",
                "[Unit]\nRequires=multi-user.target\nWants=display-manager.service\n",
            )
            .file(
                "/lib/systemd/system/multi-user.target",
                "[Unit]\nRequires=basic.target\n",
            )
            .file(
                "/lib/systemd/system/basic.target",
                "[Unit]\nRequires=sysinit.target\nWants=sockets.target timers.target\n",
            );
        t
    }

    /// The init system comes from what /sbin/init is.
    #[test]
    fn init_detection() {
        let t = T::new();
        t.link("/sbin/init", "../lib/systemd/systemd");
        assert_eq!(init_system(&t.root()).system, InitSystem::Systemd);
        let t = T::new();
        t.script("/sbin/init")
            .script("/sbin/initctl")
            .file("/etc/init/rc.conf", "");
        assert_eq!(init_system(&t.root()).system, InitSystem::Upstart);
        let t = T::new();
        t.script("/sbin/init")
            .file("/etc/inittab", "id:3:initdefault:\n");
        let d = init_system(&t.root());
        assert_eq!(d.system, InitSystem::SysV, "{d:?}");
        // Merged /usr: /sbin -> usr/sbin, init a link into systemd.
        let t = T::new();
        t.link("/sbin", "usr/sbin")
            .link("/usr/sbin/init", "../lib/systemd/systemd")
            .file("/usr/lib/systemd/systemd", "");
        assert_eq!(init_system(&t.root()).system, InitSystem::Systemd);
        assert_eq!(init_system(&T::new().root()).system, InitSystem::Unknown);
    }

    /// Debian after `systemctl enable ssh`: the wants link and the sshd alias link.
    #[test]
    fn debian_enabled_through_multi_user() {
        let t = debian_systemd();
        t.link(
            "/etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        )
        .link(
            "/etc/systemd/system/sshd.service",
            "/lib/systemd/system/ssh.service",
        );
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Enabled, "{a:#?}");
        assert_eq!(a.unit.as_deref(), Some("ssh.service"));
        assert!(
            a.evidence
                .iter()
                .any(|e| e.contains("multi-user.target <- graphical.target")),
            "{a:#?}"
        );
        assert!(a.errors.is_empty());
    }

    /// Disabled: the remediation enables the unit by its own name.
    #[test]
    fn debian_disabled() {
        let a = debian_systemd().answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
        assert_eq!(a.remediation.as_deref(), Some("systemctl enable ssh"));
    }

    /// A mask in /etc wins over the wants link.
    #[test]
    fn mask_wins() {
        let t = debian_systemd();
        t.link(
            "/etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        )
        .link("/etc/systemd/system/ssh.service", "/dev/null");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Masked, "{a:#?}");
        assert_eq!(
            a.remediation.as_deref(),
            Some("systemctl unmask ssh && systemctl enable ssh")
        );
    }

    /// An enabled socket counts (basic.target pulls in sockets.target), unless the service it
    /// starts is masked.
    #[test]
    fn socket_activation() {
        let t = debian_systemd();
        t.link(
            "/etc/systemd/system/sockets.target.wants/ssh.socket",
            "/lib/systemd/system/ssh.socket",
        );
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Enabled, "{a:#?}");
        assert_eq!(a.unit.as_deref(), Some("ssh.socket"));
        t.link("/run/systemd/system/ssh.service", "/dev/null");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Masked, "{a:#?}");
    }

    /// With rescue.target as default, an install link in multi-user.target does not start it.
    #[test]
    fn default_target_that_does_not_reach() {
        let t = debian_systemd();
        t.file(
            "/lib/systemd/system/rescue.target",
            "[Unit]\nRequires=sysinit.target\n",
        )
        .link(
            "/etc/systemd/system/default.target",
            "/lib/systemd/system/rescue.target",
        )
        .link(
            "/etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        );
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
        assert!(
            a.evidence
                .iter()
                .any(|e| e.contains("multi-user.target is not reached")),
            "{a:#?}"
        );
    }

    /// Minimal trees without target unit files still reach multi-user via systemd's own deps.
    #[test]
    fn builtin_target_graph() {
        let t = T::new();
        t.link("/sbin/init", "/usr/lib/systemd/systemd")
            .file(
                "/usr/lib/systemd/system/sshd.service",
                "[Service]\nExecStart=/usr/sbin/sshd\n",
            )
            .link(
                "/etc/systemd/system/multi-user.target.wants/sshd.service",
                "/usr/lib/systemd/system/sshd.service",
            );
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Enabled, "{a:#?}");
    }

    /// A SysV script without native unit counts through the generator's runlevel mapping.
    #[test]
    fn sysv_script_under_systemd() {
        let t = debian_systemd();
        fs::remove_file(t.host("/lib/systemd/system/ssh.service")).unwrap();
        fs::remove_file(t.host("/lib/systemd/system/ssh.socket")).unwrap();
        t.script("/etc/init.d/ssh");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
        t.link("/etc/rc5.d/S01ssh", "../init.d/ssh");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Enabled, "{a:#?}");
        // multi-user default: rc5.d is graphical.target's, not reached.
        t.link(
            "/etc/systemd/system/default.target",
            "/lib/systemd/system/multi-user.target",
        );
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
    }

    /// Nothing under any name: not installed.
    #[test]
    fn not_installed() {
        let t = T::new();
        t.link("/sbin/init", "/lib/systemd/systemd");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::NotInstalled, "{a:#?}");
        assert!(a.remediation.is_none());
    }

    /// RHEL 6: Upstart runs rc; chkconfig left S55sshd in rc3.d, default runlevel 3.
    #[test]
    fn rhel6_rc_links() {
        let t = T::new();
        t.script("/sbin/init")
            .script("/sbin/initctl")
            .script("/sbin/chkconfig")
            .file("/etc/init/rc.conf", "start on runlevel [0123456]\n")
            .file("/etc/inittab", "id:3:initdefault:\n")
            .script("/etc/rc.d/init.d/sshd")
            .link("/etc/init.d", "rc.d/init.d")
            .link("/etc/rc.d/rc3.d/K25sshd", "../init.d/sshd")
            .link("/etc/rc.d/rc5.d/S55sshd", "../init.d/sshd")
            .link("/etc/rc3.d", "rc.d/rc3.d");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.init, InitSystem::Upstart);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
        assert_eq!(a.remediation.as_deref(), Some("chkconfig sshd on"));
        fs::remove_file(t.host("/etc/rc.d/rc3.d/K25sshd")).unwrap();
        t.link("/etc/rc.d/rc3.d/S55sshd", "../init.d/sshd");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Enabled, "{a:#?}");
    }

    /// SLES 11: rc directories under /etc/init.d, insserv as the tool.
    #[test]
    fn sles11_insserv() {
        let t = T::new();
        t.script("/sbin/init")
            .script("/sbin/insserv")
            .script("/sbin/chkconfig")
            .file("/etc/inittab", "id:5:initdefault:\n")
            .script("/etc/init.d/sshd")
            .link("/etc/rc.d", "init.d")
            .link("/etc/init.d/rc3.d/S12sshd", "../sshd")
            .file("/etc/init.d/rc5.d/.keep", "");
        let a = t.answer(&["sshd"]);
        assert_eq!(a.init, InitSystem::SysV);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
        assert_eq!(a.remediation.as_deref(), Some("insserv sshd"));
        t.link("/etc/init.d/rc5.d/S12sshd", "../sshd");
        assert_eq!(t.answer(&["sshd"]).state, BootState::Enabled);
    }

    /// Ubuntu 14.04: the ssh job starts on runlevel [2345]; a `manual` override stops that.
    #[test]
    fn ubuntu_upstart_job_and_override() {
        let t = T::new();
        t.script("/sbin/init")
            .script("/sbin/initctl")
            .file("/etc/init/rc-sysinit.conf", "env DEFAULT_RUNLEVEL=2\n")
            .file(
                "/etc/init/ssh.conf",
                "start on runlevel [2345]\nstop on runlevel [!2345]\nexec /usr/sbin/sshd -D\n",
            )
            .script("/etc/init.d/ssh");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Enabled, "{a:#?}");
        assert_eq!(a.unit.as_deref(), Some("/etc/init/ssh.conf"));
        t.file("/etc/init/ssh.override", "manual\n");
        let a = t.answer(&["sshd", "ssh"]);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
        assert_eq!(
            a.remediation.as_deref(),
            Some("sed -i '/^[[:space:]]*manual[[:space:]]*$/d' /etc/init/ssh.override")
        );
    }

    /// A dangling or non-executable script is no enabled service; an unreadable directory is an
    /// error in the answer.
    #[test]
    fn unreadable_is_reported() {
        let t = T::new();
        t.script("/sbin/init")
            .file("/etc/inittab", "id:3:initdefault:\n");
        t.file("/etc/init.d/sshd", "#!/bin/sh\n");
        t.link("/etc/rc3.d/S55sshd", "../init.d/sshd");
        let a = t.answer(&["sshd"]);
        assert_eq!(a.state, BootState::Disabled, "{a:#?}");
        assert!(a.evidence.iter().any(|e| e.contains("not executable")));
        // An /etc/inittab that cannot be read (here a FIFO) is an error in the answer.
        fs::remove_file(t.host("/etc/inittab")).unwrap();
        nix::unistd::mkfifo(&t.host("/etc/inittab"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        let a = t.answer(&["sshd"]);
        assert!(!a.errors.is_empty(), "{a:#?}");
    }
}
