//! The NetworkManager keyfile profiles an image's NetworkManager would load, by its keyfile
//! plugin's loading rules (NetworkManager's src/core/settings/plugins/keyfile, read through
//! the search tool; the profile rules themselves are parse/nm_keyfile.rs):
//! - three directories, by priority: /run/NetworkManager/system-connections, then
//!   /etc/NetworkManager/system-connections, then /usr/lib/NetworkManager/system-connections;
//! - the names of parse/nm_keyfile.rs `is_profile_file` (any name in /etc, `*.nmconnection`
//!   elsewhere);
//! - a file must be a regular file (a link to one counts) owned by root, with no permission
//!   for group or others (mode 0600 or less): NetworkManager ignores any other;
//! - profiles are one profile when their `uuid` is the same (a file without one gets a uuid
//!   made from its name under /etc, so the same name in two directories is the same profile):
//!   the one in the directory of highest priority wins, then the newer file, then the name
//!   that sorts last.
//! - a tombstone (facts/nm_meta.rs: `UUID.nmmeta` linked to /dev/null in /run or /etc) hides
//!   the profiles of that UUID in its own directory and those of lower priority (its storage
//!   order puts such a marker before a keyfile of the same directory).

use std::path::Path;

use super::nm_meta;
use crate::parse::gkeyfile::KeyFile;
use crate::parse::nm_keyfile::{self, Profile};
use crate::root::{FileKind, Root};

/// Keyfile directories, by priority (highest first), and whether names need `.nmconnection`.
pub const DIRS: [(&str, bool); 3] = [
    ("/run/NetworkManager/system-connections", false),
    ("/etc/NetworkManager/system-connections", true),
    ("/usr/lib/NetworkManager/system-connections", false),
];

/// A profile NetworkManager loads, with its file and text (for readers of other keys).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: String,
    pub text: String,
    /// The file as GKeyFile reads it, for the keys [`Profile`] does not carry.
    pub keys: KeyFile,
    pub profile: Profile,
}

/// What the keyfile directories hold.
#[derive(Debug, Clone, Default)]
pub struct NmProfiles {
    pub loaded: Vec<Loaded>,
    /// Files NetworkManager ignores or refuses, as `path: why`.
    pub problems: Vec<String>,
    /// Profiles a tombstone hides (the user deleted them), as `path: hidden by TOMBSTONE`.
    pub hidden: Vec<String>,
    /// Files or directories that could not be read.
    pub errors: Vec<crate::facts::FactError>,
}

/// One candidate: its priority (directory index, newer first, name last), identity and data.
struct Candidate {
    dir: usize,
    mtime_ns: i128,
    name: String,
    key: String,
    loaded: Loaded,
}

/// Why NetworkManager ignores a file of this kind, owner and mode, if it does.
fn ignored_because(kind: FileKind, uid: u32, mode: u32) -> Option<String> {
    if kind != FileKind::File {
        return Some("it is not a regular file".into());
    }
    if uid != 0 {
        return Some(format!("it is owned by uid {uid}, not root"));
    }
    if mode & 0o077 != 0 {
        return Some(format!(
            "its mode {mode:04o} lets group or others at it (NetworkManager wants 0600)"
        ));
    }
    None
}

/// Reads one file of a keyfile directory into a candidate, or says why it is not one.
fn candidate(root: &Root, dir: usize, name: &str, out: &mut NmProfiles) -> Option<Candidate> {
    let path = format!("{}/{name}", DIRS[dir].0);
    let st = match root.stat(Path::new(&path)) {
        Ok(Some(st)) => st,
        Ok(None) => return None,
        Err(e) => {
            out.errors.push(e.into());
            return None;
        }
    };
    if let Some(why) = ignored_because(st.kind, st.uid, st.mode) {
        out.problems.push(format!(
            "{path}: NetworkManager ignores this profile: {why}"
        ));
        return None;
    }
    let text = match root.read_text(Path::new(&path)) {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(e.into());
            return None;
        }
    };
    let stem = name.strip_suffix(".nmconnection").unwrap_or(name);
    match nm_keyfile::load(stem, &text).and_then(|p| {
        // load() read it with GKeyFile already: this cannot fail where load() succeeded.
        KeyFile::parse(&text)
            .map(|k| (p, k))
            .map_err(|e| e.to_string())
    }) {
        Ok((profile, keys)) => Some(Candidate {
            dir,
            mtime_ns: st.mtime_ns,
            name: name.to_string(),
            key: match &profile.uuid {
                Some(u) => u.to_ascii_lowercase(),
                None => format!("{}/{name}", DIRS[1].0),
            },
            loaded: Loaded {
                path,
                text,
                keys,
                profile,
            },
        }),
        Err(e) => {
            out.problems.push(format!(
                "{path}: {e}: NetworkManager does not load this profile"
            ));
            None
        }
    }
}

/// The tombstones among the names of directory `dir`, as (dir, uuid, path).
fn tombstones(
    root: &Root,
    dir: usize,
    names: &[String],
    out: &mut NmProfiles,
) -> Vec<(usize, String, String)> {
    let path = DIRS[dir].0;
    let mut found = Vec::new();
    for name in names.iter().filter(|n| nm_meta::uuid_of(n).is_some()) {
        match nm_meta::tombstone(root, path, name) {
            Ok(Some(uuid)) => found.push((dir, uuid, format!("{path}/{name}"))),
            Ok(None) => {}
            Err(e) => out.errors.push(e.into()),
        }
    }
    found
}

/// The profiles, computed when first asked for: the readers of profiles (adapters, routes,
/// bonds, firewalld zones) take this so that [`crate::facts::Facts`] reads them once for all.
pub type Shared<'a> = &'a dyn Fn() -> &'a NmProfiles;

/// Runs `f` with profiles of `root` gathered at most once, for a reader called on its own.
pub fn with_own<T>(root: &Root, f: impl FnOnce(Shared<'_>) -> T) -> T {
    let cell = std::cell::OnceCell::new();
    f(&|| cell.get_or_init(|| gather(root)))
}

/// The profiles NetworkManager would load from the image's keyfile directories.
pub fn gather(root: &Root) -> NmProfiles {
    let mut out = NmProfiles::default();
    let mut found: Vec<Candidate> = Vec::new();
    let mut tombs: Vec<(usize, String, String)> = Vec::new();
    for (dir, (path, in_etc)) in DIRS.iter().enumerate() {
        let entries = match root.read_dir_optional(Path::new(path)) {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(e.into());
                continue;
            }
        };
        let mut names: Vec<String> = entries
            .into_iter()
            .filter_map(|e| e.name.into_string().ok())
            .collect();
        names.sort();
        // NetworkManager reads tombstones only where it writes them: /run and /etc.
        if dir < 2 {
            tombs.extend(tombstones(root, dir, &names, &mut out));
        }
        names.retain(|n| nm_keyfile::is_profile_file(n, *in_etc));
        found.extend(
            names
                .iter()
                .filter_map(|n| candidate(root, dir, n, &mut out)),
        );
    }
    // Best first: higher-priority directory, then the newer file, then the later name.
    found.sort_by(|a, b| {
        a.dir
            .cmp(&b.dir)
            .then(b.mtime_ns.cmp(&a.mtime_ns))
            .then(b.name.cmp(&a.name))
    });
    let mut seen = std::collections::HashSet::new();
    for c in found {
        let tomb = tombs.iter().find(|(d, u, _)| *d <= c.dir && *u == c.key);
        if let Some((_, _, tomb)) = tomb {
            out.hidden
                .push(format!("{}: hidden by tombstone {tomb}", c.loaded.path));
            continue;
        }
        if seen.insert(c.key.clone()) {
            out.loaded.push(c.loaded);
        }
    }
    out.loaded.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::image as image_root;
    use std::os::unix::fs::PermissionsExt;

    const ETH: &str = "[connection]\ntype=ethernet\ninterface-name=eth0\n";

    fn chmod(base: &Path, p: &str, mode: u32) {
        let f = base.join(p.trim_start_matches('/'));
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Names, modes and the three directories: a 0644 profile is ignored and said so, `.conf`
    /// loads from /etc only, /usr/lib needs `.nmconnection`, a profile NetworkManager refuses
    /// is reported.
    #[test]
    fn names_modes_and_directories() {
        let files = [
            "/etc/NetworkManager/system-connections/a.nmconnection",
            "/etc/NetworkManager/system-connections/b.conf",
            "/etc/NetworkManager/system-connections/open.nmconnection",
            "/etc/NetworkManager/system-connections/bad.nmconnection",
            "/usr/lib/NetworkManager/system-connections/c.conf",
            "/usr/lib/NetworkManager/system-connections/d.nmconnection",
        ];
        let texts: Vec<(&str, String)> = files
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = if p.contains("bad") {
                    "[connection]\ntype=ethernet\n[ipv4]\nmethod=static\n".to_string()
                } else {
                    format!("{ETH}uuid=00000000-0000-0000-0000-00000000000{i}\n")
                };
                (*p, t)
            })
            .collect();
        let refs: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let (d, root) = image_root(&refs);
        for p in files {
            chmod(d.path(), p, if p.contains("open") { 0o644 } else { 0o600 });
        }
        let got = gather(&root);
        let paths: Vec<&str> = got.loaded.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "/etc/NetworkManager/system-connections/a.nmconnection",
                "/etc/NetworkManager/system-connections/b.conf",
                "/usr/lib/NetworkManager/system-connections/d.nmconnection"
            ]
        );
        let p = got.problems.join("\n");
        assert_eq!(got.problems.len(), 2, "{p}");
        assert!(
            p.contains("open.nmconnection: NetworkManager ignores this profile: its mode 0644"),
            "{p}"
        );
        assert!(
            p.contains("bad.nmconnection: line 4: ipv4 method 'static'"),
            "{p}"
        );
    }

    /// The same uuid in /run, /etc and /usr/lib: /run wins; a file without uuid in /run
    /// shadows the same name in /etc; in one directory the newer file wins.
    #[test]
    fn shadowing() {
        let u = "uuid=11111111-2222-3333-4444-555555555555\n";
        let run = "/run/NetworkManager/system-connections";
        let etc = "/etc/NetworkManager/system-connections";
        let lib = "/usr/lib/NetworkManager/system-connections";
        let t = |addr: &str, uuid: &str| {
            format!("{ETH}{uuid}[ipv4]\nmethod=manual\naddress1={addr}/24\n")
        };
        let files = [
            (format!("{run}/x.nmconnection"), t("198.51.100.1", u)),
            (format!("{etc}/y.nmconnection"), t("198.51.100.2", u)),
            (format!("{lib}/z.nmconnection"), t("198.51.100.3", u)),
            (format!("{run}/n.nmconnection"), t("203.0.113.1", "")),
            (format!("{etc}/n.nmconnection"), t("203.0.113.2", "")),
            (
                format!("{etc}/old"),
                t("192.0.2.1", "uuid=99999999-2222-3333-4444-555555555555\n"),
            ),
            (
                format!("{etc}/new"),
                t("192.0.2.2", "uuid=99999999-2222-3333-4444-555555555555\n"),
            ),
        ];
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (d, root) = image_root(&refs);
        for (p, _) in &files {
            chmod(d.path(), p, 0o600);
        }
        let old = d.path().join(format!("{etc}/old").trim_start_matches('/'));
        let f = std::fs::File::options().write(true).open(old).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
        let got = gather(&root);
        let mut addrs: Vec<String> = got
            .loaded
            .iter()
            .map(|l| format!("{} {}", l.path, l.profile.config.addresses[0].addr))
            .collect();
        addrs.sort();
        assert_eq!(
            addrs,
            vec![
                format!("{etc}/new 192.0.2.2"),
                format!("{run}/n.nmconnection 203.0.113.1"),
                format!("{run}/x.nmconnection 198.51.100.1"),
            ]
        );
    }

    /// Tombstones: one in /etc hides the /usr/lib and /etc profiles of its uuid but not the /run
    /// one; one in /run hides /etc's; a regular `[nmmeta]` file with loaded-path /dev/null is one too; a
    /// link to a keyfile, a link not owned by root and a 0644 `[nmmeta]` file hide nothing.
    #[test]
    fn tombstones_hide_lower_priority() {
        let run = "/run/NetworkManager/system-connections";
        let etc = "/etc/NetworkManager/system-connections";
        let lib = "/usr/lib/NetworkManager/system-connections";
        let uuid = |n: u32| format!("{n:08}-0000-0000-0000-000000000000");
        let t = |n: u32| format!("{ETH}uuid={}\n", uuid(n));
        let meta = |n: u32| format!("[nmmeta]\nuuid={}\nloaded-path=/dev/null\n", uuid(n));
        let files = [
            (format!("{lib}/a.nmconnection"), t(1)),
            (format!("{etc}/a.nmconnection"), t(1)),
            (format!("{run}/a.nmconnection"), t(1)),
            (format!("{etc}/b.nmconnection"), t(2)),
            (format!("{lib}/c.nmconnection"), t(3)),
            (format!("{lib}/d.nmconnection"), t(4)),
            (format!("{lib}/e.nmconnection"), t(5)),
            (format!("{lib}/f.nmconnection"), t(6)),
            (format!("{etc}/{}.nmmeta", uuid(3)), meta(3)),
            (format!("{etc}/{}.nmmeta", uuid(6)), meta(6)),
        ];
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (d, root) = image_root(&refs);
        for (p, _) in &files {
            chmod(d.path(), p, 0o600);
        }
        chmod(d.path(), &format!("{etc}/{}.nmmeta", uuid(6)), 0o644);
        let at = |dir: &str, n: u32| d.path().join(&dir[1..]).join(format!("{}.nmmeta", uuid(n)));
        let link = |target: &str, dir: &str, n: u32| {
            std::os::unix::fs::symlink(target, at(dir, n)).unwrap();
        };
        link("/dev/null", etc, 1);
        link("/dev/null", run, 2);
        link(&format!("{lib}/d.nmconnection"), etc, 4);
        link("/dev/null", etc, 5);
        std::os::unix::fs::lchown(at(etc, 5), Some(1000), None).unwrap();
        let got = gather(&root);
        let paths: Vec<&str> = got.loaded.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                format!("{run}/a.nmconnection"),
                format!("{lib}/d.nmconnection"),
                format!("{lib}/e.nmconnection"),
                format!("{lib}/f.nmconnection"),
            ]
        );
        let mut hidden = got.hidden.clone();
        hidden.sort();
        assert_eq!(
            hidden,
            vec![
                format!(
                    "{etc}/a.nmconnection: hidden by tombstone {etc}/{}.nmmeta",
                    uuid(1)
                ),
                format!(
                    "{etc}/b.nmconnection: hidden by tombstone {run}/{}.nmmeta",
                    uuid(2)
                ),
                format!(
                    "{lib}/a.nmconnection: hidden by tombstone {etc}/{}.nmmeta",
                    uuid(1)
                ),
                format!(
                    "{lib}/c.nmconnection: hidden by tombstone {etc}/{}.nmmeta",
                    uuid(3)
                ),
            ]
        );
        assert!(got.problems.is_empty() && got.errors.is_empty(), "{got:?}");
    }
}
