//! The TCP ports sshd listens on, from its configuration: `/etc/ssh/sshd_config` (or
//! `/usr/etc/ssh/sshd_config` on systems that ship it there) with its `Include` files expanded,
//! `Port` lines outside `Match` blocks, and ports given in `ListenAddress`. Port 22 when
//! nothing says otherwise, as sshd does.

use crate::facts::FactError;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::parse::sshd_config::{self, Directive};
use crate::root::Root;

/// Where sshd's configuration is read from: an image or this machine (`Root`), or a map of
/// path to text (unit tests and the fuzz target).
pub trait ConfigSource {
    fn exists(&self, path: &Path) -> bool;
    fn read_text(&self, path: &Path) -> Result<String, FactError>;
    /// The UTF-8 names in a directory; a missing directory has none.
    fn names(&self, dir: &Path) -> Result<Vec<String>, FactError>;
}

impl ConfigSource for Root {
    fn exists(&self, path: &Path) -> bool {
        Root::exists(self, path)
    }
    fn read_text(&self, path: &Path) -> Result<String, FactError> {
        Ok(Root::read_text(self, path)?)
    }
    fn names(&self, dir: &Path) -> Result<Vec<String>, FactError> {
        let entries = self.read_dir_optional(dir)?;
        Ok(entries
            .into_iter()
            .filter_map(|e| e.name.into_string().ok())
            .collect())
    }
}

impl ConfigSource for BTreeMap<String, String> {
    fn exists(&self, path: &Path) -> bool {
        path.to_str().is_some_and(|p| self.contains_key(p))
    }
    fn read_text(&self, path: &Path) -> Result<String, FactError> {
        path.to_str()
            .and_then(|p| self.get(p))
            .cloned()
            .ok_or_else(|| FactError {
                kind: crate::facts::FactErrorKind::NotFound,
                path: Some(path.to_path_buf()),
                reason: "no such file".into(),
            })
    }
    fn names(&self, dir: &Path) -> Result<Vec<String>, FactError> {
        Ok(self
            .keys()
            .filter_map(|k| Path::new(k).strip_prefix(dir).ok())
            .filter_map(|rest| rest.to_str())
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect())
    }
}

/// sshd's default port.
pub const DEFAULT_PORT: u16 = 22;
const MAX_INCLUDE_DEPTH: usize = 16;
/// The most ports sshd listens on (OpenSSH's MAX_PORTS); each is evaluated against the
/// firewall, so a configuration of 65,535 Port lines must not mean 65,535 evaluations.
const MAX_PORTS: usize = 256;
/// The most files one configuration may bring in. sshd reads every path of an Include graph,
/// so files that include their own directory multiply (10 such files, 16 deep: 10^16 reads);
/// real configurations read a handful.
const MAX_FILES: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshdPorts {
    /// The ports, sorted and unique; never empty.
    pub ports: Vec<u16>,
    /// The main configuration file, when one was found.
    pub config: Option<String>,
    /// Every file read, in the order first read.
    pub files: Vec<String>,
    /// How the ports were decided, and anything sshd would complain about.
    pub notes: Vec<String>,
    /// Files that exist but could not be read.
    pub errors: Vec<FactError>,
    /// Lines sshd refuses, with the file, line and sshd's reason: sshd then does not start.
    pub refused: Vec<String>,
}

/// sshd resolves every ListenAddress in the AddressFamily in force: an IPv4 address under
/// `inet6` (or IPv6 under `inet`) cannot be resolved, and sshd does not start.
fn family_conflicts(family: Option<&str>, listen: &[(String, Option<u16>)], out: &mut SshdPorts) {
    for (addr, _) in listen {
        let conflict = match (family, addr.parse::<std::net::IpAddr>()) {
            (Some("inet6"), Ok(a)) => a.is_ipv4(),
            (Some("inet"), Ok(a)) => a.is_ipv6(),
            _ => false,
        };
        if conflict {
            out.refused.push(format!(
                "ListenAddress {addr}: bad addr or host (Address family for hostname not supported: AddressFamily {})",
                family.unwrap_or("")
            ));
        }
    }
}

pub fn gather(root: &Root) -> SshdPorts {
    from_source(root)
}

/// The ports from the configuration `src` holds.
pub fn from_source(src: &dyn ConfigSource) -> SshdPorts {
    let mut out = SshdPorts::default();
    let main = ["/etc/ssh/sshd_config", "/usr/etc/ssh/sshd_config"]
        .into_iter()
        .find(|p| src.exists(Path::new(p)));
    let mut ports = Vec::new();
    let mut listen: Vec<(String, Option<u16>)> = Vec::new();
    match main {
        None => out
            .notes
            .push("no sshd_config found (/etc/ssh, /usr/etc/ssh): sshd's default port 22".into()),
        Some(path) => {
            out.config = Some(path.to_string());
            let mut walk = Walk {
                src,
                out: &mut out,
                ports: &mut ports,
                listen: &mut listen,
                files_left: MAX_FILES,
                said_too_deep: false,
                services: None,
                subsystems: Vec::new(),
                family: None,
            };
            walk.read_file(Path::new(path), false, 0);
            let family = walk.family.take();
            family_conflicts(family.as_deref(), &listen, &mut out);
        }
    }
    let mut result: Vec<u16> = Vec::new();
    let base_ports = if ports.is_empty() {
        vec![DEFAULT_PORT]
    } else {
        ports.clone()
    };
    if listen.is_empty() {
        result.extend(&base_ports);
    } else {
        for (addr, p) in &listen {
            match p {
                Some(p) => result.push(*p),
                None => result.extend(&base_ports),
            }
            if p.is_some() {
                out.notes.push(format!(
                    "ListenAddress {addr} sets its own port {}",
                    p.unwrap_or(0)
                ));
            }
        }
    }
    result.sort_unstable();
    result.dedup();
    if result.len() > MAX_PORTS {
        out.errors.push(FactError::other(format!(
            "{} ports configured: sshd refuses to start with more than {MAX_PORTS}; the first {MAX_PORTS} are checked",
            result.len()
        )));
        result.truncate(MAX_PORTS);
    }
    if ports.is_empty() && main.is_some() {
        out.notes
            .push("no Port line: sshd's default port 22".into());
    }
    out.ports = result;
    out
}

/// One walk through the main file and its includes.
struct Walk<'a> {
    src: &'a dyn ConfigSource,
    out: &'a mut SshdPorts,
    ports: &'a mut Vec<u16>,
    listen: &'a mut Vec<(String, Option<u16>)>,
    files_left: usize,
    /// The depth limit is said once, for the first path that crossed it.
    said_too_deep: bool,
    /// /etc/services, once a Port names a service.
    services: Option<String>,
    /// Subsystem names defined so far: sshd refuses a second definition of one.
    subsystems: Vec<String>,
    /// The first AddressFamily (sshd keeps the first value it reads).
    family: Option<String>,
}

impl Walk<'_> {
    fn read_file(&mut self, path: &Path, in_match: bool, depth: usize) {
        let shown =
            crate::text::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()));
        let Some(text) = self.open(path, depth) else {
            return;
        };
        if !self.out.files.contains(&shown) {
            self.out.files.push(shown.clone());
        }
        for l in sshd_config::parse(&text) {
            let matched = in_match || l.in_match;
            if matched && self.refuse_in_match(&shown, l.line, &l.directive) {
                continue;
            }
            self.apply(&shown, l.line, l.directive, matched, depth);
        }
    }

    /// The text of one more file, unless the depth or file limit (sshd's own) stops the walk
    /// or it cannot be read.
    fn open(&mut self, path: &Path, depth: usize) -> Option<String> {
        if depth > MAX_INCLUDE_DEPTH {
            if !self.said_too_deep {
                self.said_too_deep = true;
                self.error(FactError::at(
                    path,
                    format!(
                        "Include nested more than {MAX_INCLUDE_DEPTH} deep (sshd refuses to start)"
                    ),
                ));
            }
            return None;
        }
        if self.files_left == 0 {
            self.error(FactError::other(format!(
                "Include brings in more than {MAX_FILES} files; the rest were not read"
            )));
            return None;
        }
        self.files_left -= 1;
        match self.src.read_text(path) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(e);
                None
            }
        }
    }

    /// A directive sshd does not allow inside a Match block is refused (and not counted);
    /// `false` for those it allows there.
    fn refuse_in_match(&mut self, shown: &str, line: usize, d: &Directive) -> bool {
        let what = match d {
            Directive::Port(p) => {
                self.out.notes.push(format!(
                    "{shown} line {line}: Port {p} inside a Match block is not allowed there (sshd refuses it) and is not counted"
                ));
                "'Port'".to_string()
            }
            Directive::PortName(name) => format!("'Port' ({name})"),
            Directive::ListenAddress { address, .. } => format!("'ListenAddress' ({address})"),
            Directive::GlobalOnly(k) => format!("'{k}'"),
            Directive::AddressFamily(_) => "'AddressFamily'".to_string(),
            Directive::Subsystem(name) => format!("'Subsystem' ({name})"),
            Directive::Invalid(_) | Directive::Include(_) => return false,
        };
        self.refused(format!(
            "{shown} line {line}: Directive {what} is not allowed within a Match block"
        ));
        true
    }

    /// What one directive adds: ports, listen addresses, the address family, subsystems,
    /// refusals, included files.
    fn apply(&mut self, shown: &str, line: usize, d: Directive, matched: bool, depth: usize) {
        match d {
            Directive::Port(p) => self.ports.push(p),
            Directive::PortName(name) => match self.service(&name) {
                Some(p) => {
                    self.out.notes.push(format!(
                        "{shown} line {line}: Port {name} is {p}/tcp in /etc/services"
                    ));
                    self.ports.push(p);
                }
                None => self.refused(format!(
                    "{shown} line {line}: Badly formatted port number: Port {name} (no such tcp service in /etc/services)"
                )),
            },
            Directive::ListenAddress { address, port } => self.listen.push((address, port)),
            Directive::GlobalOnly(_) => {}
            Directive::AddressFamily(f) => {
                self.family.get_or_insert(f);
            }
            Directive::Subsystem(name) if self.subsystems.contains(&name) => self.refused(
                format!("{shown} line {line}: Subsystem '{name}' already defined."),
            ),
            Directive::Subsystem(name) => self.subsystems.push(name),
            Directive::Invalid(m) => {
                self.out.notes.push(format!("{shown}: {m}"));
                self.refused(format!("{shown} {m}"));
            }
            Directive::Include(patterns) => {
                for pat in patterns {
                    for f in expand(self.src, &pat, self.out) {
                        self.read_file(&f, matched, depth + 1);
                    }
                }
            }
        }
    }

    /// Records a refusal once (an included file read twice would repeat it).
    fn refused(&mut self, e: String) {
        if !self.out.refused.contains(&e) && self.out.refused.len() < MAX_FILES {
            self.out.refused.push(e);
        }
    }

    /// The tcp port of a service name in the image's /etc/services (read once).
    fn service(&mut self, name: &str) -> Option<u16> {
        if self.services.is_none() {
            self.services = Some(
                self.src
                    .read_text(Path::new("/etc/services"))
                    .unwrap_or_default(),
            );
        }
        sshd_config::service_port(self.services.as_deref().unwrap_or(""), name)
    }

    /// Records an error once (a cycle or a fan-out would repeat it thousands of times).
    fn error(&mut self, e: FactError) {
        if !self.out.errors.contains(&e) {
            self.out.errors.push(e);
        }
    }
}

/// The files an Include pattern names, sorted as glob(3) returns them. Relative patterns are
/// relative to /etc/ssh; wildcards are expanded in the last component.
fn expand(src: &dyn ConfigSource, pattern: &str, out: &mut SshdPorts) -> Vec<PathBuf> {
    let full = if pattern.starts_with('/') {
        PathBuf::from(pattern)
    } else {
        Path::new("/etc/ssh").join(pattern)
    };
    let name = full
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    let dir = full.parent().unwrap_or(Path::new("/")).to_path_buf();
    if !name.contains(['*', '?', '[']) {
        return if src.exists(&full) {
            vec![full]
        } else {
            Vec::new()
        };
    }
    match src.names(&dir) {
        Ok(mut names) => {
            names.sort();
            names
                .into_iter()
                .filter(|n| crate::parse::glob::component_matches(&name, n.as_bytes()))
                .map(|n| dir.join(n))
                .collect()
        }
        Err(e) => {
            out.errors.push(e);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::image as tree;

    /// Without Port lines the port is 22; without a config too, with a note saying so.
    #[test]
    fn defaults() {
        let (_d, r) = tree(&[("/etc/ssh/sshd_config", "PermitRootLogin no\n")]);
        assert_eq!(gather(&r).ports, vec![22]);
        let (_d, r) = tree(&[("/etc/hosts", "")]);
        let p = gather(&r);
        assert_eq!(p.ports, vec![22]);
        assert!(p.config.is_none());
    }

    /// Include globs (relative to /etc/ssh, sorted), Match blocks ignored, ListenAddress ports.
    #[test]
    fn includes_match_and_listen() {
        let (_d, r) = tree(&[
            (
                "/etc/ssh/sshd_config",
                "Include sshd_config.d/*.conf\nPort 22\nMatch User x\n Port 2022\n",
            ),
            ("/etc/ssh/sshd_config.d/10-a.conf", "Port 2200\n"),
            ("/etc/ssh/sshd_config.d/20-b.conf.disabled", "Port 9999\n"),
            (
                "/etc/ssh/sshd_config.d/30-c.conf",
                "ListenAddress 10.0.0.1:2300\nListenAddress 0.0.0.0\n",
            ),
        ]);
        let p = gather(&r);
        assert_eq!(p.ports, vec![22, 2200, 2300]);
        assert_eq!(p.files.len(), 3);
        assert!(p.notes.iter().any(|n| n.contains("2022")));
    }

    /// An Include inside a Match block is conditional: its Port lines do not count.
    #[test]
    fn include_inside_match() {
        let (_d, r) = tree(&[
            (
                "/etc/ssh/sshd_config",
                "Port 2222\nMatch Address 10.0.0.0/8\n Include /etc/ssh/m.conf\n",
            ),
            ("/etc/ssh/m.conf", "Port 3333\n"),
        ]);
        assert_eq!(gather(&r).ports, vec![2222]);
    }

    /// An Include graph that fans out stops at the file budget, said once; files that include
    /// their own directory or themselves also stop at the depth limit, said once.
    #[test]
    fn include_fan_out_and_cycles() {
        let mut files = vec![(
            "/etc/ssh/sshd_config".to_string(),
            "Include a/*\n".to_string(),
        )];
        for i in 0..10 {
            files.push((format!("/etc/ssh/a/{i}"), "Include b/*\n".into()));
            files.push((format!("/etc/ssh/b/{i}"), "Include c/*\n".into()));
            files.push((format!("/etc/ssh/c/{i}"), "Port 2222\n".into()));
        }
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (_d, r) = tree(&files);
        let p = gather(&r);
        // 256 reads: the main file, a/0 and a/1 whole (111 each), then the first 33 of a/2;
        // 24 distinct files (a/3 and later never read).
        assert_eq!(p.files.len(), 24);
        assert_eq!(p.ports, vec![2222]);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(
            p.errors[0].to_string().contains("more than 256 files"),
            "{:?}",
            p.errors
        );

        let mut files = vec![("/etc/ssh/sshd_config", "Include sshd_config.d/*\n")];
        let names: Vec<String> = (0..10)
            .map(|i| format!("/etc/ssh/sshd_config.d/{i}"))
            .collect();
        for n in &names {
            files.push((n, "Include sshd_config.d/*\nPort 2222\n"));
        }
        let (_d, r) = tree(&files);
        let p = gather(&r);
        assert_eq!(p.files.len(), 11);
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert!(
            p.errors[0].to_string().contains("nested more than 16 deep"),
            "{:?}",
            p.errors
        );

        let (_d, r) = tree(&[(
            "/etc/ssh/sshd_config",
            "Port 2200\nInclude /etc/ssh/sshd_config\n",
        )]);
        let p = gather(&r);
        assert_eq!(p.files, vec!["/etc/ssh/sshd_config"]);
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert!(
            p.errors[0].to_string().contains("nested more than 16 deep"),
            "{:?}",
            p.errors
        );
    }

    /// The in-memory source (the fuzz target's) reads Include globs as an image does.
    #[test]
    fn memory_source_matches_an_image() {
        let files = [
            (
                "/etc/ssh/sshd_config",
                "Include sshd_config.d/*.conf\nPort 22\n",
            ),
            (
                "/etc/ssh/sshd_config.d/20-b.conf",
                "Port 2200\nInclude /etc/ssh/x\n",
            ),
            (
                "/etc/ssh/sshd_config.d/10-a.conf",
                "ListenAddress 10.0.0.1:2300\n",
            ),
            ("/etc/ssh/sshd_config.d/sub/30.conf", "Port 9999\n"),
            ("/etc/ssh/x", "Port 2400\n"),
        ];
        let (_d, r) = tree(&files);
        let memory: BTreeMap<String, String> = files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let (a, b) = (gather(&r), from_source(&memory));
        assert_eq!(a, b);
        assert_eq!(a.ports, vec![2300]);
        assert_eq!(a.files[1], "/etc/ssh/sshd_config.d/10-a.conf");
    }

    /// More ports than sshd accepts: said as an error, and only the first 256 are kept.
    #[test]
    fn more_ports_than_sshd_accepts() {
        let config: String = (1..=1000).map(|p| format!("Port {p}\n")).collect();
        let (_d, r) = tree(&[("/etc/ssh/sshd_config", &config)]);
        let p = gather(&r);
        assert_eq!(p.ports.len(), MAX_PORTS);
        assert_eq!(p.ports[0], 1);
        assert!(
            p.errors[0].to_string().contains("1000 ports configured"),
            "{:?}",
            p.errors
        );
    }
}
