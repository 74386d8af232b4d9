//! `/etc/fstab` (fstab(5)): device, mount point, type and options per line, fields separated by
//! blanks, `\040`-style octal escapes for spaces inside a field, `#` comments.
//!
//! Bytes in, like [`super::mountinfo`]: an image's fstab may name a Latin-1 mount point, and the
//! ASCII checks must see its bytes, not a replacement character.

use super::mountinfo::unescape_octal;

/// One fstab entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FstabEntry {
    /// 1-based line number, for messages.
    pub line: usize,
    /// The device: `/dev/sda1`, `UUID=…`, `LABEL=…`, `server:/export`, `tmpfs`…
    pub spec: Vec<u8>,
    /// The mount point (`none` or `swap` for swap areas).
    pub file: Vec<u8>,
    pub vfstype: Vec<u8>,
    pub options: Vec<u8>,
}

impl FstabEntry {
    /// Swap areas have no mount point.
    pub fn is_swap(&self) -> bool {
        self.vfstype == b"swap"
    }

    /// Mounted at boot: not `noauto`.
    pub fn is_auto(&self) -> bool {
        !self.options.split(|b| *b == b',').any(|o| o == b"noauto")
    }
}

/// The entry mounted at `mount_point` at boot (the last one, as mount -a leaves it on top).
pub fn mounted_at<'a>(entries: &'a [FstabEntry], mount_point: &[u8]) -> Option<&'a FstabEntry> {
    entries
        .iter()
        .rev()
        .find(|e| e.file == mount_point && e.is_auto())
}

/// A line with a device but no mount point.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: &'static str,
}

/// Parses an fstab. Blank and comment lines are skipped; the type and options default as
/// mount(8) defaults them when they are missing.
pub fn parse(text: &[u8]) -> Result<Vec<FstabEntry>, ParseError> {
    let mut out = Vec::new();
    for (n, raw) in text.split(|b| *b == b'\n').enumerate() {
        let line = raw.trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let mut fields = line
            .split(|b| *b == b' ' || *b == b'\t')
            .filter(|f| !f.is_empty());
        let spec = fields.next().map(unescape_octal).unwrap_or_default();
        let Some(file) = fields.next().map(unescape_octal) else {
            return Err(ParseError {
                line: n + 1,
                reason: "no mount point field",
            });
        };
        let vfstype = fields
            .next()
            .map(<[u8]>::to_vec)
            .unwrap_or_else(|| b"auto".to_vec());
        let options = fields
            .next()
            .map(<[u8]>::to_vec)
            .unwrap_or_else(|| b"defaults".to_vec());
        out.push(FstabEntry {
            line: n + 1,
            spec,
            file,
            vfstype,
            options,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Comments and blank lines are skipped, escapes decoded, tabs separate fields, non-UTF-8
    /// bytes are kept.
    #[test]
    fn entries_with_escapes_and_raw_bytes() {
        let text = b"# /etc/fstab\n\nUUID=1234 /  ext4 defaults 1 1\n\
LABEL=My\\040Data\t/srv/my\\040data\txfs\tnofail 0 2\n\
/dev/sdb1 /srv/caf\xe9 ext4 defaults\n\
/dev/mapper/vg-swap none swap sw 0 0\n";
        let e = parse(text).unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].spec, b"UUID=1234");
        assert_eq!(e[0].line, 3);
        assert_eq!(e[1].spec, b"LABEL=My Data");
        assert_eq!(e[1].file, b"/srv/my data");
        assert_eq!(e[1].vfstype, b"xfs");
        assert_eq!(e[2].file, b"/srv/caf\xe9");
        assert!(e[3].is_swap());
    }

    /// A device with no mount point is an error naming the line.
    #[test]
    fn missing_mount_point() {
        assert_eq!(parse(b"ok / ext4\n/dev/sda2\n").unwrap_err().line, 2);
    }
}
