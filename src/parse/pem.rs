//! A fast reader of the plain PEM bundles CA stores ship (only `CERTIFICATE` blocks of bare
//! base64 lines, text between them). rustls-pki-types' reader decodes base64 in constant time,
//! which made the system bundle (~150 certificates, 220 KB) a third of a live check's
//! instructions; CA certificates are public, so a table lookup will do. Anything this reader
//! does not know exactly how rustls-pki-types would read (other block types, whitespace or
//! stray characters in the base64, a block left open, ...) gives `None`, and the caller
//! uses rustls-pki-types instead: for the bundles read here, both give the same DER.

/// The DER of each `CERTIFICATE` block in file order, or `None` when the bundle is not plain.
pub fn plain_certificates(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut out = Vec::new();
    // The base64 text of the open block, when one is open.
    let mut body: Option<Vec<u8>> = None;
    // Lines end at `\n` or `\r`, each on its own (as rustls-pki-types splits them).
    for line in bytes.split(|b| *b == b'\n' || *b == b'\r') {
        match &mut body {
            None if line == BEGIN => body = Some(Vec::with_capacity(2048)),
            // Another block type, or a BEGIN line written otherwise.
            None if line.starts_with(b"-----BEGIN ") => return None,
            None => {}
            Some(b) if line == END => {
                out.push(decode(b)?);
                body = None;
            }
            Some(b) => {
                if !line
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(c))
                {
                    return None;
                }
                b.extend_from_slice(line);
            }
        }
    }
    // A block that never ends is an error for rustls-pki-types: it says which.
    if body.is_some() {
        return None;
    }
    Some(out)
}

/// Standard base64 with its padding, in groups of four; `None` for anything else.
fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 4 != 0 {
        return None;
    }
    let pad = text.iter().rev().take_while(|c| **c == b'=').count();
    if pad > 2 || text[..text.len() - pad].contains(&b'=') {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for group in text.chunks_exact(4) {
        let mut v = 0u32;
        let mut n = 0;
        for &c in group {
            if c == b'=' {
                break;
            }
            v |= u32::from(value(c)?) << (18 - 6 * n);
            n += 1;
        }
        // Four symbols give three bytes, three give two, two give one.
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        match n {
            4 => out.extend_from_slice(&bytes),
            3 => out.extend_from_slice(&bytes[..2]),
            2 => out.push(bytes[0]),
            _ => return None,
        }
    }
    Some(out)
}

fn value(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;

    /// What rustls-pki-types reads: the DER of each certificate, or the first error.
    fn reference(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
        CertificateDer::pem_slice_iter(bytes)
            .map(|c| c.map(|d| d.as_ref().to_vec()).map_err(|e| e.to_string()))
            .collect()
    }

    fn bundle() -> String {
        let g2 = crate::parse::certs::tests::DIGICERT_G2;
        format!("# one\n{g2}\n# two\r\n{}", g2.replace('\n', "\r\n"))
    }

    /// A plain bundle reads as rustls-pki-types reads it.
    #[test]
    fn plain_bundle_reads_the_same() {
        let text = bundle();
        let fast = plain_certificates(text.as_bytes()).expect("plain");
        assert_eq!(fast.len(), 2);
        assert_eq!(Ok(fast), reference(text.as_bytes()));
    }

    /// Every change of one byte of a bundle (to each character that matters to PEM) is either
    /// refused here or read exactly as rustls-pki-types reads it; both sides are exercised.
    #[test]
    fn damaged_bundles_are_refused_or_read_the_same() {
        let text = bundle().into_bytes();
        let (mut same, mut refused) = (0, 0);
        for i in 0..text.len() {
            for c in [
                b'=', b' ', b'-', b'\n', b'\r', b'A', b'/', b'#', b'\t', 0xc3,
            ] {
                let mut t = text.clone();
                t[i] = c;
                match plain_certificates(&t) {
                    Some(fast) => {
                        assert_eq!(Ok(fast), reference(&t), "byte {i} set to {c:#x}");
                        same += 1;
                    }
                    None => refused += 1,
                }
            }
        }
        assert!(same > 1000 && refused > 1000, "{same} {refused}");
    }

    /// Padding: one or two `=` end a block; more, or one inside, is refused.
    #[test]
    fn padding() {
        assert_eq!(decode(b"QUJD"), Some(b"ABC".to_vec()));
        assert_eq!(decode(b"QUI="), Some(b"AB".to_vec()));
        assert_eq!(decode(b"QQ=="), Some(b"A".to_vec()));
        assert_eq!(decode(b"Q==="), None);
        assert_eq!(decode(b"QQ==QUJD"), None);
        assert_eq!(decode(b"QUJ"), None);
    }
}
