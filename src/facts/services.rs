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

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::{inittab, systemd_unit, upstart};
use crate::root::{FileKind, ReadError, Root};
use crate::text::escape_bytes;

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
    pub errors: Vec<String>,
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
    pub errors: Vec<String>,
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
    pub errors: Vec<String>,
}

/// The default runlevel (SysV, Upstart).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Runlevel {
    pub level: Option<char>,
    pub evidence: String,
    pub errors: Vec<String>,
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
fn note(errors: &mut Vec<String>, e: ReadError) {
    if !e.is_not_found() {
        errors.push(e.to_string());
    }
}

fn kind_nofollow(root: &Root, p: &Path, errors: &mut Vec<String>) -> Option<FileKind> {
    match root.kind_nofollow(p) {
        Ok(k) => k,
        Err(e) => {
            note(errors, e);
            None
        }
    }
}

fn kind(root: &Root, p: &Path, errors: &mut Vec<String>) -> Option<FileKind> {
    match root.kind(p) {
        Ok(k) => k,
        Err(e) => {
            note(errors, e);
            None
        }
    }
}

fn list_dir(root: &Root, p: &Path, errors: &mut Vec<String>) -> Vec<String> {
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

fn read_optional(root: &Root, p: &Path, errors: &mut Vec<String>) -> Option<String> {
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
fn link_chain(root: &Root, path: &Path, errors: &mut Vec<String>) -> Vec<PathBuf> {
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
    let decide = |system, evidence: String, errors: Vec<String>| InitDecision {
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

// ---------------------------------------------------------------------------------------------
// systemd

/// A unit name looked up in the search path.
#[derive(Debug, Clone, Default)]
struct Unit {
    /// The name after following alias links (the unit's own name).
    name: String,
    /// Every name met on the way: the requested one and the alias links followed.
    names: Vec<String>,
    /// Where the unit's content is (links inside are followed by [`Root`]).
    file: Option<PathBuf>,
    /// What masks it, e.g. `/etc/systemd/system/ssh.service -> /dev/null`.
    masked: Option<String>,
    /// The alias links followed.
    aliases: Vec<String>,
    content: Option<systemd_unit::UnitFile>,
}

impl Unit {
    fn exists(&self) -> bool {
        self.file.is_some() || self.masked.is_some()
    }
}

fn find_unit(root: &Root, name: &str, errors: &mut Vec<String>) -> Option<(PathBuf, FileKind)> {
    UNIT_DIRS.iter().find_map(|d| {
        let p = join(d, name);
        kind_nofollow(root, &p, errors).map(|k| (p, k))
    })
}

fn resolve_unit(root: &Root, name: &str, errors: &mut Vec<String>) -> Unit {
    let mut unit = Unit {
        name: name.to_string(),
        names: vec![name.to_string()],
        ..Unit::default()
    };
    let mut cur = name.to_string();
    for _ in 0..8 {
        let Some((path, k)) = find_unit(root, &cur, errors) else {
            break;
        };
        if k == FileKind::Symlink {
            let target = match root.read_link(&path) {
                Ok(t) => t,
                Err(e) => {
                    note(errors, e);
                    break;
                }
            };
            if target == Path::new("/dev/null") {
                unit.masked = Some(format!("{} -> /dev/null", show(&path)));
                break;
            }
            let base = target
                .file_name()
                .and_then(|b| b.to_str())
                .unwrap_or_default()
                .to_string();
            if base.is_empty() || base == cur {
                // A linked unit file kept outside the search path.
                unit.file = Some(path);
                break;
            }
            unit.aliases
                .push(format!("{} -> {}", show(&path), show(&target)));
            // An alias: the unit's own name is the link target's; its content is found under
            // that name, or through the link when that name is nowhere in the search path.
            if find_unit(root, &base, errors).is_none() {
                if kind(root, &path, errors) == Some(FileKind::File) {
                    unit.file = Some(path);
                }
                unit.name = base.clone();
                unit.names.push(base);
                break;
            }
            cur = base.clone();
            unit.name = base.clone();
            unit.names.push(base);
            continue;
        }
        if k == FileKind::File {
            unit.file = Some(path);
        }
        break;
    }
    if let Some(file) = &unit.file {
        match root.read_text(file) {
            // An empty unit file masks the unit, like a link to /dev/null.
            Ok(t) if t.is_empty() => {
                unit.masked = Some(format!("{} is empty", show(file)));
            }
            Ok(t) => {
                // `Alias=` takes effect only through the link `systemctl enable` makes, which
                // the walk above has already followed; the setting alone names nothing.
                unit.content = Some(systemd_unit::parse(&t));
            }
            Err(e) => note(errors, e),
        }
    }
    if unit.masked.is_some() {
        unit.file = None;
        unit.content = None;
    }
    unit
}

/// Targets the default target pulls in when their unit files are missing from a tree (a
/// minimal image): the dependencies systemd's own target units declare.
fn builtin_target_deps(name: &str) -> &'static [&'static str] {
    match name {
        "graphical.target" => &["multi-user.target"],
        "multi-user.target" => &["basic.target"],
        "basic.target" => &[
            "sysinit.target",
            "sockets.target",
            "timers.target",
            "paths.target",
            "slices.target",
        ],
        _ => &[],
    }
}

/// Walks from the default target through the targets it pulls in.
pub fn systemd_boot(root: &Root) -> SystemdBoot {
    let mut errors = Vec::new();
    let mut boot = SystemdBoot::default();
    let def = resolve_unit(root, "default.target", &mut errors);
    let start = if def.exists() && def.masked.is_none() && def.name != "default.target" {
        boot.default_evidence = def.aliases.join(", ");
        def
    } else {
        let fallback = if find_unit(root, "graphical.target", &mut errors).is_some() {
            "graphical.target"
        } else {
            "multi-user.target"
        };
        boot.default_evidence = format!(
            "no usable default.target in {}; taking {fallback}",
            UNIT_DIRS.join(", ")
        );
        let mut u = resolve_unit(root, fallback, &mut errors);
        u.names.push("default.target".into());
        u
    };
    boot.default_target = start.name.clone();
    let mut queue = VecDeque::new();
    boot.targets.insert(start.name.clone(), None);
    queue.push_back(start);
    while let Some(target) = queue.pop_front() {
        if target.masked.is_some() {
            continue;
        }
        let mut pulls: Vec<(String, String)> = Vec::new();
        for n in &target.names {
            for d in UNIT_DIRS {
                for suffix in [".wants", ".requires"] {
                    let dir = join(d, &format!("{n}{suffix}"));
                    for entry in list_dir(root, &dir, &mut errors) {
                        let via = show(&dir.join(&entry));
                        pulls.push((entry, via));
                    }
                }
            }
        }
        if let Some(file) = &target.file {
            let mut files = vec![(file.clone(), target.content.clone().unwrap_or_default())];
            for n in &target.names {
                for d in UNIT_DIRS {
                    let dropins = join(d, &format!("{n}.d"));
                    for entry in list_dir(root, &dropins, &mut errors) {
                        if entry.ends_with(".conf") {
                            let p = dropins.join(&entry);
                            if let Some(t) = read_optional(root, &p, &mut errors) {
                                files.push((p, systemd_unit::parse(&t)));
                            }
                        }
                    }
                }
            }
            for (path, u) in files {
                for key in ["Wants", "Requires"] {
                    for dep in u.list("Unit", key) {
                        pulls.push((dep, format!("{key}= in {}", show(&path))));
                    }
                }
            }
        } else {
            for dep in builtin_target_deps(&target.name) {
                pulls.push((
                    dep.to_string(),
                    format!(
                        "{} (systemd's own dependency; no unit file here)",
                        target.name
                    ),
                ));
            }
        }
        for (unit, via) in pulls {
            if unit.ends_with(".target") {
                let t = resolve_unit(root, &unit, &mut errors);
                if !boot.targets.contains_key(&t.name) {
                    boot.targets
                        .insert(t.name.clone(), Some(target.name.clone()));
                    queue.push_back(t);
                }
            }
            boot.pulled
                .entry(unit)
                .or_insert_with(|| (target.name.clone(), via));
        }
    }
    boot.errors = errors;
    boot
}

impl SystemdBoot {
    /// How `target` is reached from the default target: `multi-user.target <- graphical.target`.
    fn chain(&self, target: &str) -> String {
        let mut parts = vec![target.to_string()];
        let mut cur = target;
        while let Some(Some(parent)) = self.targets.get(cur) {
            parts.push(parent.clone());
            cur = parent;
            if parts.len() > 32 {
                break;
            }
        }
        parts.join(" <- ")
    }

    /// The first of `names` pulled in at boot, with the evidence line.
    fn pulled_in(&self, names: &[String]) -> Option<String> {
        names.iter().find_map(|n| {
            self.pulled
                .get(n)
                .map(|(t, via)| format!("{n} is pulled in by {} ({via})", self.chain(t)))
        })
    }
}

fn trim_suffix(unit: &str) -> &str {
    unit.strip_suffix(".service")
        .or_else(|| unit.strip_suffix(".socket"))
        .unwrap_or(unit)
}

fn systemd_enablement(root: &Root, boot: &SystemdBoot, names: &[&str]) -> ServiceEnablement {
    let mut errors = Vec::new();
    let mut evidence = vec![format!(
        "default target: {}{}",
        boot.default_target,
        if boot.default_evidence.is_empty() {
            String::new()
        } else {
            format!(" ({})", boot.default_evidence)
        }
    )];
    let mut enabled: Option<String> = None;
    // Masked service names, and the first service that is installed and not masked: a mask on
    // one name (`systemctl mask sshd` on Debian) does not mask a unit of another name.
    let mut masked: Vec<String> = Vec::new();
    let mut usable: Option<String> = None;
    let mut first_installed: Option<String> = None;
    let mut seen = BTreeSet::new();

    // Native services.
    for n in names {
        let u = resolve_unit(root, &format!("{n}.service"), &mut errors);
        if !u.exists() || !seen.insert(u.name.clone()) {
            continue;
        }
        first_installed.get_or_insert_with(|| u.name.clone());
        let also = u
            .names
            .iter()
            .filter(|x| **x != u.name)
            .cloned()
            .collect::<Vec<_>>();
        match (&u.file, &u.masked) {
            (_, Some(m)) => {
                evidence.push(format!("{} is masked: {m}", u.name));
                masked.push(u.name.clone());
                continue;
            }
            (Some(f), None) => {
                usable.get_or_insert_with(|| u.name.clone());
                evidence.push(format!(
                    "{}: {}{}",
                    u.name,
                    show(f),
                    if also.is_empty() {
                        String::new()
                    } else {
                        format!(", also named {}", also.join(", "))
                    }
                ))
            }
            (None, None) => {}
        }
        match boot.pulled_in(&u.names) {
            Some(line) => {
                evidence.push(line);
                enabled.get_or_insert_with(|| u.name.clone());
            }
            None => {
                evidence.push(format!(
                    "{} is not pulled in by {} or the targets it reaches",
                    u.name, boot.default_target
                ));
                if let Some(other) = wanted_elsewhere(root, boot, &u.names, &mut errors) {
                    evidence.push(other);
                }
            }
        }
    }

    // Sockets: an enabled socket starts the service on the first connection.
    for n in names {
        let s = resolve_unit(root, &format!("{n}.socket"), &mut errors);
        if !s.exists() || !seen.insert(s.name.clone()) {
            continue;
        }
        first_installed.get_or_insert_with(|| s.name.clone());
        if let Some(m) = &s.masked {
            evidence.push(format!("{} is masked: {m}", s.name));
            continue;
        }
        let Some(line) = boot.pulled_in(&s.names) else {
            evidence.push(format!("{} is not enabled", s.name));
            continue;
        };
        let stem = trim_suffix(&s.name).to_string();
        let content = s.content.clone().unwrap_or_default();
        let accept = content
            .last("Socket", "Accept")
            .is_some_and(systemd_unit::is_true);
        let triggered = content
            .last("Socket", "Service")
            .map(str::to_string)
            .unwrap_or_else(|| {
                if accept {
                    format!("{stem}@.service")
                } else {
                    format!("{stem}.service")
                }
            });
        let t = resolve_unit(root, &triggered, &mut errors);
        if let Some(m) = &t.masked {
            evidence.push(format!("{line}, but the service it starts is masked: {m}"));
            continue;
        }
        evidence.push(format!("{line}; a connection starts {triggered}"));
        enabled.get_or_insert_with(|| s.name.clone());
    }

    // SysV scripts that systemd-sysv-generator turns into services.
    for n in names {
        let service = format!("{n}.service");
        if find_unit(root, &service, &mut errors).is_some() {
            continue; // a native unit of the same name wins over the script
        }
        let Some(script) = sysv_script(root, n, &mut errors) else {
            continue;
        };
        if !seen.insert(service.clone()) {
            continue;
        }
        first_installed.get_or_insert_with(|| service.clone());
        if !script.executable {
            evidence.push(format!(
                "{} is not executable: systemd does not run it",
                show(&script.path)
            ));
            continue;
        }
        evidence.push(format!(
            "{}: SysV script without a native unit; systemd-sysv-generator makes {service} of it",
            show(&script.path)
        ));
        usable.get_or_insert_with(|| service.clone());
        let mut found = None;
        for (level, target) in [
            ('2', "multi-user.target"),
            ('3', "multi-user.target"),
            ('4', "multi-user.target"),
            ('5', "graphical.target"),
        ] {
            if let Some(link) = start_link(root, n, level, &mut errors) {
                if boot.targets.contains_key(target) {
                    found = Some(format!(
                        "{link}: the generator makes {target} want {service} ({})",
                        boot.chain(target)
                    ));
                    break;
                }
                evidence.push(format!(
                    "{link}: wanted by {target}, which {} does not reach",
                    boot.default_target
                ));
            }
        }
        match found {
            Some(line) => {
                evidence.push(line);
                enabled.get_or_insert_with(|| service.clone());
            }
            None => evidence.push(format!("no S link for {n} in rc2.d to rc5.d")),
        }
    }

    let state = if enabled.is_some() {
        BootState::Enabled
    } else if usable.is_none() && !masked.is_empty() {
        BootState::Masked
    } else if first_installed.is_some() {
        BootState::Disabled
    } else {
        evidence.push(format!(
            "no unit {} in {}, and no SysV script",
            names
                .iter()
                .map(|n| format!("{n}.service/{n}.socket"))
                .collect::<Vec<_>>()
                .join(", "),
            UNIT_DIRS.join(", ")
        ));
        BootState::NotInstalled
    };
    let unmask: Vec<String> = masked
        .iter()
        .map(|m| format!("systemctl unmask {} && ", trim_suffix(m)))
        .collect();
    let remediation = match state {
        BootState::Masked => Some(format!(
            "{}systemctl enable {}",
            unmask.concat(),
            trim_suffix(&masked[0])
        )),
        BootState::Disabled => usable.as_deref().or(first_installed.as_deref()).map(|u| {
            let short = if u.ends_with(".socket") {
                u
            } else {
                trim_suffix(u)
            };
            format!("{}systemctl enable {short}", unmask.concat())
        }),
        _ => None,
    };
    ServiceEnablement {
        init: InitSystem::Systemd,
        state,
        unit: enabled
            .or(usable)
            .or(masked.first().cloned())
            .or(first_installed),
        evidence,
        remediation,
        errors,
    }
}

/// An install link of the service in a target the boot does not reach (e.g. the default target
/// was set to rescue.target): worth saying, since `systemctl enable` will not help then.
fn wanted_elsewhere(
    root: &Root,
    boot: &SystemdBoot,
    names: &[String],
    errors: &mut Vec<String>,
) -> Option<String> {
    for d in UNIT_DIRS {
        for entry in list_dir(root, Path::new(d), errors) {
            let Some(target) = entry
                .strip_suffix(".wants")
                .or_else(|| entry.strip_suffix(".requires"))
            else {
                continue;
            };
            if boot.targets.contains_key(target) {
                continue;
            }
            let dir = join(d, &entry);
            for n in names {
                if kind_nofollow(root, &dir.join(n), errors).is_some() {
                    return Some(format!(
                        "{} exists, but {target} is not reached from {}",
                        show(&dir.join(n)),
                        boot.default_target
                    ));
                }
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// SysV and Upstart

struct Script {
    path: PathBuf,
    executable: bool,
}

fn sysv_script(root: &Root, name: &str, errors: &mut Vec<String>) -> Option<Script> {
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
fn start_link(root: &Root, name: &str, level: char, errors: &mut Vec<String>) -> Option<String> {
    rc_links(root, name, level, errors, inittab::start_link_service)
}

fn kill_link(root: &Root, name: &str, level: char, errors: &mut Vec<String>) -> Option<String> {
    rc_links(root, name, level, errors, inittab::kill_link_service)
}

fn rc_links(
    root: &Root,
    name: &str,
    level: char,
    errors: &mut Vec<String>,
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

fn levels(runlevel: &Runlevel) -> Vec<char> {
    match runlevel.level {
        Some(l) => vec![l],
        None => vec!['2', '3', '4', '5'],
    }
}

fn sysv_enablement(
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

/// The distribution's own tool for adding a script to the boot.
fn sysv_enable_command(
    root: &Root,
    name: &str,
    runlevel: &Runlevel,
    errors: &mut Vec<String>,
) -> String {
    let has = |p: &str, errors: &mut Vec<String>| kind(root, Path::new(p), errors).is_some();
    let unusual = runlevel.level.filter(|l| !('2'..='5').contains(l));
    if has("/usr/sbin/update-rc.d", errors) {
        return format!("update-rc.d {name} defaults && update-rc.d {name} enable");
    }
    // SLES keeps its rc directories under /etc/init.d and enables scripts with insserv.
    if kind(root, Path::new("/etc/init.d/rc3.d"), errors) == Some(FileKind::Dir)
        && (has("/sbin/insserv", errors) || has("/usr/sbin/insserv", errors))
    {
        return format!("insserv {name}");
    }
    if has("/sbin/chkconfig", errors) || has("/usr/sbin/chkconfig", errors) {
        return match unusual {
            Some(l) => format!("chkconfig --level {l} {name} on"),
            None => format!("chkconfig {name} on"),
        };
    }
    let level = runlevel.level.unwrap_or('3');
    format!("ln -s ../init.d/{name} /etc/rc{level}.d/S99{name}")
}

fn upstart_enablement(root: &Root, runlevel: &Runlevel, names: &[&str]) -> ServiceEnablement {
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
                    (
                        BootState::Disabled,
                        Some(format!(
                            "echo 'start on runlevel [2345]' >> {}",
                            show(&over)
                        )),
                    )
                }
            }
            upstart::StartDecision::Manual { file, line } => {
                let path = if file == 0 { &job } else { &over };
                evidence.push(format!(
                    "`manual` at {}:{line} cancels the job's start condition",
                    show(path)
                ));
                (
                    BootState::Disabled,
                    Some(format!(
                        "sed -i '/^[[:space:]]*manual[[:space:]]*$/d' {}",
                        show(path)
                    )),
                )
            }
            upstart::StartDecision::NoStartOn => {
                evidence.push("the job has no `start on` condition".into());
                (
                    BootState::Disabled,
                    Some(format!(
                        "echo 'start on runlevel [2345]' >> {}",
                        show(&over)
                    )),
                )
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
