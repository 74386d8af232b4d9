//! systemd: unit files in the search path, aliases, masks, sockets, and what the default target
//! pulls in.

use super::*;
use crate::facts::FactError;

/// A unit name looked up in the search path.
#[derive(Debug, Clone, Default)]
pub(super) struct Unit {
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

pub(super) fn find_unit(
    root: &Root,
    name: &str,
    errors: &mut Vec<FactError>,
) -> Option<(PathBuf, FileKind)> {
    UNIT_DIRS.iter().find_map(|d| {
        let p = join(d, name);
        kind_nofollow(root, &p, errors).map(|k| (p, k))
    })
}

pub(super) fn resolve_unit(root: &Root, name: &str, errors: &mut Vec<FactError>) -> Unit {
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
pub(super) fn builtin_target_deps(name: &str) -> &'static [&'static str] {
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

/// A dependency a target pulls in, with the evidence line for it. The line is shared by every
/// dependency a file names: made once per file, copied only for the first target to pull a
/// unit in (millions of edges otherwise cost a string each).
type Pull = (String, std::rc::Rc<str>);

/// The target the boot starts from: default.target's alias, or the fallback systemd takes
/// when there is no usable one (with how it was chosen).
fn start_target(root: &Root, errors: &mut Vec<FactError>) -> (Unit, String) {
    let def = resolve_unit(root, "default.target", errors);
    if def.exists() && def.masked.is_none() && def.name != "default.target" {
        let evidence = def.aliases.join(", ");
        return (def, evidence);
    }
    let fallback = if find_unit(root, "graphical.target", errors).is_some() {
        "graphical.target"
    } else {
        "multi-user.target"
    };
    let evidence = format!(
        "no usable default.target in {}; taking {fallback}",
        UNIT_DIRS.join(", ")
    );
    let mut u = resolve_unit(root, fallback, errors);
    u.names.push("default.target".into());
    (u, evidence)
}

/// The units linked into the target's .wants and .requires directories.
fn linked_pulls(root: &Root, target: &Unit, errors: &mut Vec<FactError>, pulls: &mut Vec<Pull>) {
    for n in &target.names {
        for d in UNIT_DIRS {
            for suffix in [".wants", ".requires"] {
                let dir = join(d, &format!("{n}{suffix}"));
                for entry in list_dir(root, &dir, errors) {
                    let via = show(&dir.join(&entry));
                    pulls.push((entry, via.into()));
                }
            }
        }
    }
}

/// The Wants= and Requires= of the target's unit file and its drop-ins.
fn file_pulls(
    root: &Root,
    target: &Unit,
    file: &Path,
    errors: &mut Vec<FactError>,
    pulls: &mut Vec<Pull>,
) {
    let mut files = vec![(
        file.to_path_buf(),
        target.content.clone().unwrap_or_default(),
    )];
    for n in &target.names {
        for d in UNIT_DIRS {
            let dropins = join(d, &format!("{n}.d"));
            for entry in list_dir(root, &dropins, errors) {
                if entry.ends_with(".conf") {
                    let p = dropins.join(&entry);
                    if let Some(t) = read_optional(root, &p, errors) {
                        files.push((p, systemd_unit::parse(&t)));
                    }
                }
            }
        }
    }
    for (path, u) in files {
        for key in ["Wants", "Requires"] {
            let via: std::rc::Rc<str> = format!("{key}= in {}", show(&path)).into();
            for dep in u.list("Unit", key) {
                pulls.push((dep, via.clone()));
            }
        }
    }
}

/// Everything one target pulls in: links, its unit file's dependencies, or systemd's own
/// dependencies for a target without a file.
fn target_pulls(root: &Root, target: &Unit, errors: &mut Vec<FactError>) -> Vec<Pull> {
    let mut pulls = Vec::new();
    linked_pulls(root, target, errors, &mut pulls);
    if let Some(file) = &target.file {
        file_pulls(root, target, file, errors, &mut pulls);
    } else {
        for dep in builtin_target_deps(&target.name) {
            pulls.push((
                dep.to_string(),
                format!(
                    "{} (systemd's own dependency; no unit file here)",
                    target.name
                )
                .into(),
            ));
        }
    }
    pulls
}

/// Walks from the default target through the targets it pulls in.
pub fn systemd_boot(root: &Root) -> SystemdBoot {
    let mut errors = Vec::new();
    let mut boot = SystemdBoot::default();
    let (start, evidence) = start_target(root, &mut errors);
    boot.default_evidence = evidence;
    boot.default_target = start.name.clone();
    let mut queue = VecDeque::new();
    // Target names already looked up: each unit file is read once however many targets pull
    // it in (1,500 targets wanting each other are 2.25 million edges).
    let mut asked: std::collections::HashSet<String> = start.names.iter().cloned().collect();
    boot.targets.insert(start.name.clone(), None);
    queue.push_back(start);
    while let Some(target) = queue.pop_front() {
        if target.masked.is_some() {
            continue;
        }
        for (unit, via) in target_pulls(root, &target, &mut errors) {
            if unit.ends_with(".target") && !asked.contains(&unit) {
                asked.insert(unit.clone());
                let t = resolve_unit(root, &unit, &mut errors);
                if !boot.targets.contains_key(&t.name) {
                    boot.targets
                        .insert(t.name.clone(), Some(target.name.clone()));
                    queue.push_back(t);
                }
            }
            boot.pulled
                .entry(unit)
                .or_insert_with(|| (target.name.clone(), via.to_string()));
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

pub(super) fn trim_suffix(unit: &str) -> &str {
    unit.strip_suffix(".service")
        .or_else(|| unit.strip_suffix(".socket"))
        .unwrap_or(unit)
}

pub(super) fn systemd_enablement(
    root: &Root,
    boot: &SystemdBoot,
    names: &[&str],
) -> ServiceEnablement {
    let mut t = Tally {
        root,
        boot,
        errors: Vec::new(),
        evidence: vec![format!(
            "default target: {}{}",
            boot.default_target,
            if boot.default_evidence.is_empty() {
                String::new()
            } else {
                format!(" ({})", boot.default_evidence)
            }
        )],
        enabled: None,
        masked: Vec::new(),
        usable: None,
        first_installed: None,
        seen: BTreeSet::new(),
    };
    for n in names {
        t.native(n);
    }
    for n in names {
        t.socket(n);
    }
    for n in names {
        t.sysv(n);
    }
    t.finish(names)
}

/// What the units of a service's names say, gathered name by name and kind by kind.
struct Tally<'a> {
    root: &'a Root,
    boot: &'a SystemdBoot,
    errors: Vec<FactError>,
    evidence: Vec<String>,
    enabled: Option<String>,
    // Masked service names, and the first service that is installed and not masked: a mask on
    // one name (`systemctl mask sshd` on Debian) does not mask a unit of another name.
    masked: Vec<String>,
    usable: Option<String>,
    first_installed: Option<String>,
    seen: BTreeSet<String>,
}

impl Tally<'_> {
    /// A native service unit `n.service`.
    fn native(&mut self, n: &str) {
        let (root, boot) = (self.root, self.boot);
        let u = resolve_unit(root, &format!("{n}.service"), &mut self.errors);
        if !u.exists() || !self.seen.insert(u.name.clone()) {
            return;
        }
        self.first_installed.get_or_insert_with(|| u.name.clone());
        let also = u
            .names
            .iter()
            .filter(|x| **x != u.name)
            .cloned()
            .collect::<Vec<_>>();
        match (&u.file, &u.masked) {
            (_, Some(m)) => {
                self.evidence.push(format!("{} is masked: {m}", u.name));
                self.masked.push(u.name.clone());
                return;
            }
            (Some(f), None) => {
                self.usable.get_or_insert_with(|| u.name.clone());
                self.evidence.push(format!(
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
                self.evidence.push(line);
                self.enabled.get_or_insert_with(|| u.name.clone());
            }
            None => {
                self.evidence.push(format!(
                    "{} is not pulled in by {} or the targets it reaches",
                    u.name, boot.default_target
                ));
                if let Some(other) = wanted_elsewhere(root, boot, &u.names, &mut self.errors) {
                    self.evidence.push(other);
                }
            }
        }
    }

    /// A socket `n.socket`: an enabled socket starts the service on the first connection.
    fn socket(&mut self, n: &str) {
        let (root, boot) = (self.root, self.boot);
        let s = resolve_unit(root, &format!("{n}.socket"), &mut self.errors);
        if !s.exists() || !self.seen.insert(s.name.clone()) {
            return;
        }
        self.first_installed.get_or_insert_with(|| s.name.clone());
        if let Some(m) = &s.masked {
            self.evidence.push(format!("{} is masked: {m}", s.name));
            return;
        }
        let Some(line) = boot.pulled_in(&s.names) else {
            self.evidence.push(format!("{} is not enabled", s.name));
            return;
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
        let t = resolve_unit(root, &triggered, &mut self.errors);
        if let Some(m) = &t.masked {
            self.evidence
                .push(format!("{line}, but the service it starts is masked: {m}"));
            return;
        }
        self.evidence
            .push(format!("{line}; a connection starts {triggered}"));
        self.enabled.get_or_insert_with(|| s.name.clone());
    }

    /// A SysV script `n` that systemd-sysv-generator turns into a service.
    fn sysv(&mut self, n: &str) {
        let (root, boot) = (self.root, self.boot);
        let service = format!("{n}.service");
        if find_unit(root, &service, &mut self.errors).is_some() {
            return; // a native unit of the same name wins over the script
        }
        let Some(script) = sysv_script(root, n, &mut self.errors) else {
            return;
        };
        if !self.seen.insert(service.clone()) {
            return;
        }
        self.first_installed.get_or_insert_with(|| service.clone());
        if !script.executable {
            self.evidence.push(format!(
                "{} is not executable: systemd does not run it",
                show(&script.path)
            ));
            return;
        }
        self.evidence.push(format!(
            "{}: SysV script without a native unit; systemd-sysv-generator makes {service} of it",
            show(&script.path)
        ));
        self.usable.get_or_insert_with(|| service.clone());
        let mut found = None;
        for (level, target) in [
            ('2', "multi-user.target"),
            ('3', "multi-user.target"),
            ('4', "multi-user.target"),
            ('5', "graphical.target"),
        ] {
            if let Some(link) = start_link(root, n, level, &mut self.errors) {
                if boot.targets.contains_key(target) {
                    found = Some(format!(
                        "{link}: the generator makes {target} want {service} ({})",
                        boot.chain(target)
                    ));
                    break;
                }
                self.evidence.push(format!(
                    "{link}: wanted by {target}, which {} does not reach",
                    boot.default_target
                ));
            }
        }
        match found {
            Some(line) => {
                self.evidence.push(line);
                self.enabled.get_or_insert_with(|| service.clone());
            }
            None => self
                .evidence
                .push(format!("no S link for {n} in rc2.d to rc5.d")),
        }
    }

    /// The answer: enabled, masked, disabled or not installed, with the command that enables it.
    fn finish(mut self, names: &[&str]) -> ServiceEnablement {
        let state = if self.enabled.is_some() {
            BootState::Enabled
        } else if self.usable.is_none() && !self.masked.is_empty() {
            BootState::Masked
        } else if self.first_installed.is_some() {
            BootState::Disabled
        } else {
            self.evidence.push(format!(
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
        let unmask: Vec<String> = self
            .masked
            .iter()
            .map(|m| format!("{} && ", systemd_unmask(trim_suffix(m))))
            .collect();
        let remediation = match state {
            BootState::Masked => Some(format!(
                "{}{}",
                unmask.concat(),
                EnableTool::Systemctl.enable(trim_suffix(&self.masked[0]), None)
            )),
            BootState::Disabled => self
                .usable
                .as_deref()
                .or(self.first_installed.as_deref())
                .map(|u| {
                    let short = if u.ends_with(".socket") {
                        u
                    } else {
                        trim_suffix(u)
                    };
                    format!(
                        "{}{}",
                        unmask.concat(),
                        EnableTool::Systemctl.enable(short, None)
                    )
                }),
            _ => None,
        };
        ServiceEnablement {
            init: InitSystem::Systemd,
            state,
            unit: self
                .enabled
                .or(self.usable)
                .or(self.masked.first().cloned())
                .or(self.first_installed),
            evidence: self.evidence,
            remediation,
            errors: self.errors,
        }
    }
}

/// An install link of the service in a target the boot does not reach (e.g. the default target
/// was set to rescue.target): worth saying, since `systemctl enable` will not help then.
pub(super) fn wanted_elsewhere(
    root: &Root,
    boot: &SystemdBoot,
    names: &[String],
    errors: &mut Vec<FactError>,
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
