//! The system's trusted CA certificates, which the outbound TLS handshakes are verified against:
//! the first bundle found among the RHEL, Debian/Ubuntu and SUSE locations, else the individual
//! `*.pem` files of `/etc/ssl/certs` (old SUSE keeps only those).
//!
//! Tests set `ASR_PREFLIGHT_TEST_CA=FILE` in the tool's environment to trust their own test CA
//! instead; the report names that source, so it can never pass unnoticed.

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::probe::Probe;
use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

/// The test-only override of the trusted CAs.
pub const TEST_CA_VAR: &str = "ASR_PREFLIGHT_TEST_CA";

/// Bundles in the order they are tried.
pub const BUNDLES: &[&str] = &[
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
];
const CERT_DIR: &str = "/etc/ssl/certs";
/// Bounds the directory fallback; real stores hold a few hundred.
const MAX_DIR_FILES: usize = 2000;

#[derive(Debug, Clone, Default)]
pub struct TrustFacts {
    /// Where the certificates came from, e.g. `/etc/ssl/certs/ca-certificates.crt`.
    pub source: Option<String>,
    /// DER certificates.
    pub certs: Vec<Vec<u8>>,
    /// Files that exist but could not be read or parsed.
    pub errors: Vec<FactError>,
}

pub fn gather(root: &Root, probe: Option<&dyn Probe>) -> TrustFacts {
    let mut facts = TrustFacts::default();
    if let Some(path) = probe.and_then(|p| {
        p.env_vars()
            .into_iter()
            .find(|(k, _)| k.as_bytes() == TEST_CA_VAR.as_bytes())
            .map(|(_, v)| PathBuf::from(v))
    }) {
        // A tool input like --matrix FILE, not a file of the inspected system.
        let shown = escape_bytes(path.as_os_str().as_bytes());
        match std::fs::read(&path) {
            Ok(bytes) => {
                facts.certs = pem_certs(&bytes);
                facts.source = Some(format!("{TEST_CA_VAR}={shown} (test CA only)"));
                if facts.certs.is_empty() {
                    facts.errors.push(FactError::other(format!(
                        "{shown}: no PEM certificate in it"
                    )));
                }
            }
            Err(e) => facts
                .errors
                .push(FactError::other(format!("{TEST_CA_VAR}={shown}: {e}"))),
        }
        return facts;
    }
    for bundle in BUNDLES {
        match root.read_bytes(Path::new(bundle)) {
            Ok(bytes) => {
                let certs = pem_certs(&bytes);
                if certs.is_empty() {
                    facts.errors.push(FactError::unparsable(
                        bundle,
                        None,
                        "no PEM certificate in it",
                    ));
                    continue;
                }
                facts.certs = certs;
                facts.source = Some((*bundle).to_string());
                return facts;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => facts.errors.push(e.into()),
        }
    }
    match root.read_dir_optional(Path::new(CERT_DIR)) {
        Ok(entries) => {
            for e in entries
                .iter()
                .filter(|e| e.name.as_bytes().ends_with(b".pem"))
                .filter(|e| matches!(e.kind, FileKind::File | FileKind::Symlink))
                .take(MAX_DIR_FILES)
            {
                let path = Path::new(CERT_DIR).join(&e.name);
                match root.read_bytes(&path) {
                    Ok(b) => facts.certs.extend(pem_certs(&b)),
                    Err(err) if err.is_not_found() => {}
                    Err(err) => facts.errors.push(err.into()),
                }
            }
            if !facts.certs.is_empty() {
                facts.source = Some(format!("{CERT_DIR}/*.pem"));
            }
        }
        Err(e) => facts.errors.push(e.into()),
    }
    facts
}

/// The certificates of a PEM text; other PEM sections and broken ones are skipped.
fn pem_certs(bytes: &[u8]) -> Vec<Vec<u8>> {
    CertificateDer::pem_slice_iter(bytes)
        .filter_map(Result::ok)
        .map(|c| c.as_ref().to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::FakeProbe;
    use std::fs;

    fn pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["x.example".to_string()]).unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    /// The first bundle that exists wins; the directory fallback is used only without one.
    #[test]
    fn bundle_order_and_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::image(dir.path()).unwrap();
        assert!(gather(&root, None).certs.is_empty());
        fs::create_dir_all(dir.path().join("etc/ssl/certs")).unwrap();
        fs::write(dir.path().join("etc/ssl/certs/a.pem"), pem()).unwrap();
        let f = gather(&root, None);
        assert_eq!(
            (f.certs.len(), f.source.as_deref()),
            (1, Some("/etc/ssl/certs/*.pem"))
        );
        fs::write(dir.path().join("etc/ssl/ca-bundle.pem"), pem() + &pem()).unwrap();
        let f = gather(&root, None);
        assert_eq!(
            (f.certs.len(), f.source.as_deref()),
            (2, Some("/etc/ssl/ca-bundle.pem"))
        );
    }

    /// The test override replaces the system store and says so.
    #[test]
    fn test_override() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        fs::write(&ca, pem()).unwrap();
        let root = Root::image(dir.path()).unwrap();
        let probe = FakeProbe::new("5.14.0", "h").with_env(&[(TEST_CA_VAR, ca.to_str().unwrap())]);
        let f = gather(&root, Some(&probe));
        assert_eq!(f.certs.len(), 1);
        assert!(f.source.unwrap().contains("test CA only"));
    }
}
