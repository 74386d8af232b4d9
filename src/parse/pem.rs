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
    // The open block, when one is.
    let mut block: Option<Decoder> = None;
    let mut rest = bytes;
    loop {
        // Inside a block, the whole groups a line starts with are decoded first: the search
        // for the line's end then covers what is left of it (usually nothing).
        let decoded = block.as_mut().map_or(0, |d| d.whole_groups(rest));
        // Lines end at `\n` or `\r`, each on its own (as rustls-pki-types splits them).
        let end = decoded
            + rest[decoded..]
                .iter()
                .position(|b| *b == b'\n' || *b == b'\r')
                .unwrap_or(rest.len() - decoded);
        let line = &rest[..end];
        match &mut block {
            None if line == BEGIN => block = Some(Decoder::default()),
            // Another block type, or a BEGIN line written otherwise.
            None if line.starts_with(b"-----BEGIN ") => return None,
            None => {}
            Some(d) if decoded == 0 && line == END => {
                out.push(std::mem::take(d).finish()?);
                block = None;
            }
            Some(d) => d.line(&line[decoded..])?,
        }
        if end == rest.len() {
            break;
        }
        rest = &rest[end + 1..];
    }
    // A block that never ends is an error for rustls-pki-types: it says which.
    if block.is_some() {
        return None;
    }
    Some(out)
}

/// Standard base64 in groups of four, one or two `=` only at the very end; anything else
/// (whitespace too) is refused.
#[derive(Default)]
struct Decoder {
    der: Vec<u8>,
    /// The symbols of the group being read, and how many.
    group: u32,
    symbols: u8,
    padding: u8,
}

const INVALID: u8 = 0xff;
const PAD: u8 = 0xfe;

/// Each byte's base64 value, [`PAD`] or [`INVALID`].
const VALUES: [u8; 256] = {
    let mut t = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t[b'=' as usize] = PAD;
    t
};

impl Decoder {
    /// Decodes the groups of four base64 symbols `text` starts with (none when a group or
    /// padding is pending) and returns how many bytes of `text` they took.
    fn whole_groups(&mut self, text: &[u8]) -> usize {
        if self.symbols != 0 || self.padding != 0 {
            return 0;
        }
        // `text` is the rest of the file: it is decoded a window at a time, until a window
        // holds something else than whole groups.
        let mut taken = 0;
        loop {
            let window = &text[taken..text.len().min(taken + 256)];
            let n = self.groups_of(window);
            taken += n;
            if n == 0 || n < window.len() / 4 * 4 {
                return taken;
            }
        }
    }

    /// [`Decoder::whole_groups`] within one window (at most 256 bytes), through a buffer
    /// on the stack: one copy into the DER per window.
    fn groups_of(&mut self, text: &[u8]) -> usize {
        let mut buf = [0u8; 256 / 4 * 3];
        let mut groups = 0;
        for (chunk, bytes) in text.chunks_exact(4).zip(buf.chunks_exact_mut(3)) {
            let v = [
                VALUES[chunk[0] as usize],
                VALUES[chunk[1] as usize],
                VALUES[chunk[2] as usize],
                VALUES[chunk[3] as usize],
            ];
            if (v[0] | v[1] | v[2] | v[3]) >= 64 {
                break;
            }
            let g = u32::from(v[0]) << 18
                | u32::from(v[1]) << 12
                | u32::from(v[2]) << 6
                | u32::from(v[3]);
            bytes[0] = (g >> 16) as u8;
            bytes[1] = (g >> 8) as u8;
            bytes[2] = g as u8;
            groups += 1;
        }
        self.der.extend_from_slice(&buf[..groups * 3]);
        groups * 4
    }

    /// The rest of a line, symbol by symbol: padding, a group across lines, or a byte that is
    /// not base64 (refused).
    fn line(&mut self, line: &[u8]) -> Option<()> {
        for &c in line {
            let v = VALUES[c as usize];
            if v == INVALID {
                return None;
            }
            if v == PAD {
                self.padding += 1;
                if self.padding > 2 {
                    return None;
                }
            } else if self.padding > 0 {
                // A symbol after padding.
                return None;
            }
            self.group = self.group << 6 | u32::from(v & 0x3f);
            self.symbols += 1;
            if self.symbols == 4 {
                let bytes = [
                    (self.group >> 16) as u8,
                    (self.group >> 8) as u8,
                    self.group as u8,
                ];
                // Two symbols and two `=` give one byte, three and one give two.
                self.der
                    .extend_from_slice(&bytes[..3 - usize::from(self.padding)]);
                self.group = 0;
                self.symbols = 0;
            }
        }
        Some(())
    }

    /// The DER, when the text ended with a whole group.
    fn finish(self) -> Option<Vec<u8>> {
        (self.symbols == 0).then_some(self.der)
    }
}

/// Decodes one block's base64 text (tests).
#[cfg(test)]
fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut d = Decoder::default();
    let n = d.whole_groups(text);
    d.line(&text[n..])?;
    d.finish()
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

    /// A bundle of a thousand certificates reads as rustls-pki-types reads it, and the buffer
    /// of a certificate never grows past it (it once grew by the rest of the file per line).
    #[test]
    fn large_bundle() {
        let text = crate::parse::certs::tests::DIGICERT_G2.repeat(1000);
        let fast = plain_certificates(text.as_bytes()).expect("plain");
        assert_eq!(fast.len(), 1000);
        assert!(fast.iter().all(|d| d.capacity() < 2 * d.len()));
        assert_eq!(Ok(fast), reference(text.as_bytes()));
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
        assert_eq!(decode(b"QUI=QQ=="), None);
        assert_eq!(decode(b"QU=I"), None);
        assert_eq!(decode(b"QU J"), None);
    }
}
