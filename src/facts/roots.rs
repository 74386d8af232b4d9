//! The known root certificates (those of error 151066 and Azure's current roots) in the
//! stores where each distribution family keeps them (`facts::trust` is the other view: the
//! one bundle the outbound TLS handshakes are verified against):
//! RHEL and its rebuilds `/etc/pki/tls/certs/ca-bundle.crt`, Debian and Ubuntu
//! `/etc/ssl/certs/ca-certificates.crt`, SUSE `/etc/ssl/ca-bundle.pem` and OpenSSL's hashed
//! directory `/etc/ssl/certs` (`<subject hash>.N` links, which SUSE's OpenSSL looks roots up by).
//! Every bundle is read with a certificate parser (`parse::certs`), never searched as text.

use crate::facts::FactError;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::parse::certs::{self, CertInfo};
use crate::root::Root;

/// Whether a root is needed now, or was only named by an older document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootRole {
    /// The Site Recovery and Azure endpoints chain to it today.
    Current,
    /// Named by the error-151066 troubleshooting text but since retired (expired or
    /// distrusted); reported, not required.
    Retired,
}

/// A root certificate the checks look for.
#[derive(Debug, Clone, Copy)]
pub struct KnownRoot {
    pub common_name: &'static str,
    pub organization: &'static str,
    /// OpenSSL's subject hash (`openssl x509 -subject_hash`): the name of its link in a
    /// hashed directory is `<hash>.0` (or `.1`... on collisions).
    pub subject_hash: &'static str,
    pub role: RootRole,
    pub note: &'static str,
}

/// The roots of error 151066 and Azure's current TLS roots.
pub const ROOTS: &[KnownRoot] = &[
    KnownRoot {
        common_name: "DigiCert Global Root G2",
        organization: "DigiCert Inc",
        subject_hash: "607986c7",
        role: RootRole::Current,
        note: "Azure's current TLS root (Azure moved its endpoints to it from Baltimore CyberTrust Root in 2022-2023)",
    },
    KnownRoot {
        common_name: "DigiCert Global Root CA",
        organization: "DigiCert Inc",
        subject_hash: "3513523f",
        role: RootRole::Current,
        note: "named for error 151066; still valid and used by Azure endpoints",
    },
    KnownRoot {
        common_name: "Baltimore CyberTrust Root",
        organization: "Baltimore",
        subject_hash: "653b494a",
        role: RootRole::Retired,
        note: "named for error 151066; expired on 2025-05-12 and no longer used by Azure endpoints",
    },
    KnownRoot {
        common_name: "VeriSign Class 3 Public Primary Certification Authority - G5",
        organization: "VeriSign, Inc.",
        subject_hash: "b204d74a",
        role: RootRole::Retired,
        note: "named for error 151066; removed from the Mozilla and distribution stores after the Symantec distrust",
    },
];

impl KnownRoot {
    pub fn matches(&self, c: &CertInfo) -> bool {
        c.common_name.as_deref() == Some(self.common_name)
            && c.organization.as_deref() == Some(self.organization)
    }
}

pub use crate::facts::os::Family;

pub const RHEL_BUNDLE: &str = "/etc/pki/tls/certs/ca-bundle.crt";
pub const DEBIAN_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
pub const SUSE_BUNDLE: &str = "/etc/ssl/ca-bundle.pem";
pub const HASH_DIR: &str = "/etc/ssl/certs";

/// How a store holds its certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// One PEM file with every root.
    Bundle,
    /// A directory of `<hash>.N` links (only the known roots' hashes are read).
    HashDir,
}

/// One store as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub path: String,
    pub kind: StoreKind,
    /// The family uses it: its absence is a finding, not a detail.
    pub required: bool,
    /// `None`: not there.
    pub certs: Option<Vec<CertInfo>>,
    /// For a hashed directory: `607986c7.0 -> DigiCert_Global_Root_G2.pem`, one per link read.
    pub links: Vec<String>,
    /// Certificates that did not parse and reads that failed.
    pub errors: Vec<FactError>,
}

/// The stores of the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootsFacts {
    pub family: Family,
    pub stores: Vec<Store>,
    /// When the facts were gathered (seconds since the epoch), to judge expiry.
    pub now: u64,
}

pub fn gather(root: &Root, family: Family) -> RootsFacts {
    let wanted: Vec<(&str, StoreKind, bool)> = match family {
        Family::Rhel => vec![(RHEL_BUNDLE, StoreKind::Bundle, true)],
        Family::Debian => vec![(DEBIAN_BUNDLE, StoreKind::Bundle, true)],
        Family::Suse => vec![
            (HASH_DIR, StoreKind::HashDir, true),
            (SUSE_BUNDLE, StoreKind::Bundle, false),
        ],
        Family::Other => vec![
            (RHEL_BUNDLE, StoreKind::Bundle, false),
            (DEBIAN_BUNDLE, StoreKind::Bundle, false),
            (SUSE_BUNDLE, StoreKind::Bundle, false),
        ],
    };
    let stores = wanted
        .into_iter()
        .map(|(path, kind, required)| match kind {
            StoreKind::Bundle => read_bundle(root, path, required),
            StoreKind::HashDir => read_hash_dir(root, path, required),
        })
        .collect();
    RootsFacts {
        family,
        stores,
        now: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    }
}

/// Largest bundle read (Debian's is about 220 KB; RHEL's with comments about 250 KB).
const BUNDLE_CAP: u64 = 16 * 1024 * 1024;

fn read_bundle(root: &Root, path: &str, required: bool) -> Store {
    let mut store = Store {
        path: path.to_string(),
        kind: StoreKind::Bundle,
        required,
        certs: None,
        links: Vec::new(),
        errors: Vec::new(),
    };
    match root.read_bytes_capped(Path::new(path), BUNDLE_CAP) {
        Ok(bytes) => {
            let b = certs::parse_pem_bundle(&bytes);
            store.certs = Some(b.certs);
            store.errors = b
                .errors
                .into_iter()
                .map(|e| FactError::unparsable(path, None, e))
                .collect();
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => store.errors.push(e.into()),
    }
    store
}

/// The known roots' links in a hashed directory: `<hash>.0`, `<hash>.1`... until one is
/// missing, each parsed as OpenSSL would load it.
fn read_hash_dir(root: &Root, dir: &str, required: bool) -> Store {
    let mut store = Store {
        path: dir.to_string(),
        kind: StoreKind::HashDir,
        required,
        certs: None,
        links: Vec::new(),
        errors: Vec::new(),
    };
    match root.kind(Path::new(dir)) {
        Ok(Some(crate::root::FileKind::Dir)) => {}
        Ok(_) => return store,
        Err(e) if e.is_not_found() => return store,
        Err(e) => {
            store.errors.push(e.into());
            return store;
        }
    }
    let mut found = Vec::new();
    for known in ROOTS {
        for n in 0..10 {
            let name = format!("{}.{n}", known.subject_hash);
            let path = Path::new(dir).join(&name);
            let target = root
                .read_link(&path)
                .map(|t| format!("{name} -> {}", t.display()))
                .unwrap_or_else(|_| name.clone());
            match root.read_bytes_capped(&path, BUNDLE_CAP) {
                Ok(bytes) => {
                    let b = certs::parse_pem_bundle(&bytes);
                    store.links.push(target);
                    found.extend(b.certs);
                    store.errors.extend(
                        b.errors
                            .into_iter()
                            .map(|e| FactError::unparsable(&path, None, e)),
                    );
                }
                Err(e) if e.is_not_found() => break,
                Err(e) => {
                    store.errors.push(e.into());
                    break;
                }
            }
        }
    }
    store.certs = Some(found);
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each family reads its own store; an unknown family reads every known bundle.
    #[test]
    fn families() {
        let (_d, root) = crate::testutil::image(&[]);
        let paths = |f: Family| -> Vec<String> {
            gather(&root, f)
                .stores
                .iter()
                .map(|s| s.path.clone())
                .collect()
        };
        assert_eq!(paths(Family::Rhel), [RHEL_BUNDLE]);
        assert_eq!(paths(Family::Debian), [DEBIAN_BUNDLE]);
        assert_eq!(paths(Family::Suse), [HASH_DIR, SUSE_BUNDLE]);
        assert_eq!(paths(Family::Other).len(), 3);
    }
}
