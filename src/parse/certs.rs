//! X.509 certificates in a PEM bundle (the system's CA bundle, one file of a hash directory):
//! bytes in, each certificate's subject and validity out. PEM framing is rustls-pki-types',
//! the DER structure is x509-cert's; nothing here knows where the bytes came from.
//!
//! Text between PEM blocks (RHEL's `# Comment` lines, p11-kit's headers) is ignored; a block
//! that is not a certificate (`TRUSTED CERTIFICATE`, keys) is skipped; a certificate whose DER
//! does not parse is reported by its position, and the others still count.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Tag, Tagged};

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

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

/// Every certificate of a PEM bundle, in file order.
pub fn parse_pem_bundle(bytes: &[u8]) -> Bundle {
    let mut out = Bundle::default();
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
    let cert = Certificate::from_der(der).map_err(|e| format!("X.509: {e}"))?;
    let tbs = &cert.tbs_certificate;
    let mut common_name = None;
    let mut organization = None;
    for rdn in tbs.subject.0.iter() {
        for atv in rdn.0.iter() {
            let slot = if atv.oid == OID_CN {
                &mut common_name
            } else if atv.oid == OID_O {
                &mut organization
            } else {
                continue;
            };
            if slot.is_none() {
                *slot = directory_string(atv.value.tag(), atv.value.value());
            }
        }
    }
    Ok(CertInfo {
        subject: tbs.subject.to_string(),
        common_name,
        organization,
        not_after: tbs.validity.not_after.to_unix_duration().as_secs(),
    })
}

/// The text of an X.520 DirectoryString (and the IA5 strings some old roots use).
fn directory_string(tag: Tag, value: &[u8]) -> Option<String> {
    match tag {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            Some(String::from_utf8_lossy(value).into_owned())
        }
        // T.61 in practice carries Latin-1 in old roots.
        Tag::TeletexString => Some(value.iter().map(|&b| b as char).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = value
                .chunks(2)
                .filter(|c| c.len() == 2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
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

    /// BMP and Teletex directory strings decode.
    #[test]
    fn directory_strings() {
        assert_eq!(
            directory_string(Tag::BmpString, &[0, b'A', 0, b'b']).as_deref(),
            Some("Ab")
        );
        assert_eq!(
            directory_string(Tag::TeletexString, &[0xe9]).as_deref(),
            Some("é")
        );
        assert_eq!(directory_string(Tag::Integer, b"1"), None);
    }
}
