//! Which distribution and version the target runs, from every release file real guests have.
//!
//! Order of trust: `oracle-release` (Oracle Linux's `redhat-release` claims to be RHEL), then
//! `centos-release`, then `redhat-release` (these carry the minor that CentOS 7's os-release
//! lacks), then os-release (`/etc`, falling back to `/usr/lib`), SUSE's `SuSE-release` (SLES 11
//! has no os-release), `lsb-release`, `debian_version`, and Amazon's `system-release`. What no
//! file says stays unknown.

use std::path::Path;

use crate::parse::release_files::{parse_release_line, parse_suse_release};
use crate::parse::shell_vars;
use crate::parse::version::major_minor;
use crate::root::Root;

/// The distribution as the report shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsFacts {
    /// os-release `ID` value (`rhel`, `centos`, `ol`, `sles`, `ubuntu`, `debian`, ...).
    pub id: Option<String>,
    /// `MAJOR.MINOR` where the distribution has minors.
    pub version: Option<String>,
    /// A human name, e.g. `CentOS release 6.5 (Final)`.
    pub name: Option<String>,
    /// The file that decided, e.g. `/etc/oracle-release`.
    pub source: Option<String>,
    /// os-release `ID_LIKE` words (the families a derivative says it resembles), in order.
    pub id_like: Vec<String>,
    /// Files that exist but could not be read.
    pub errors: Vec<String>,
}

/// Names in redhat-release style lines, mapped to os-release IDs.
const RH_NAMES: &[(&str, &str)] = &[
    ("Red Hat Enterprise Linux", "rhel"),
    ("CentOS Stream", "centos"),
    ("CentOS", "centos"),
    ("Oracle Linux", "ol"),
    ("Enterprise Linux Enterprise Linux", "ol"),
    ("Scientific Linux", "scientific"),
    ("Rocky Linux", "rocky"),
    ("AlmaLinux", "almalinux"),
    ("CloudLinux", "cloudlinux"),
    ("Fedora", "fedora"),
    ("Amazon Linux", "amzn"),
    ("XenServer", "xenserver"),
];

fn id_from_release_name(name: &str) -> Option<&'static str> {
    RH_NAMES
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, id)| *id)
}

/// os-release IDs that other tools spell differently.
fn normalize_id(id: &str) -> String {
    match id.to_ascii_lowercase().as_str() {
        "redhat" | "redhatenterpriseserver" | "redhatenterpriseworkstation" => "rhel".into(),
        "oracle" | "oraclelinux" | "oracleserver" | "enterpriseenterpriseserver" => "ol".into(),
        "suse" | "sles_sap" => "sles".into(),
        other => other.to_string(),
    }
}

struct Reader<'a> {
    root: &'a Root,
    errors: Vec<String>,
}

impl Reader<'_> {
    fn read(&mut self, path: &str) -> Option<String> {
        match self.root.read_optional(Path::new(path)) {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(e.to_string());
                None
            }
        }
    }
}

/// Gathers the distribution facts of `root`.
pub fn gather(root: &Root) -> OsFacts {
    let mut r = Reader {
        root,
        errors: Vec::new(),
    };
    let mut facts = detect(&mut r);
    facts.errors = r.errors;
    facts
}

fn detect(r: &mut Reader<'_>) -> OsFacts {
    for (path, forced_id) in [
        ("/etc/oracle-release", Some("ol")),
        ("/etc/centos-release", Some("centos")),
        ("/etc/redhat-release", None),
    ] {
        let Some(text) = r.read(path) else { continue };
        let Some(line) = parse_release_line(&text) else {
            continue;
        };
        // The name in the line decides; the file name only when the line is unknown to us
        // (Rocky Linux 8 ships a centos-release that says "Rocky Linux").
        let id = id_from_release_name(&line.name).or(forced_id);
        if let Some(id) = id {
            return OsFacts {
                id: Some(id.to_string()),
                version: line.version.as_deref().and_then(major_minor),
                name: Some(line.line),
                source: Some(path.to_string()),
                id_like: Vec::new(),
                errors: Vec::new(),
            };
        }
    }
    let os_release = r
        .read("/etc/os-release")
        .map(|t| ("/etc/os-release", t))
        .or_else(|| {
            r.read("/usr/lib/os-release")
                .map(|t| ("/usr/lib/os-release", t))
        });
    if let Some((path, text)) = &os_release {
        let vars = shell_vars::parse(text);
        if let Some(id) = shell_vars::get(&vars, "ID").filter(|s| !s.is_empty()) {
            let id = normalize_id(id);
            let mut version = shell_vars::get(&vars, "VERSION_ID").and_then(major_minor);
            let mut source = path.to_string();
            if id == "debian" {
                // Debian's os-release has only the major; debian_version has the point release.
                if let Some(dv) = r
                    .read("/etc/debian_version")
                    .as_deref()
                    .and_then(major_minor)
                {
                    version = Some(dv);
                    source = format!("{path} and /etc/debian_version");
                }
            }
            let name = shell_vars::get(&vars, "PRETTY_NAME")
                .or_else(|| shell_vars::get(&vars, "NAME"))
                .map(str::to_string);
            let id_like = shell_vars::get(&vars, "ID_LIKE")
                .map(|l| l.split_whitespace().map(normalize_id).collect())
                .unwrap_or_default();
            return OsFacts {
                id: Some(id),
                version,
                name,
                source: Some(source),
                id_like,
                errors: Vec::new(),
            };
        }
    }
    if let Some(s) = r
        .read("/etc/SuSE-release")
        .as_deref()
        .and_then(parse_suse_release)
    {
        let id = if s.name.contains("Enterprise Server") || s.name.contains("Enterprise Desktop") {
            if s.name.contains("Desktop") {
                "sled"
            } else {
                "sles"
            }
        } else if s.name.to_ascii_lowercase().contains("opensuse") {
            "opensuse"
        } else {
            "suse"
        };
        let version = match (&s.version, &s.patchlevel) {
            (Some(v), Some(p)) if v.chars().all(|c| c.is_ascii_digit()) => Some(format!("{v}.{p}")),
            (Some(v), _) => major_minor(v),
            _ => None,
        };
        return OsFacts {
            id: Some(id.to_string()),
            version,
            name: Some(s.name),
            source: Some("/etc/SuSE-release".into()),
            id_like: Vec::new(),
            errors: Vec::new(),
        };
    }
    if let Some(text) = r.read("/etc/lsb-release") {
        let vars = shell_vars::parse(&text);
        if let Some(id) = shell_vars::get(&vars, "DISTRIB_ID").filter(|s| !s.is_empty()) {
            return OsFacts {
                id: Some(normalize_id(id)),
                version: shell_vars::get(&vars, "DISTRIB_RELEASE").and_then(major_minor),
                name: shell_vars::get(&vars, "DISTRIB_DESCRIPTION").map(str::to_string),
                source: Some("/etc/lsb-release".into()),
                id_like: Vec::new(),
                errors: Vec::new(),
            };
        }
    }
    if let Some(text) = r.read("/etc/debian_version") {
        let v = text.trim();
        return OsFacts {
            id: Some("debian".into()),
            version: major_minor(v),
            name: Some(format!("Debian {v}")),
            source: Some("/etc/debian_version".into()),
            id_like: Vec::new(),
            errors: Vec::new(),
        };
    }
    if let Some(line) = r
        .read("/etc/system-release")
        .as_deref()
        .and_then(parse_release_line)
    {
        return OsFacts {
            id: id_from_release_name(&line.name).map(str::to_string),
            version: line.version.as_deref().and_then(major_minor),
            name: Some(line.line),
            source: Some("/etc/system-release".into()),
            id_like: Vec::new(),
            errors: Vec::new(),
        };
    }
    OsFacts::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::image as root_with;
    use std::fs;

    /// Oracle Linux's redhat-release claims RHEL; oracle-release wins.
    #[test]
    fn oracle_release_wins() {
        let (_d, root) = root_with(&[
            (
                "/etc/redhat-release",
                "Red Hat Enterprise Linux Server release 6.5 (Santiago)\n",
            ),
            ("/etc/oracle-release", "Oracle Linux Server release 6.5\n"),
        ]);
        let f = gather(&root);
        assert_eq!(f.id.as_deref(), Some("ol"));
        assert_eq!(f.version.as_deref(), Some("6.5"));
        assert_eq!(f.source.as_deref(), Some("/etc/oracle-release"));
    }

    /// CentOS 7's os-release has only the major; centos-release gives the minor.
    #[test]
    fn centos7_minor_from_centos_release() {
        let (_d, root) = root_with(&[
            (
                "/etc/os-release",
                "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n",
            ),
            (
                "/etc/centos-release",
                "CentOS Linux release 7.2.1511 (Core)\n",
            ),
        ]);
        let f = gather(&root);
        assert_eq!(f.id.as_deref(), Some("centos"));
        assert_eq!(f.version.as_deref(), Some("7.2"));
    }

    /// Rocky Linux 8's centos-release names Rocky (from the python distro corpus).
    #[test]
    fn rocky_centos_release_names_rocky() {
        let (_d, root) = root_with(&[
            (
                "/etc/centos-release",
                "Rocky Linux release 8.4 (Green Obsidian)\n",
            ),
            (
                "/etc/redhat-release",
                "Rocky Linux release 8.4 (Green Obsidian)\n",
            ),
        ]);
        let f = gather(&root);
        assert_eq!(f.id.as_deref(), Some("rocky"));
        assert_eq!(f.version.as_deref(), Some("8.4"));
    }

    /// SLES 11 SP3 has only SuSE-release: version 11.3.
    #[test]
    fn sles11_sp3() {
        let (_d, root) = root_with(&[(
            "/etc/SuSE-release",
            "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3\n",
        )]);
        let f = gather(&root);
        assert_eq!(f.id.as_deref(), Some("sles"));
        assert_eq!(f.version.as_deref(), Some("11.3"));
    }

    /// Nothing to go on: everything unknown, never guessed.
    #[test]
    fn empty_root_is_unknown() {
        let (_d, root) = root_with(&[]);
        assert_eq!(gather(&root), OsFacts::default());
    }

    /// A release file that cannot be read is reported, not ignored.
    #[test]
    fn unreadable_release_file_is_an_error() {
        let (d, root) = root_with(&[]);
        fs::create_dir_all(d.path().join("etc/redhat-release")).unwrap();
        let f = gather(&root);
        assert_eq!(f.id, None);
        assert!(
            f.errors[0].contains("/etc/redhat-release"),
            "{:?}",
            f.errors
        );
    }
}
