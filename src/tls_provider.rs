//! The TLS algorithms `net.outbound` offers: rustls's *ring* provider cut to what a client that
//! only verifies servers needs. rustls's `default_provider()` also carries a key loader for
//! client certificates (RSA, ECDSA and Ed25519 signing, which this tool never does), the
//! ChaCha20-Poly1305 suites and the X25519 group; together with ring's assembly for them they
//! were 126,976 bytes of the static binary (README "Static build").
//!
//! What stays is what every endpoint a check connects to speaks, and what a TLS-inspecting proxy
//! in between must speak too: AES-GCM (TLS 1.3 requires AES-128-GCM of every server, RFC 8446
//! section 9.1; TLS 1.2 servers answer the ECDHE-AES-GCM suites), P-256 (required of every TLS
//! 1.3 server by the same section) and P-384, and every signature rustls verifies by default.

use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::crypto::{
    CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms,
};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use webpki::ring as alg;

/// The provider every handshake of a run uses.
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        kx_groups: vec![kx_group::SECP256R1, kx_group::SECP384R1],
        signature_verification_algorithms: VERIFY,
        secure_random: &SystemRandom,
        key_provider: &NoClientKeys,
    }
}

/// The server signatures accepted: the same table as rustls's ring provider (which does not
/// export it).
static VERIFY: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        alg::ECDSA_P256_SHA256,
        alg::ECDSA_P256_SHA384,
        alg::ECDSA_P384_SHA256,
        alg::ECDSA_P384_SHA384,
        alg::ED25519,
        alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        alg::RSA_PKCS1_2048_8192_SHA256,
        alg::RSA_PKCS1_2048_8192_SHA384,
        alg::RSA_PKCS1_2048_8192_SHA512,
        alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        // For TLS 1.2 the curve is not fixed by the scheme; for TLS 1.3 it is.
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[alg::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[alg::RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[alg::RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[alg::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

/// Randomness from the kernel, as rustls's own provider gets it (getrandom, else /dev/urandom
/// on kernels without that system call).
#[derive(Debug)]
struct SystemRandom;

impl SecureRandom for SystemRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        use ring::rand::SecureRandom as _;
        ring::rand::SystemRandom::new()
            .fill(buf)
            .map_err(|_| GetRandomFailed)
    }
}

/// The tool authenticates no client: no private key is ever loaded.
#[derive(Debug)]
struct NoClientKeys;

impl KeyProvider for NoClientKeys {
    fn load_private_key(
        &self,
        _key: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "client certificates are not supported".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every suite and group offered is one rustls's own provider offers, and the signature
    /// table is the same as its own.
    #[test]
    fn a_subset_of_rustls_defaults() {
        let ours = provider();
        let theirs = rustls::crypto::ring::default_provider();
        for s in &ours.cipher_suites {
            assert!(theirs.cipher_suites.contains(s), "{s:?}");
        }
        for g in &ours.kx_groups {
            assert!(
                theirs.kx_groups.iter().any(|t| t.name() == g.name()),
                "{:?}",
                g.name()
            );
        }
        assert_eq!(
            ours.signature_verification_algorithms.supported_schemes(),
            theirs.signature_verification_algorithms.supported_schemes()
        );
        assert_eq!(
            ours.signature_verification_algorithms.all.len(),
            theirs.signature_verification_algorithms.all.len()
        );
        assert!(ours.fips() == theirs.fips());
        let mut buf = [0u8; 32];
        ours.secure_random.fill(&mut buf).unwrap();
        assert_ne!(buf, [0u8; 32]);
    }

    /// Both TLS versions stay possible: 1.3 and 1.2 suites, each with AES-128 and AES-256.
    #[test]
    fn both_tls_versions() {
        let p = provider();
        let v13 = p
            .cipher_suites
            .iter()
            .filter(|s| s.version().version == rustls::ProtocolVersion::TLSv1_3)
            .count();
        let v12 = p
            .cipher_suites
            .iter()
            .filter(|s| s.version().version == rustls::ProtocolVersion::TLSv1_2)
            .count();
        assert_eq!((v13, v12), (2, 4));
        assert!(
            p.key_provider
                .load_private_key(PrivateKeyDer::Pkcs8(vec![0u8; 4].into()))
                .is_err()
        );
    }
}
