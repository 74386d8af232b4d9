//! The issuer name of an X.509 certificate (DER), which is all the outbound check needs to say
//! who signed the certificate a server presented. A small DER walker instead of a full X.509
//! crate: certificate -> tbsCertificate -> [version] serial signature issuer.

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

    /// Garbage and truncated input are errors, not panics.
    #[test]
    fn malformed_input() {
        assert!(issuer(b"").is_err());
        assert!(issuer(b"\x30\x05\x30").is_err());
        assert!(issuer(b"\x30\x84\xff\xff\xff\xff").is_err());
        assert!(issuer(b"\x04\x00").is_err());
    }
}
