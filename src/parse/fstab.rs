//! `/etc/fstab` (fstab(5)): the file systems an image mounts at boot. Fields are separated by
//! blanks; spaces inside a field are written `\040`. Lines with fewer than three fields are
//! skipped, as mount(8) skips them.

use super::mountinfo::unescape_octal;

/// One file system line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FstabEntry {
    /// The device: `/dev/sda1`, `UUID=...`, `LABEL=...`, `/dev/mapper/vg-root`, ...
    pub spec: Vec<u8>,
    /// The mount point.
    pub file: Vec<u8>,
    pub vfstype: String,
    pub options: String,
    /// 1-based line in the file.
    pub line: usize,
}

impl FstabEntry {
    /// Mounted at boot: not `noauto`.
    pub fn is_auto(&self) -> bool {
        !self.options.split(',').any(|o| o == "noauto")
    }
}

/// Every entry, in file order.
pub fn parse(text: &[u8]) -> Vec<FstabEntry> {
    let mut out = Vec::new();
    for (idx, raw) in text.split(|&b| b == b'\n').enumerate() {
        let fields: Vec<&[u8]> = raw
            .split(|b| *b == b' ' || *b == b'\t' || *b == b'\r')
            .filter(|f| !f.is_empty())
            .collect();
        if fields.first().is_none_or(|f| f.starts_with(b"#")) || fields.len() < 3 {
            continue;
        }
        out.push(FstabEntry {
            spec: unescape_octal(fields[0]),
            file: unescape_octal(fields[1]),
            vfstype: String::from_utf8_lossy(fields[2]).into_owned(),
            options: fields
                .get(3)
                .map(|o| String::from_utf8_lossy(o).into_owned())
                .unwrap_or_else(|| "defaults".into()),
            line: idx + 1,
        });
    }
    out
}

/// The entry mounted at `mount_point` at boot (the last one, as mount -a leaves it on top).
pub fn mounted_at<'a>(entries: &'a [FstabEntry], mount_point: &[u8]) -> Option<&'a FstabEntry> {
    entries
        .iter()
        .rev()
        .find(|e| e.file == mount_point && e.is_auto())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CentOS 7 style fstab: comments, UUIDs, LVM names, swap, tabs and escapes.
    #[test]
    fn parses_real_layout() {
        let text = b"\n#\n# /etc/fstab\n# Created by anaconda on Tue Jan  5 10:00:00 2016\n#\n\
/dev/mapper/centos-root /                       xfs     defaults        0 0\n\
UUID=0a1b2c3d-aaaa-bbbb-cccc-0123456789ab /boot                   xfs     defaults        0 0\n\
/dev/mapper/centos-swap swap                    swap    defaults        0 0\n\
LABEL=data\t/srv/my\\040data\text4\tnoauto,nofail 0 2\n\
proc /proc proc\n";
        let e = parse(text);
        assert_eq!(e.len(), 5);
        assert_eq!(
            mounted_at(&e, b"/").unwrap().spec,
            b"/dev/mapper/centos-root"
        );
        assert_eq!(mounted_at(&e, b"/boot").unwrap().vfstype, "xfs");
        assert_eq!(e[3].file, b"/srv/my data");
        assert!(
            mounted_at(&e, b"/srv/my data").is_none(),
            "noauto is not mounted at boot"
        );
        assert_eq!(e[4].options, "defaults");
        assert_eq!(e[0].line, 6);
    }
}
