//! Traces of the Site Recovery Mobility service (the "unified agent", formerly InMage Scout):
//! its directories, its version file, its configuration files, and the BIOS id its
//! registration recorded. A golden image must hold none of them (every clone would present
//! the same agent identity); a running machine's agent must have been configured on this
//! machine, not copied onto it.
//!
//! Paths are the installer's own: `/usr/local/.vx_version` names `INSTALLATION_DIR` (default
//! `/usr/local/ASR/Vx`), whose `etc/drscout.conf` holds the host identity; the registration
//! with the service writes `BiosId=` into `/usr/local/InMage/config/RCMInfo.conf`; the filter
//! driver's state lives in `/etc/vxagent`.

use crate::facts::FactError;
use std::path::{Path, PathBuf};

use crate::parse::ini;
use crate::root::{FileKind, Root};

/// The installer's version file.
pub const VX_VERSION: &str = "/usr/local/.vx_version";
/// Where the registration records the machine's BIOS id.
pub const RCM_INFO: &str = "/usr/local/InMage/config/RCMInfo.conf";
/// The installer's default `INSTALLATION_DIR`.
pub const DEFAULT_INSTALL_DIR: &str = "/usr/local/ASR/Vx";

/// Directories and files that only the agent creates, with what each is.
const MARKERS: &[(&str, &str)] = &[
    (
        "/usr/local/ASR",
        "the agent's default installation directory",
    ),
    (
        "/usr/local/InMage",
        "the agent's configuration and certificates",
    ),
    (
        "/etc/vxagent",
        "the filter driver's state and the initrd backups",
    ),
    (VX_VERSION, "the installer's version file"),
    (RCM_INFO, "the registration (BiosId, ManagementId)"),
    (
        "/usr/local/InMage/config/ProxyInfo.conf",
        "the agent's proxy settings",
    ),
    (
        "/etc/vxagent/usr/vxplatformtype.dat",
        "the platform the agent was configured for",
    ),
    // The agent's services: vxagent runs the replication, uarespawnd restarts it.
    (
        "/etc/systemd/system/vxagent.service",
        "the agent's service unit",
    ),
    (
        "/usr/lib/systemd/system/vxagent.service",
        "the agent's service unit",
    ),
    (
        "/lib/systemd/system/vxagent.service",
        "the agent's service unit",
    ),
    (
        "/etc/systemd/system/uarespawnd.service",
        "the agent's respawn service unit",
    ),
    (
        "/usr/lib/systemd/system/uarespawnd.service",
        "the agent's respawn service unit",
    ),
    (
        "/lib/systemd/system/uarespawnd.service",
        "the agent's respawn service unit",
    ),
    ("/etc/init.d/vxagent", "the agent's init script"),
    ("/etc/init.d/uarespawnd", "the agent's respawn init script"),
];

/// One trace found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// Path inside the target.
    pub path: String,
    pub what: String,
}

/// Everything the agent left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentTraces {
    pub traces: Vec<Trace>,
    /// `INSTALLATION_DIR` from the version file.
    pub install_dir: Option<String>,
    /// `VERSION` from the version file.
    pub version: Option<String>,
    /// The configuration file holding the host identity, when present.
    pub drscout: Option<String>,
    /// `HostId` in drscout.conf (`1234_45466_67689` is the template's placeholder).
    pub host_id: Option<String>,
    /// `BiosId` recorded in RCMInfo.conf (absent or empty until the agent is configured).
    pub bios_id: Option<String>,
    /// Reads that failed: the list may be incomplete.
    pub errors: Vec<FactError>,
}

impl AgentTraces {
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }
}

pub fn gather(root: &Root) -> AgentTraces {
    let mut out = AgentTraces::default();
    for (path, what) in MARKERS {
        match root.kind_nofollow(Path::new(path)) {
            Ok(Some(k)) => out.traces.push(Trace {
                path: path.to_string(),
                what: format!("{what} ({})", kind_word(k)),
            }),
            Ok(None) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => out.errors.push(e.into()),
        }
    }
    match root.read_optional(Path::new(VX_VERSION)) {
        Ok(Some(text)) => {
            let e = ini::parse(&text);
            out.install_dir = ini::value(&e, "INSTALLATION_DIR")
                .filter(|v| !v.is_empty())
                .map(str::to_string);
            out.version = ini::value(&e, "VERSION")
                .filter(|v| !v.is_empty())
                .map(str::to_string);
        }
        Ok(None) => {}
        Err(e) => out.errors.push(e.into()),
    }
    // drscout.conf under the recorded installation directory, and under the default one.
    let mut dirs: Vec<String> = out.install_dir.iter().cloned().collect();
    if !dirs.iter().any(|d| d == DEFAULT_INSTALL_DIR) {
        dirs.push(DEFAULT_INSTALL_DIR.to_string());
    }
    for dir in dirs {
        let path = PathBuf::from(&dir).join("etc/drscout.conf");
        match root.read_optional(&path) {
            Ok(Some(text)) => {
                let shown = path.display().to_string();
                let e = ini::parse(&text);
                out.host_id = ini::value(&e, "HostId")
                    .filter(|v| !v.is_empty())
                    .map(str::to_string);
                if !out.traces.iter().any(|t| t.path == shown) {
                    out.traces.push(Trace {
                        path: shown.clone(),
                        what: "the agent's configuration (host identity)".into(),
                    });
                }
                out.drscout = Some(shown);
                break;
            }
            Ok(None) => {}
            Err(e) => out.errors.push(e.into()),
        }
    }
    match root.read_optional(Path::new(RCM_INFO)) {
        Ok(Some(text)) => {
            out.bios_id = ini::value(&ini::parse(&text), "BiosId")
                .filter(|v| !v.is_empty())
                .map(str::to_string);
        }
        Ok(None) => {}
        Err(e) => out.errors.push(e.into()),
    }
    out
}

fn kind_word(k: FileKind) -> &'static str {
    match k {
        FileKind::Dir => "directory",
        FileKind::Symlink => "symbolic link",
        _ => "file",
    }
}

/// The byte-swapped form of a SMBIOS UUID, as the agent's configurator computes it: the first
/// three groups byte-reversed (firmware that stores them little-endian reports them so), the
/// rest unchanged. `None` when the text is not a UUID.
pub fn byte_swapped_uuid(uuid: &str) -> Option<String> {
    let u = uuid.trim();
    let groups: Vec<&str> = u.split('-').collect();
    let shape = [8, 4, 4, 4, 12];
    if groups.len() != 5
        || groups
            .iter()
            .zip(shape)
            .any(|(g, n)| g.len() != n || !g.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    let rev = |g: &str| -> String {
        let pairs: Vec<&str> = (0..g.len()).step_by(2).map(|i| &g[i..i + 2]).collect();
        pairs.into_iter().rev().collect()
    };
    Some(format!(
        "{}-{}-{}-{}-{}",
        rev(groups[0]),
        rev(groups[1]),
        rev(groups[2]),
        groups[3],
        groups[4]
    ))
}

/// Whether the recorded BIOS id names this machine: equal to its product UUID, or to the
/// byte-swapped form of it, ignoring case (the configurator's own comparison).
pub fn bios_id_matches(recorded: &str, product_uuid: &str) -> bool {
    let r = recorded.trim();
    r.eq_ignore_ascii_case(product_uuid.trim())
        || byte_swapped_uuid(product_uuid).is_some_and(|s| r.eq_ignore_ascii_case(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The swap reverses the bytes of the first three groups only, as the agent's
    /// `byteswapped_biosid` does.
    #[test]
    fn swap_first_three_groups() {
        assert_eq!(
            byte_swapped_uuid("4C4C4544-0042-3510-8052-B4C04F4E4E32").as_deref(),
            Some("44454C4C-4200-1035-8052-B4C04F4E4E32")
        );
        // Swapping twice gives the original back.
        let once = byte_swapped_uuid("01234567-89ab-cdef-0123-456789abcdef").unwrap();
        assert_eq!(once, "67452301-ab89-efcd-0123-456789abcdef");
        assert_eq!(
            byte_swapped_uuid(&once).as_deref(),
            Some("01234567-89ab-cdef-0123-456789abcdef")
        );
        assert_eq!(byte_swapped_uuid("not-a-uuid"), None);
        assert_eq!(
            byte_swapped_uuid("0123456-789ab-cdef-0123-456789abcdef"),
            None
        );
    }

    /// A match is case-insensitive and accepts the byte-swapped form; another machine's id
    /// does not match.
    #[test]
    fn matching() {
        let uuid = "4c4c4544-0042-3510-8052-b4c04f4e4e32";
        assert!(bios_id_matches(
            "4C4C4544-0042-3510-8052-B4C04F4E4E32",
            uuid
        ));
        assert!(bios_id_matches(
            "44454C4C-4200-1035-8052-B4C04F4E4E32",
            uuid
        ));
        assert!(!bios_id_matches(
            "4C4C4544-0042-3510-8052-B4C04F4E4E33",
            uuid
        ));
    }

    /// A tree with the installer's files yields every trace, the version, the host id and
    /// the recorded BIOS id, with drscout.conf under the recorded installation directory.
    #[test]
    fn gathers_an_installed_agent() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("opt/asr/Vx/etc")).unwrap();
        std::fs::create_dir_all(d.join("usr/local/InMage/config")).unwrap();
        std::fs::write(
            d.join("usr/local/.vx_version"),
            "INSTALLATION_DIR=/opt/asr/Vx\nVERSION=9.60.6956.1\n",
        )
        .unwrap();
        std::fs::write(
            d.join("opt/asr/Vx/etc/drscout.conf"),
            "[vxagent]\nHostId = 1b2c\n",
        )
        .unwrap();
        std::fs::write(
            d.join("usr/local/InMage/config/RCMInfo.conf"),
            "[rcm]\nBiosId=AB\n",
        )
        .unwrap();
        let t = gather(&Root::image(d).unwrap());
        assert_eq!(t.install_dir.as_deref(), Some("/opt/asr/Vx"));
        assert_eq!(t.version.as_deref(), Some("9.60.6956.1"));
        assert_eq!(t.host_id.as_deref(), Some("1b2c"));
        assert_eq!(t.bios_id.as_deref(), Some("AB"));
        let paths: Vec<&str> = t.traces.iter().map(|t| t.path.as_str()).collect();
        assert!(paths.contains(&"/usr/local/InMage"), "{paths:?}");
        assert!(paths.contains(&"/opt/asr/Vx/etc/drscout.conf"), "{paths:?}");
        assert!(!paths.contains(&"/usr/local/ASR"), "{paths:?}");
        assert!(gather(&Root::image(dir.path().join("opt").as_path()).unwrap()).is_empty());
    }
}
