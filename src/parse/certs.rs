//! X.509 certificates in a PEM bundle (the system's CA bundle, one file of a hash directory):
//! bytes in, each certificate's subject and validity out. PEM framing is `parse::pem`'s for
//! plain bundles and rustls-pki-types' for the others,
//! the DER walk is `parse::x509_name`'s; nothing here knows where the bytes came from.
//!
//! Text between PEM blocks (RHEL's `# Comment` lines, p11-kit's headers) is ignored; a block
//! that is not a certificate (`TRUSTED CERTIFICATE`, keys) is skipped; a certificate whose DER
//! does not parse is reported by its position, and the others still count.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::x509_name;

/// What the checks need of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject in RFC 4514 form (`CN=DigiCert Global Root G2,OU=www.digicert.com,...`).
    pub subject: String,
    pub common_name: Option<String>,
    pub organization: Option<String>,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: u64,
}

/// A bundle: the certificates that parsed, and why the others did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bundle {
    pub certs: Vec<CertInfo>,
    /// `certificate 12: <cause>`, one per PEM block that could not be used.
    pub errors: Vec<String>,
}

/// Every certificate of a PEM bundle, in file order.
pub fn parse_pem_bundle(bytes: &[u8]) -> Bundle {
    let mut out = Bundle::default();
    // A plain bundle (the usual case) by the fast reader; the others exactly as rustls reads them.
    if let Some(ders) = super::pem::plain_certificates(bytes) {
        for (i, der) in ders.iter().enumerate() {
            match parse_der(der) {
                Ok(info) => out.certs.push(info),
                Err(e) => out.errors.push(format!("certificate {}: {e}", i + 1)),
            }
        }
        return out;
    }
    for (i, item) in CertificateDer::pem_slice_iter(bytes).enumerate() {
        let n = i + 1;
        match item {
            Ok(der) => match parse_der(der.as_ref()) {
                Ok(info) => out.certs.push(info),
                Err(e) => out.errors.push(format!("certificate {n}: {e}")),
            },
            Err(e) => {
                out.errors.push(format!("certificate {n}: PEM: {e}"));
                // A broken armour ends the iteration's usefulness; keep what parsed.
                break;
            }
        }
    }
    out
}

/// One DER-encoded certificate.
pub fn parse_der(der: &[u8]) -> Result<CertInfo, String> {
    let (name, not_after) =
        x509_name::subject_and_not_after(der).map_err(|e| format!("X.509: {e}"))?;
    Ok(CertInfo {
        subject: name.to_string(),
        common_name: name.get("CN").map(str::to_string),
        organization: name.get("O").map(str::to_string),
        not_after,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// DigiCert Global Root G2 as Mozilla's store ships it (a public trust anchor).
    pub const DIGICERT_G2: &str = "-----BEGIN CERTIFICATE-----
MIIDjjCCAnagAwIBAgIQAzrx5qcRqaC7KGSxHQn65TANBgkqhkiG9w0BAQsFADBh
MQswCQYDVQQGEwJVUzEVMBMGA1UEChMMRGlnaUNlcnQgSW5jMRkwFwYDVQQLExB3
d3cuZGlnaWNlcnQuY29tMSAwHgYDVQQDExdEaWdpQ2VydCBHbG9iYWwgUm9vdCBH
MjAeFw0xMzA4MDExMjAwMDBaFw0zODAxMTUxMjAwMDBaMGExCzAJBgNVBAYTAlVT
MRUwEwYDVQQKEwxEaWdpQ2VydCBJbmMxGTAXBgNVBAsTEHd3dy5kaWdpY2VydC5j
b20xIDAeBgNVBAMTF0RpZ2lDZXJ0IEdsb2JhbCBSb290IEcyMIIBIjANBgkqhkiG
9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuzfNNNx7a8myaJCtSnX/RrohCgiN9RlUyfuI
2/Ou8jqJkTx65qsGGmvPrC3oXgkkRLpimn7Wo6h+4FR1IAWsULecYxpsMNzaHxmx
1x7e/dfgy5SDN67sH0NO3Xss0r0upS/kqbitOtSZpLYl6ZtrAGCSYP9PIUkY92eQ
q2EGnI/yuum06ZIya7XzV+hdG82MHauVBJVJ8zUtluNJbd134/tJS7SsVQepj5Wz
tCO7TG1F8PapspUwtP1MVYwnSlcUfIKdzXOS0xZKBgyMUNGPHgm+F6HmIcr9g+UQ
vIOlCsRnKPZzFBQ9RnbDhxSJITRNrw9FDKZJobq7nMWxM4MphQIDAQABo0IwQDAP
BgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBhjAdBgNVHQ4EFgQUTiJUIBiV
5uNu5g/6+rkS7QYXjzkwDQYJKoZIhvcNAQELBQADggEBAGBnKJRvDkhj6zHd6mcY
1Yl9PMWLSn/pvtsrF9+wX3N3KjITOYFnQoQj8kVnNeyIv/iPsGEMNKSuIEyExtv4
NeF22d+mQrvHRAiGfzZ0JFrabA0UWTW98kndth/Jsw1HKj2ZL7tcu7XUIOGZX1NG
Fdtom/DzMNU+MeKNhJ7jitralj41E6Vf8PlwUHBHQRFXGU7Aj64GxJUTFy8bJZ91
8rGOmaFvE7FBcf6IKshPECBV1/MUReXgRPTqh5Uykw7+U0b6LJ3/iyK5S9kJRaTe
pLiaWN0bfVKfjllDiIGknibVb63dDcY3fe0Dkhvld1927jyNxF1WW6LZZm6zNTfl
MrY=
-----END CERTIFICATE-----
";

    /// A real root's subject, common name, organisation and end of validity come out; the
    /// comment lines RHEL puts between certificates are ignored.
    #[test]
    fn digicert_g2_with_comments() {
        let text = format!("# DigiCert Global Root G2\n{DIGICERT_G2}\n# next\n");
        let b = parse_pem_bundle(text.as_bytes());
        assert!(b.errors.is_empty(), "{:?}", b.errors);
        assert_eq!(b.certs.len(), 1);
        let c = &b.certs[0];
        assert_eq!(c.common_name.as_deref(), Some("DigiCert Global Root G2"));
        assert_eq!(c.organization.as_deref(), Some("DigiCert Inc"));
        assert!(c.subject.contains("OU=www.digicert.com"), "{}", c.subject);
        // notAfter 2038-01-15 12:00:00 UTC
        assert_eq!(c.not_after, 2_147_169_600);
    }

    /// A block whose DER is damaged is reported by position; the good ones still count.
    #[test]
    fn damaged_certificate_is_reported_not_fatal() {
        let bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let text = format!("{bad}{DIGICERT_G2}");
        let b = parse_pem_bundle(text.as_bytes());
        assert_eq!(b.certs.len(), 1);
        assert_eq!(b.errors.len(), 1);
        assert!(
            b.errors[0].starts_with("certificate 1: X.509"),
            "{:?}",
            b.errors
        );
    }

    /// Keys and trusted-certificate blocks are not certificates of the bundle; empty input
    /// is an empty bundle.
    #[test]
    fn other_blocks_and_empty_input() {
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let b = parse_pem_bundle(format!("{key}{DIGICERT_G2}").as_bytes());
        assert_eq!(b.certs.len(), 1, "{:?}", b.errors);
        assert_eq!(parse_pem_bundle(b""), Bundle::default());
    }
}
