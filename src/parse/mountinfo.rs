//! `/proc/PID/mountinfo` (proc(5)): one line per mount. Paths are bytes with the kernel's octal
//! escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash) decoded; every other byte
//! is kept as it is, because mount points may be any bytes but NUL.

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    pub mount_id: u32,
    pub parent_id: u32,
    pub major: u32,
    pub minor: u32,
    /// The directory of the file system that is mounted (`/` unless a bind mount of a subtree).
    pub root: Vec<u8>,
    pub mount_point: Vec<u8>,
    pub fstype: String,
    /// The mount source, e.g. `/dev/sda1`, `tmpfs`.
    pub source: Vec<u8>,
    /// 1-based line in the file.
    pub line: usize,
}

/// A line that is not a mountinfo record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct MountInfoError {
    pub line: usize,
    pub reason: &'static str,
}

/// Every mount, in file order (a later mount on the same point hides an earlier one).
pub fn parse(text: &[u8]) -> Result<Vec<MountInfo>, MountInfoError> {
    let mut out = Vec::new();
    for (idx, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = idx + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let err = |reason| MountInfoError { line, reason };
        let fields: Vec<&[u8]> = raw
            .split(|&b| b == b' ')
            .filter(|f| !f.is_empty())
            .collect();
        let sep = fields
            .iter()
            .position(|f| *f == b"-")
            .ok_or(err("no ' - ' separator"))?;
        if sep < 6 || fields.len() < sep + 3 {
            return Err(err("too few fields"));
        }
        let num = |f: &[u8]| -> Option<u32> { std::str::from_utf8(f).ok()?.parse().ok() };
        let (major, minor) = {
            let mm = std::str::from_utf8(fields[2]).map_err(|_| err("bad major:minor"))?;
            let (a, b) = mm.split_once(':').ok_or(err("bad major:minor"))?;
            (
                a.parse().map_err(|_| err("bad major:minor"))?,
                b.parse().map_err(|_| err("bad major:minor"))?,
            )
        };
        out.push(MountInfo {
            mount_id: num(fields[0]).ok_or(err("bad mount id"))?,
            parent_id: num(fields[1]).ok_or(err("bad parent id"))?,
            major,
            minor,
            root: unescape_octal(fields[3]),
            mount_point: unescape_octal(fields[4]),
            fstype: String::from_utf8_lossy(fields[sep + 1]).into_owned(),
            source: unescape_octal(fields[sep + 2]),
            line,
        });
    }
    Ok(out)
}

/// The mount that holds `path` (bytes, absolute): the last mount whose mount point is the
/// longest prefix of `path` on a component boundary.
pub fn containing<'a>(mounts: &'a [MountInfo], path: &[u8]) -> Option<&'a MountInfo> {
    let mut best: Option<&MountInfo> = None;
    for m in mounts {
        let mp = m.mount_point.as_slice();
        let covers =
            mp == b"/" || path == mp || (path.starts_with(mp) && path.get(mp.len()) == Some(&b'/'));
        if covers && best.is_none_or(|b| mp.len() >= b.mount_point.len()) {
            best = Some(m);
        }
    }
    best
}

/// Decodes the `\NNN` octal escapes used by mountinfo and fstab.
pub fn unescape_octal(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\'
            && i + 3 < field.len()
            && field[i + 1..i + 4]
                .iter()
                .all(|d| (b'0'..=b'7').contains(d))
        {
            let v = (field[i + 1] - b'0') as u32 * 64
                + (field[i + 2] - b'0') as u32 * 8
                + (field[i + 3] - b'0') as u32;
            if v <= 255 {
                out.push(v as u8);
                i += 4;
                continue;
            }
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"22 27 0:21 / /proc rw,relatime - proc proc rw\n\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n\
82 27 8:2 / /boot rw,relatime shared:31 master:2 - xfs /dev/sda2 rw\n\
90 27 8:17 / /mnt/with\\040space\\134x rw - ext4 /dev/sdb1 rw\n";

    /// Fields, optional fields of any number, and octal escapes in mount points.
    #[test]
    fn parses_fields_and_escapes() {
        let m = parse(SAMPLE).unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!((m[1].major, m[1].minor), (254, 0));
        assert_eq!(m[1].mount_point, b"/");
        assert_eq!(m[1].fstype, "ext4");
        assert_eq!(m[2].fstype, "xfs");
        assert_eq!(m[2].source, b"/dev/sda2");
        assert_eq!(m[3].mount_point, b"/mnt/with space\\x");
        assert_eq!(m[3].line, 4);
    }

    /// The containing mount is the longest mount-point prefix on a component boundary.
    #[test]
    fn containing_mount() {
        let m = parse(SAMPLE).unwrap();
        assert_eq!(containing(&m, b"/boot/grub").unwrap().fstype, "xfs");
        assert_eq!(containing(&m, b"/bootx").unwrap().fstype, "ext4");
        assert_eq!(
            containing(&m, b"/usr/local/ASR").unwrap().source,
            b"/dev/vda"
        );
        assert_eq!(containing(&m, b"/proc").unwrap().fstype, "proc");
    }

    /// Garbage is an error with its line number, not a silently short list.
    #[test]
    fn bad_lines_are_errors() {
        let e = parse(b"22 27 0:21 / /proc rw\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(parse(b"x y a:b / / rw - ext4 /dev/x rw\n").is_err());
    }

    /// Non-UTF-8 bytes survive untouched; a lone backslash is kept.
    #[test]
    fn raw_bytes_survive() {
        let m = parse(b"30 27 8:3 / /srv/d\xe9j\xe0 rw - xfs /dev/sda3 rw\n").unwrap();
        assert_eq!(m[0].mount_point, b"/srv/d\xe9j\xe0");
        assert_eq!(unescape_octal(b"/m\xff\\0"), b"/m\xff\\0");
        assert_eq!(unescape_octal(b"a\\011b\\012"), b"a\tb\n");
    }
}
