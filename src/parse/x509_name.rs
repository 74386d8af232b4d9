//! Names and validity of an X.509 certificate (DER): the issuer, which the outbound check needs
//! to say who signed the certificate a server presented, and the subject and end of validity,
//! which the trust-store check needs to find the roots in a bundle. A small DER walker instead
//! of a full X.509 crate: certificate -> tbsCertificate -> [version] serial signature issuer
//! validity subject.

use std::fmt;

use crate::text::sanitize_terminal;

/// The certificate could not be read as far as its issuer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed certificate: {0}")]
pub struct DerError(&'static str);

/// A distinguished name as (attribute, value) pairs in certificate order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    pub attributes: Vec<(String, String)>,
}

impl Name {
    /// The first value of an attribute (`CN`, `O`, ...).
    pub fn get(&self, attr: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(a, _)| a == attr)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for Name {
    /// Most specific first, as RFC 4514 writes names: `CN=..., O=..., C=...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .attributes
            .iter()
            .rev()
            .map(|(a, v)| format!("{a}={}", sanitize_terminal(v)))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// Reads one tag-length-value; returns (tag, content, rest).
fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), DerError> {
    let (&tag, rest) = input.split_first().ok_or(DerError("truncated tag"))?;
    let (&first, rest) = rest.split_first().ok_or(DerError("truncated length"))?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(DerError("bad length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(DerError("content shorter than its length"));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(
    input: &'a [u8],
    tag: u8,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), DerError> {
    let (t, content, rest) = tlv(input)?;
    if t != tag {
        return Err(DerError(what));
    }
    Ok((content, rest))
}

/// The issuer of a DER certificate.
pub fn issuer(cert_der: &[u8]) -> Result<Name, DerError> {
    let (cert, _) = expect(cert_der, 0x30, "not a SEQUENCE")?;
    let (tbs, _) = expect(cert, 0x30, "no tbsCertificate")?;
    let mut rest = tbs;
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after; // explicit version
    }
    let (_, rest) = expect(rest, 0x02, "no serial number")?;
    let (_, rest) = expect(rest, 0x30, "no signature algorithm")?;
    let (name, _) = expect(rest, 0x30, "no issuer")?;
    parse_name(name)
}

/// The subject of a DER certificate and the end of its validity (seconds since the epoch).
pub fn subject_and_not_after(cert_der: &[u8]) -> Result<(Name, u64), DerError> {
    let (cert, _) = expect(cert_der, 0x30, "not a SEQUENCE")?;
    let (tbs, _) = expect(cert, 0x30, "no tbsCertificate")?;
    let mut rest = tbs;
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after; // explicit version
    }
    let (_, rest) = expect(rest, 0x02, "no serial number")?;
    let (_, rest) = expect(rest, 0x30, "no signature algorithm")?;
    let (_, rest) = expect(rest, 0x30, "no issuer")?;
    let (validity, rest) = expect(rest, 0x30, "no validity")?;
    let (name, _) = expect(rest, 0x30, "no subject")?;
    let (_, _, after_not_before) = tlv(validity)?;
    let (ttag, time, _) = tlv(after_not_before)?;
    let not_after = parse_time(ttag, time).ok_or(DerError("bad notAfter time"))?;
    Ok((parse_name(name)?, not_after))
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), as
/// RFC 5280 requires them, to seconds since the epoch.
fn parse_time(tag: u8, t: &[u8]) -> Option<u64> {
    let digits = |b: &[u8]| -> Option<i64> {
        if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(b).ok()?.parse().ok()
    };
    let (year, rest) = match tag {
        0x17 if t.len() == 13 => {
            let yy = digits(&t[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &t[2..])
        }
        0x18 if t.len() == 15 => (digits(&t[..4])?, &t[4..]),
        _ => return None,
    };
    if rest.last() != Some(&b'Z') {
        return None;
    }
    let (mo, d, h, mi, s) = (
        digits(&rest[0..2])?,
        digits(&rest[2..4])?,
        digits(&rest[4..6])?,
        digits(&rest[6..8])?,
        digits(&rest[8..10])?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Days from the civil date (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if mo <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + s).ok()
}

fn parse_name(mut rdns: &[u8]) -> Result<Name, DerError> {
    let mut out = Name::default();
    while !rdns.is_empty() {
        let (set, rest) = expect(rdns, 0x31, "name component is not a SET")?;
        rdns = rest;
        let mut atvs = set;
        while !atvs.is_empty() {
            let (atv, rest) = expect(atvs, 0x30, "attribute is not a SEQUENCE")?;
            atvs = rest;
            let (oid, value_tlv) = expect(atv, 0x06, "attribute without type")?;
            let (vtag, value, _) = tlv(value_tlv)?;
            let label = match oid {
                [0x55, 0x04, 0x03] => "CN".to_string(),
                [0x55, 0x04, 0x0a] => "O".to_string(),
                [0x55, 0x04, 0x0b] => "OU".to_string(),
                [0x55, 0x04, 0x06] => "C".to_string(),
                [0x55, 0x04, 0x07] => "L".to_string(),
                [0x55, 0x04, 0x08] => "ST".to_string(),
                _ => continue,
            };
            out.attributes.push((label, decode_string(vtag, value)));
        }
    }
    Ok(out)
}

fn decode_string(tag: u8, bytes: &[u8]) -> String {
    match tag {
        // BMPString: UTF-16 big-endian.
        0x1e => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The issuer of a certificate signed by a CA is that CA's name, attribute by attribute.
    #[test]
    fn issuer_of_signed_certificate() {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name.push(rcgen::DnType::CountryName, "US");
        ca.distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example Corp");
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Example Issuing CA 07");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer_obj = rcgen::Issuer::new(ca, ca_key);
        let leaf = rcgen::CertificateParams::new(vec!["h.example".to_string()]).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer_obj).unwrap();
        let name = issuer(leaf_cert.der()).unwrap();
        assert_eq!(name.get("O"), Some("Example Corp"));
        assert_eq!(name.get("CN"), Some("Example Issuing CA 07"));
        assert_eq!(
            name.to_string(),
            "CN=Example Issuing CA 07, O=Example Corp, C=US"
        );
        // A self-signed certificate is its own issuer.
        assert_eq!(issuer(ca_cert.der()).unwrap(), name);
    }

    /// Subject and end of validity of a generated CA certificate; both time encodings.
    #[test]
    fn subject_and_validity() {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name = rcgen::DistinguishedName::new();
        ca.distinguished_name
            .push(rcgen::DnType::OrganizationName, "Example Corp");
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "Example Root");
        ca.not_after = rcgen::date_time_ymd(2038, 1, 15);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = ca.self_signed(&key).unwrap();
        let (name, not_after) = subject_and_not_after(cert.der()).unwrap();
        assert_eq!(name.get("CN"), Some("Example Root"));
        assert_eq!(name.get("O"), Some("Example Corp"));
        assert_eq!(not_after, 2_147_126_400); // 2038-01-15T00:00:00Z
        assert_eq!(parse_time(0x17, b"250512235900Z"), Some(1_747_094_340));
        assert_eq!(parse_time(0x18, b"20500101000000Z"), Some(2_524_608_000));
        assert_eq!(parse_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(parse_time(0x17, b"2505122359Z"), None);
        assert_eq!(parse_time(0x18, b"20501301000000Z"), None);
        assert!(subject_and_not_after(b"\x30\x03\x30\x01\x00").is_err());
    }

    /// Garbage and truncated input are errors, not panics.
    #[test]
    fn malformed_input() {
        assert!(issuer(b"").is_err());
        assert!(issuer(b"\x30\x05\x30").is_err());
        assert!(issuer(b"\x30\x84\xff\xff\xff\xff").is_err());
        assert!(issuer(b"\x04\x00").is_err());
    }
}
