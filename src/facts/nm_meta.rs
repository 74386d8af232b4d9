//! NetworkManager's `.nmmeta` tombstones (its keyfile plugin, src/core/settings/plugins/keyfile
//! nms-keyfile-utils.c, read through the search tool). The rule, in our words:
//! - when a user deletes a profile NetworkManager cannot delete (its file is in read-only
//!   /usr/lib, or it deletes in memory only), it leaves a marker named `UUID.nmmeta` in
//!   /etc/NetworkManager/system-connections (or in /run's directory for in-memory deletions);
//! - the marker is a symbolic link whose target is exactly `/dev/null`, or a regular keyfile
//!   with group `[nmmeta]`, `uuid=` the same UUID as the name and `loaded-path=/dev/null`;
//! - the name must be a UUID NetworkManager accepts (32 hex digits with four dashes, or 40
//!   without), the marker owned by root, a regular one with no group/other permission;
//! - a marker whose target is a keyfile maps the UUID to that file; it hides nothing;
//! - markers in /usr/lib are not read (nms-keyfile-plugin.c skips them in read-only dirs);
//! - NetworkManager orders a UUID's files by directory (/run, /etc, /usr/lib), and within one
//!   directory a marker before a keyfile (nms-keyfile-storage.c): so a tombstone hides the
//!   profile of that UUID in its own directory and in every directory of lower priority.

use std::path::Path;

use crate::parse::gkeyfile::KeyFile;
use crate::root::{FileKind, Root};

/// Where a tombstone's link points.
const NULL: &str = "/dev/null";

/// Whether `s` is a UUID as NetworkManager's `nm_utils_is_uuid` takes one.
fn is_uuid(s: &str) -> bool {
    let dashes = s.bytes().filter(|&b| b == b'-').count();
    s.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
        && ((dashes == 4 && s.len() == 36) || (dashes == 0 && s.len() == 40))
}

/// The UUID a `UUID.nmmeta` name is about, if it is such a name.
pub fn uuid_of(name: &str) -> Option<&str> {
    name.strip_suffix(".nmmeta").filter(|u| is_uuid(u))
}

/// The UUID `dir/name` is a tombstone of, if it is one. Markers NetworkManager would not
/// read (wrong owner or mode, no `[nmmeta]` data) are no tombstone.
pub fn tombstone(
    root: &Root,
    dir: &str,
    name: &str,
) -> Result<Option<String>, crate::root::ReadError> {
    let Some(uuid) = uuid_of(name) else {
        return Ok(None);
    };
    let path = format!("{dir}/{name}");
    let Some(st) = root.stat_nofollow(Path::new(&path))? else {
        return Ok(None);
    };
    if st.uid != 0 {
        return Ok(None);
    }
    let points_to_null = match st.kind {
        FileKind::Symlink => root.read_link(Path::new(&path))?.as_os_str() == NULL,
        FileKind::File if st.mode & 0o077 == 0 => {
            let text = root.read_text(Path::new(&path))?;
            KeyFile::parse(&text).is_ok_and(|kf| {
                kf.string("nmmeta", "uuid").as_deref() == Some(uuid)
                    && kf.string("nmmeta", "loaded-path").as_deref() == Some(NULL)
            })
        }
        _ => false,
    };
    Ok(points_to_null.then(|| uuid.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_names() {
        assert_eq!(
            uuid_of("5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03.nmmeta"),
            Some("5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03")
        );
        assert!(uuid_of("5FB06BD0-0BB0-7FFB-45F1-D6EDD65F3E03.nmmeta").is_some());
        assert!(uuid_of("0123456789012345678901234567890123456789.nmmeta").is_some());
        // wrong length, wrong dash count, a non-hex letter, no suffix, a temporary file
        for bad in [
            "5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e0.nmmeta",
            "5fb06bd0-0bb0-7ffb-45f1d-6edd65f3e03.nmmeta-",
            "5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03-.nmmeta",
            "5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e0g.nmmeta",
            "5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03",
            "5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03.nmmeta~",
            "0123456789-12345678901234567890123456789.nmmeta",
        ] {
            assert_eq!(uuid_of(bad), None, "{bad}");
        }
    }
}
