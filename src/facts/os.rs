//! Which distribution and version the target runs, from every release file real guests have.
//!
//! Order of trust: `oracle-release` (Oracle Linux's `redhat-release` claims to be RHEL), then
//! `centos-release`, then `redhat-release` (these carry the minor that CentOS 7's os-release
//! lacks), then os-release (`/etc`, falling back to `/usr/lib`), SUSE's `SuSE-release` (SLES 11
//! has no os-release), `lsb-release`, `debian_version`, and Amazon's `system-release`. What no
//! file says stays unknown.

use crate::facts::FactError;
use crate::facts::services::commands::EnableTool;
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
    /// os-release `ID_LIKE`: the distributions this one says it derives from, closest first.
    pub id_like: Vec<String>,
    /// The family `id`, then `id_like`, place it in ([`family_of`]): what package manager, CA
    /// store, DHCP client and fix commands the machine has ([`Family::conventions`]).
    pub family: Family,
    /// Files that exist but could not be read.
    pub errors: Vec<FactError>,
}

impl OsFacts {
    /// Whether the distribution is `name` or says it derives from it (`ID_LIKE`).
    pub fn like(&self, name: &str) -> bool {
        self.id.as_deref() == Some(name) || self.id_like.iter().any(|l| l == name)
    }
}

/// The distribution families whose conventions the checks know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Family {
    /// Red Hat Enterprise Linux and its rebuilds and relatives: CentOS (Stream), Oracle Linux,
    /// Rocky, Alma, Scientific, CloudLinux, Fedora, Amazon Linux.
    Rhel,
    /// SUSE Linux Enterprise (Server, Desktop, for SAP) and openSUSE.
    Suse,
    /// Debian and its derivatives: Ubuntu (Pro too), Raspbian, Mint, Kali, ...
    Debian,
    #[default]
    Other,
}

/// How a family does the things checks tell an administrator to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conventions {
    /// The command that installs packages (the package names follow): `yum` before RHEL 8,
    /// `dnf` from it.
    pub install: &'static str,
    /// The system CA bundle, the file TLS clients read.
    pub ca_bundle: &'static str,
    /// The command that brings the CA certificates package up to date.
    pub ca_update: &'static str,
    /// The commands that restore the distribution's roots and regenerate the bundle.
    pub ca_restore: &'static str,
    /// The tool that adds a SysV script to the boot where systemd does not run.
    pub sysv_enable: EnableTool,
}

impl Family {
    /// The conventions of the family; `major` is the distribution's major version where it
    /// changes them. `None` for [`Family::Other`]: nothing is guessed.
    pub fn conventions(self, major: Option<u32>) -> Option<Conventions> {
        match self {
            Family::Rhel => Some(Conventions {
                install: if major.is_some_and(|m| m >= 8) {
                    "dnf install"
                } else {
                    "yum install"
                },
                ca_bundle: crate::facts::roots::RHEL_BUNDLE,
                ca_update: "yum update ca-certificates",
                ca_restore: "yum update ca-certificates && update-ca-trust extract",
                sysv_enable: EnableTool::Chkconfig,
            }),
            Family::Suse => Some(Conventions {
                install: "zypper install",
                ca_bundle: crate::facts::roots::SUSE_BUNDLE,
                ca_update: "zypper update ca-certificates",
                ca_restore: "zypper update ca-certificates-mozilla && update-ca-certificates (SLES 11: then c_rehash /etc/ssl/certs)",
                sysv_enable: EnableTool::Insserv,
            }),
            Family::Debian => Some(Conventions {
                install: "apt-get install",
                ca_bundle: crate::facts::roots::DEBIAN_BUNDLE,
                ca_update: "apt-get update && apt-get install ca-certificates",
                ca_restore: "apt-get install --reinstall ca-certificates && update-ca-certificates --fresh",
                sysv_enable: EnableTool::UpdateRcD,
            }),
            Family::Other => None,
        }
    }
}

/// The family of an os-release `ID` alone.
fn family_of_id(id: &str) -> Option<Family> {
    match id {
        "rhel" | "centos" | "ol" | "rocky" | "almalinux" | "scientific" | "cloudlinux"
        | "fedora" | "amzn" | "xenserver" => Some(Family::Rhel),
        "sles"
        | "sled"
        | "sles_sap"
        | "suse"
        | "opensuse"
        | "opensuse-leap"
        | "opensuse-tumbleweed" => Some(Family::Suse),
        "debian" | "ubuntu" | "raspbian" | "linuxmint" | "kali" => Some(Family::Debian),
        _ => None,
    }
}

/// The family: `ID` first, then each `ID_LIKE` entry in order (`ID_LIKE="rhel centos fedora"`
/// of an unknown rebuild, `ID_LIKE=debian` of a derivative, `ID_LIKE="suse opensuse"`).
pub fn family_of(id: Option<&str>, id_like: &[String]) -> Family {
    id.into_iter()
        .chain(id_like.iter().map(String::as_str))
        .find_map(family_of_id)
        .unwrap_or(Family::Other)
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
    errors: Vec<FactError>,
}

impl Reader<'_> {
    fn read(&mut self, path: &str) -> Option<String> {
        match self.root.read_optional(Path::new(path)) {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(e.into());
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
    facts.family = family_of(facts.id.as_deref(), &facts.id_like);
    facts
}

/// Where the distribution is read from, in the order they are trusted: the first that names
/// it decides.
const SOURCES: &[fn(&mut Reader<'_>) -> Option<OsFacts>] = &[
    from_redhat_files,
    from_os_release,
    from_suse_release,
    from_lsb_release,
    from_debian_version,
    from_system_release,
];

fn detect(r: &mut Reader<'_>) -> OsFacts {
    SOURCES.iter().find_map(|from| from(r)).unwrap_or_default()
}

/// /etc/oracle-release, /etc/centos-release, /etc/redhat-release.
fn from_redhat_files(r: &mut Reader<'_>) -> Option<OsFacts> {
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
            return Some(OsFacts {
                id: Some(id.to_string()),
                version: line.version.as_deref().and_then(major_minor),
                name: Some(line.line),
                source: Some(path.to_string()),
                errors: Vec::new(),
                ..OsFacts::default()
            });
        }
    }
    None
}

/// /etc/os-release, or /usr/lib/os-release when there is none.
fn from_os_release(r: &mut Reader<'_>) -> Option<OsFacts> {
    let (path, text) = r
        .read("/etc/os-release")
        .map(|t| ("/etc/os-release", t))
        .or_else(|| {
            r.read("/usr/lib/os-release")
                .map(|t| ("/usr/lib/os-release", t))
        })?;
    let vars = shell_vars::parse(&text);
    let id = normalize_id(shell_vars::get(&vars, "ID").filter(|s| !s.is_empty())?);
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
    let id_like = shell_vars::get(&vars, "ID_LIKE")
        .map(|l| l.split_ascii_whitespace().map(normalize_id).collect())
        .unwrap_or_default();
    let name = shell_vars::get(&vars, "PRETTY_NAME")
        .or_else(|| shell_vars::get(&vars, "NAME"))
        .map(str::to_string);
    Some(OsFacts {
        id: Some(id),
        version,
        name,
        source: Some(source),
        id_like,
        errors: Vec::new(),
        ..OsFacts::default()
    })
}

/// The ID a SuSE-release product name stands for.
fn suse_id(name: &str) -> &'static str {
    if name.contains("Enterprise Server") || name.contains("Enterprise Desktop") {
        if name.contains("Desktop") {
            "sled"
        } else {
            "sles"
        }
    } else if name.to_ascii_lowercase().contains("opensuse") {
        "opensuse"
    } else {
        "suse"
    }
}

/// /etc/SuSE-release (SLES 11 and older).
fn from_suse_release(r: &mut Reader<'_>) -> Option<OsFacts> {
    let s = r
        .read("/etc/SuSE-release")
        .as_deref()
        .and_then(parse_suse_release)?;
    let version = match (&s.version, &s.patchlevel) {
        (Some(v), Some(p)) if v.chars().all(|c| c.is_ascii_digit()) => Some(format!("{v}.{p}")),
        (Some(v), _) => major_minor(v),
        _ => None,
    };
    Some(OsFacts {
        id: Some(suse_id(&s.name).to_string()),
        version,
        name: Some(s.name),
        source: Some("/etc/SuSE-release".into()),
        errors: Vec::new(),
        ..OsFacts::default()
    })
}

/// /etc/lsb-release.
fn from_lsb_release(r: &mut Reader<'_>) -> Option<OsFacts> {
    let text = r.read("/etc/lsb-release")?;
    let vars = shell_vars::parse(&text);
    let id = shell_vars::get(&vars, "DISTRIB_ID").filter(|s| !s.is_empty())?;
    Some(OsFacts {
        id: Some(normalize_id(id)),
        version: shell_vars::get(&vars, "DISTRIB_RELEASE").and_then(major_minor),
        name: shell_vars::get(&vars, "DISTRIB_DESCRIPTION").map(str::to_string),
        source: Some("/etc/lsb-release".into()),
        errors: Vec::new(),
        ..OsFacts::default()
    })
}

/// /etc/debian_version alone.
fn from_debian_version(r: &mut Reader<'_>) -> Option<OsFacts> {
    let text = r.read("/etc/debian_version")?;
    let v = text.trim();
    Some(OsFacts {
        id: Some("debian".into()),
        version: major_minor(v),
        name: Some(format!("Debian {v}")),
        source: Some("/etc/debian_version".into()),
        errors: Vec::new(),
        ..OsFacts::default()
    })
}

/// /etc/system-release (Amazon Linux and other Red Hat derivatives).
fn from_system_release(r: &mut Reader<'_>) -> Option<OsFacts> {
    let line = r
        .read("/etc/system-release")
        .as_deref()
        .and_then(parse_release_line)?;
    Some(OsFacts {
        id: id_from_release_name(&line.name).map(str::to_string),
        version: line.version.as_deref().and_then(major_minor),
        name: Some(line.line),
        source: Some("/etc/system-release".into()),
        errors: Vec::new(),
        ..OsFacts::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ID decides, then ID_LIKE in order: rebuilds and derivatives land in their family.
    #[test]
    fn families_from_id_and_id_like() {
        let like = |l: &str| -> Vec<String> { l.split(' ').map(normalize_id).collect() };
        for (id, id_like, want) in [
            ("rocky", "rhel centos fedora", Family::Rhel),
            ("almalinux", "rhel centos fedora", Family::Rhel),
            ("centos", "rhel fedora", Family::Rhel),
            ("ol", "fedora", Family::Rhel),
            ("amzn", "centos rhel fedora", Family::Rhel),
            ("somerebuild", "rhel fedora", Family::Rhel),
            ("opensuse-leap", "suse opensuse", Family::Suse),
            ("sles", "suse", Family::Suse),
            ("sles_sap", "", Family::Suse),
            ("ubuntu", "debian", Family::Debian),
            ("pop", "ubuntu debian", Family::Debian),
            ("devuan", "debian", Family::Debian),
            ("arch", "", Family::Other),
            ("gentoo", "", Family::Other),
        ] {
            let id = normalize_id(id);
            let id_like = if id_like.is_empty() {
                Vec::new()
            } else {
                like(id_like)
            };
            assert_eq!(
                family_of(Some(&id), &id_like),
                want,
                "{id} like {id_like:?}"
            );
        }
        assert_eq!(family_of(None, &[]), Family::Other);
    }

    /// An os-release with an unknown ID and ID_LIKE is placed by ID_LIKE, through gather.
    #[test]
    fn id_like_is_read() {
        let (_d, root) = root_with(&[(
            "/etc/os-release",
            "ID=\"navy\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.2\"\n",
        )]);
        let f = gather(&root);
        assert_eq!(f.id.as_deref(), Some("navy"));
        assert_eq!(f.id_like, ["rhel", "centos", "fedora"]);
        assert_eq!(f.family, Family::Rhel);
        assert_eq!(
            f.family.conventions(Some(9)).map(|c| c.install),
            Some("dnf install")
        );
    }
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
            f.errors[0].to_string().contains("/etc/redhat-release"),
            "{:?}",
            f.errors
        );
    }
}
