//! The running machine's size: CPU cores (`/proc/cpuinfo`, else sysconf) and memory (the online
//! memory blocks of `/sys/devices/system/memory`, which count what the VM was given, and
//! `/proc/meminfo` MemTotal, which is that less what the kernel keeps for itself). Live only:
//! an image says nothing about the size of the machine it will run as.

use std::path::Path;

use crate::root::Root;

/// One measured quantity and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured<T> {
    pub value: T,
    pub source: String,
}

/// What is known about the machine's size; all `None` in `--root` mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComputeFacts {
    pub cores: Option<Measured<u32>>,
    /// Memory the machine was given, in MiB, from its online memory blocks.
    pub installed_mib: Option<Measured<u64>>,
    /// MemTotal, in MiB.
    pub usable_mib: Option<Measured<u64>>,
    pub errors: Vec<String>,
}

const CPUINFO: &str = "/proc/cpuinfo";
const MEMINFO: &str = "/proc/meminfo";
const MEMORY_BLOCKS: &str = "/sys/devices/system/memory";

/// `live`: whether the machine is the running one (otherwise nothing is read).
pub fn gather(root: &Root, live: bool) -> ComputeFacts {
    let mut f = ComputeFacts::default();
    if !live {
        return f;
    }
    match root.read_text(Path::new(CPUINFO)) {
        Ok(t) => f.cores = cpuinfo_cores(&t).map(|n| measured(n, CPUINFO)),
        Err(e) => f.errors.push(e.to_string()),
    }
    if f.cores.is_none() && root.is_live() {
        f.cores = sysconf_cores().map(|n| measured(n, "sysconf(_SC_NPROCESSORS_ONLN)"));
    }
    match root.read_text(Path::new(MEMINFO)) {
        Ok(t) => f.usable_mib = meminfo_total_kib(&t).map(|k| measured(k / 1024, MEMINFO)),
        Err(e) => f.errors.push(e.to_string()),
    }
    f.installed_mib = memory_blocks_mib(root).map(|m| measured(m, MEMORY_BLOCKS));
    f
}

fn measured<T>(value: T, source: &str) -> Measured<T> {
    Measured {
        value,
        source: source.to_string(),
    }
}

/// The `processor : N` entries of /proc/cpuinfo (one per online logical CPU on x86).
pub fn cpuinfo_cores(text: &str) -> Option<u32> {
    let n = text
        .lines()
        .filter(|l| {
            l.split_once(':')
                .is_some_and(|(k, _)| k.trim_end() == "processor")
        })
        .count();
    u32::try_from(n).ok().filter(|&n| n > 0)
}

/// MemTotal of /proc/meminfo, in KiB.
pub fn meminfo_total_kib(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut words = line["MemTotal:".len()..].split_whitespace();
    let n: u64 = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(n)
}

fn sysconf_cores() -> Option<u32> {
    use nix::unistd::{SysconfVar, sysconf};
    let n = sysconf(SysconfVar::_NPROCESSORS_ONLN).ok()??;
    u32::try_from(n).ok().filter(|&n| n > 0)
}

/// The online `memoryN` blocks times `block_size_bytes` (hex), in MiB; `None` when the kernel
/// has no memory-block directory (no memory hotplug support) or it cannot be read.
fn memory_blocks_mib(root: &Root) -> Option<u64> {
    let dir = Path::new(MEMORY_BLOCKS);
    let size = root.read_text(&dir.join("block_size_bytes")).ok()?;
    let size = u64::from_str_radix(size.trim(), 16).ok()?;
    let mut online = 0u64;
    for e in root.read_dir(dir).ok()? {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        if !name
            .strip_prefix("memory")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        if root
            .read_text(&dir.join(name).join("online"))
            .is_ok_and(|t| t.trim() == "1")
        {
            online += 1;
        }
    }
    (online > 0).then(|| online.saturating_mul(size) / (1024 * 1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// /proc/cpuinfo as x86 kernels write it: one `processor` line per logical CPU; other
    /// keys that contain the word are not counted.
    #[test]
    fn cpuinfo_counts_processors() {
        let t = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: processor X\n\nprocessor\t: 1\n";
        assert_eq!(cpuinfo_cores(t), Some(2));
        assert_eq!(cpuinfo_cores(""), None);
    }

    #[test]
    fn meminfo_total() {
        let t = "MemTotal:        1004052 kB\nMemFree:          500000 kB\n";
        assert_eq!(meminfo_total_kib(t), Some(1_004_052));
        assert_eq!(meminfo_total_kib("MemTotal: lots\n"), None);
        assert_eq!(meminfo_total_kib("MemTotal: 5 MB\n"), None);
    }

    /// Memory blocks of a fixture tree: 8 online blocks of 128 MiB and one offline are 1 GiB;
    /// nothing is read when the machine is not the running one.
    #[test]
    fn memory_blocks_of_a_tree() {
        let dir = tempfile::tempdir().unwrap();
        let mem = dir.path().join("sys/devices/system/memory");
        std::fs::create_dir_all(&mem).unwrap();
        std::fs::write(mem.join("block_size_bytes"), "8000000\n").unwrap();
        for i in 0..9 {
            let b = mem.join(format!("memory{i}"));
            std::fs::create_dir_all(&b).unwrap();
            std::fs::write(b.join("online"), if i == 8 { "0\n" } else { "1\n" }).unwrap();
        }
        std::fs::create_dir_all(mem.join("power")).unwrap();
        let root = Root::image(dir.path()).unwrap();
        assert_eq!(memory_blocks_mib(&root), Some(1024));
        assert_eq!(gather(&root, false), ComputeFacts::default());
        let f = gather(&root, true);
        assert_eq!(f.installed_mib.unwrap().value, 1024);
        assert_eq!(f.cores, None);
        assert_eq!(f.errors.len(), 2, "{:?}", f.errors);
    }
}
