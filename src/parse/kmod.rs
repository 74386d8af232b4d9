//! Kernel module names as kmod sees them: a module file `hv_vmbus.ko` (or compressed,
//! `.ko.xz`, `.ko.gz`, `.ko.zst`) is module `hv_vmbus`, with `-` and `_` equivalent; and
//! `modules.builtin`, the list of modules compiled into the kernel image, one path per line.

/// Suffixes of module files, compressed ones included.
const SUFFIXES: &[&[u8]] = &[b".ko", b".ko.xz", b".ko.gz", b".ko.zst", b".ko.bz2"];

/// The module a file name (not a path) holds: `hv_netvsc.ko.xz` gives `hv_netvsc`.
pub fn module_name(file_name: &[u8]) -> Option<String> {
    let stem = SUFFIXES.iter().find_map(|s| file_name.strip_suffix(*s))?;
    if stem.is_empty() {
        return None;
    }
    let s = std::str::from_utf8(stem).ok()?;
    Some(canonical(s))
}

/// kmod treats `-` and `_` in module names alike.
pub fn canonical(name: &str) -> String {
    name.replace('-', "_")
}

/// The module names `modules.builtin` lists (`kernel/drivers/hv/hv_vmbus.ko` gives
/// `hv_vmbus`); blank and malformed lines are skipped.
pub fn parse_builtin(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let base = l.rsplit('/').next()?;
            module_name(base.as_bytes())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain and compressed module files name their module; other files do not.
    #[test]
    fn module_names() {
        assert_eq!(module_name(b"hv_vmbus.ko").as_deref(), Some("hv_vmbus"));
        assert_eq!(
            module_name(b"hv_storvsc.ko.xz").as_deref(),
            Some("hv_storvsc")
        );
        assert_eq!(
            module_name(b"hv_netvsc.ko.zst").as_deref(),
            Some("hv_netvsc")
        );
        assert_eq!(
            module_name(b"pci-hyperv.ko.gz").as_deref(),
            Some("pci_hyperv")
        );
        assert_eq!(module_name(b"modules.builtin"), None);
        assert_eq!(module_name(b".ko"), None);
        assert_eq!(module_name(b"hv_vmbus.ko.sig"), None);
    }

    /// modules.builtin lines are paths relative to the module directory.
    #[test]
    fn builtin_list() {
        let text = "kernel/drivers/hv/hv_vmbus.ko\nkernel/drivers/scsi/hv_storvsc.ko\n\nkernel/fs/ext4/ext4.ko\n";
        assert_eq!(parse_builtin(text), ["hv_vmbus", "hv_storvsc", "ext4"]);
    }
}
