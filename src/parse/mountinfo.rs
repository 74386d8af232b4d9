//! `/proc/<pid>/mountinfo` (proc(5)): one mount per line, paths with the kernel's octal escapes
//! (`\040` space, `\011` tab, `\012` newline, `\134` backslash) decoded back to their bytes.
//!
//! Bytes in, not `&str`: the kernel writes a mount point's bytes as they are, so a Latin-1 mount
//! point is not valid UTF-8, and a lossy conversion would hide exactly what the ASCII checks look
//! for. (procfs-core's parser reads the file as UTF-8 lines and keeps paths as `String`s, which
//! is why this one is written by hand.)

/// One mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    pub mount_id: u32,
    pub parent_id: u32,
    /// The device number of the mounted file system (`major:minor`).
    pub major: u32,
    pub minor: u32,
    /// The directory of the file system that is mounted (bind mounts show a subdirectory).
    pub root: Vec<u8>,
    /// Where it is mounted, decoded.
    pub mount_point: Vec<u8>,
    pub fstype: Vec<u8>,
    /// The mount source (a device, `LABEL=`, a server path, or a word like `tmpfs`), decoded.
    pub source: Vec<u8>,
    /// 1-based line number, for messages.
    pub line: usize,
}

/// A line that does not have the fields proc(5) promises.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ParseError {
    pub line: usize,
    pub reason: &'static str,
}

/// Decodes the octal escapes `\NNN` that the kernel and fstab(5) use for awkward bytes.
/// A backslash not followed by three octal digits stays as it is.
pub fn unescape_octal(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        if b == b'\\' && i + 3 < field.len() && is_octal_triplet(&field[i + 1..i + 4]) {
            let v = field[i + 1..i + 4]
                .iter()
                .fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            if v <= 0xff {
                out.push(v as u8);
                i += 4;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn is_octal_triplet(s: &[u8]) -> bool {
    s.len() == 3 && s.iter().all(|d| (b'0'..=b'7').contains(d))
}

fn number(field: &[u8]) -> Option<u32> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// Parses the whole file. Blank lines are ignored; a malformed line is an error naming it.
pub fn parse(text: &[u8]) -> Result<Vec<MountInfo>, ParseError> {
    let mut out = Vec::new();
    for (n, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let mut m = parse_line(line).map_err(|reason| ParseError {
            line: n + 1,
            reason,
        })?;
        m.line = n + 1;
        out.push(m);
    }
    Ok(out)
}

fn parse_line(line: &[u8]) -> Result<MountInfo, &'static str> {
    let fields: Vec<&[u8]> = line
        .split(|b| *b == b' ')
        .filter(|f| !f.is_empty())
        .collect();
    // Optional fields (shared:N, master:N ...) run until the lone "-" separator.
    let sep = fields
        .iter()
        .position(|f| *f == b"-")
        .ok_or("no \" - \" separator")?;
    if sep < 6 || fields.len() < sep + 3 {
        return Err("too few fields");
    }
    let mount_id = number(fields[0]).ok_or("mount id is not a number")?;
    let parent_id = number(fields[1]).ok_or("parent id is not a number")?;
    let (major, minor) = {
        let mut it = fields[2].splitn(2, |b| *b == b':');
        let ma = it.next().and_then(number);
        let mi = it.next().and_then(number);
        ma.zip(mi).ok_or("device is not major:minor")?
    };
    Ok(MountInfo {
        mount_id,
        parent_id,
        major,
        minor,
        root: unescape_octal(fields[3]),
        mount_point: unescape_octal(fields[4]),
        fstype: unescape_octal(fields[sep + 1]),
        source: unescape_octal(fields[sep + 2]),
        line: 0,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Octal escapes become bytes again: a space, a tab, a newline, a backslash; raw UTF-8 and
    /// Latin-1 bytes pass through unchanged.
    #[test]
    fn escapes_are_decoded_and_raw_bytes_kept() {
        let text = b"36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n\
40 27 0:50 / /mnt/caf\xc3\xa9\\011x rw shared:3 - tmpfs LABEL=Donn\xe9es rw\n\
41 27 0:51 / /a\\134b\\012c rw - tmpfs tmpfs rw\n";
        let m = parse(text).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].mount_point, b"/mnt/my disk");
        assert_eq!(m[0].root, b"/mnt1");
        assert_eq!((m[0].major, m[0].minor), (98, 0));
        assert_eq!(m[0].fstype, b"ext3");
        assert_eq!(m[0].source, b"/dev/root");
        assert_eq!(m[1].mount_point, b"/mnt/caf\xc3\xa9\tx");
        assert_eq!(m[1].source, b"LABEL=Donn\xe9es");
        assert_eq!(m[2].mount_point, b"/a\\b\nc");
    }

    /// A line without the separator is an error that names its line number.
    #[test]
    fn malformed_line_is_named() {
        let err =
            parse(b"22 27 0:21 / /proc rw - proc proc rw\n\n23 27 0:22 / /sys rw\n").unwrap_err();
        assert_eq!(err.line, 3);
    }

    /// A backslash that starts no octal escape is kept literally.
    #[test]
    fn lone_backslash_kept() {
        assert_eq!(unescape_octal(b"a\\x\\04"), b"a\\x\\04");
        assert_eq!(unescape_octal(b"\\101"), b"A");
    }
}
