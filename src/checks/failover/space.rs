//! failover.initrd-space: room in /boot and on / for the agent's installer to copy aside and
//! rebuild every initramfs.

use super::{removal_cmds, with_problems};
use crate::checks::{Context, Finding, Status};
use crate::facts::FactError;
use crate::facts::kernel_inventory::KernelInventory;
use crate::facts::space::SpaceAt;

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

/// One detail line per /boot/initr* image with its size.
fn image_sizes(inv: &KernelInventory) -> Vec<String> {
    inv.initrd_images
        .iter()
        .map(|i| match &i.link_to {
            Some(t) => format!(
                "{} -> {t}: {} (a link: copying follows it)",
                i.path,
                mib(i.size)
            ),
            None => format!("{}: {}", i.path, mib(i.size)),
        })
        .collect()
}

/// Free bytes in /boot and on /, and whether they are one file system; the error finding
/// when they cannot be measured.
fn free_space(ctx: &Context<'_>, details: &[String]) -> Result<(u64, u64, bool), Box<Finding>> {
    let (Some(boot), Some(root)) = (ctx.facts.boot_space(), ctx.facts.root_space()) else {
        return Err(Box::new(
            Finding::error("free space could not be measured (no probe of the running system)")
                .code("cannot-measure"),
        ));
    };
    let avail = |s: &SpaceAt| {
        s.space
            .as_ref()
            .map(|f| f.available_bytes())
            .map_err(|e| e.clone())
    };
    let (b, r) = match (avail(boot), avail(root)) {
        (Ok(b), Ok(r)) => (b, r),
        (Err(e), _) | (_, Err(e)) => {
            return Err(Box::new(
                Finding::error(format!("statvfs failed: {e}"))
                    .code("cannot-measure")
                    .details(details.to_vec()),
            ));
        }
    };
    let same_fs = match (&boot.mount, &root.mount) {
        (Some(bm), Some(rm)) => bm.mount_point == rm.mount_point,
        _ => boot.measured == root.measured,
    };
    Ok((b, r, same_fs))
}

/// Where the copies of `total` bytes of images (and, on one file system, the largest image
/// rebuilt beside them) do not fit: each shortfall's code and line.
fn space_shortfalls(
    (b, r, same_fs): (u64, u64, bool),
    total: u64,
    largest: u64,
    details: &mut Vec<String>,
) -> Vec<(&'static str, String)> {
    let mut short = Vec::new();
    if same_fs {
        // Copies and the image being rebuilt share one file system.
        let need = total + largest;
        details.push(format!(
            "/boot is on the / file system: {} free, {} needed (copies of all images plus the largest rebuilt one)",
            mib(r),
            mib(need)
        ));
        if r < need {
            short.push((
                "not-enough-space-root",
                format!("/ (holding /boot) has {} free, needs {}", mib(r), mib(need)),
            ));
        }
        return short;
    }
    details.push(format!(
        "/boot: {} free; /: {} free; each needs {}",
        mib(b),
        mib(r),
        mib(total)
    ));
    if b < total {
        short.push((
            "not-enough-space-boot",
            format!("/boot has {} free, needs {}", mib(b), mib(total)),
        ));
    }
    if r < total {
        short.push((
            "not-enough-space-root",
            format!("/ has {} free, needs {}", mib(r), mib(total)),
        ));
    }
    short
}

pub(super) fn check_initrd_space(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let inv = ctx.facts.kernel_inventory();
    let total = inv.initrd_total();
    let largest = inv.initrd_images.iter().map(|i| i.size).max().unwrap_or(0);
    let mut details = image_sizes(inv);
    details.extend(inv.errors.iter().map(ToString::to_string));
    if inv.initrd_images.is_empty() {
        return Ok(
            Finding::pass("no /boot/initr* images: nothing to copy or rebuild").details(details),
        );
    }
    let count = inv.initrd_images.len();
    if !ctx.facts.is_live() {
        return Ok(Finding::skip(format!(
            "free space is known only on the running system; the agent needs {} free in /boot and on / for {count} initramfs images",
            mib(total)
        ))
        .details(details));
    }
    let free = match free_space(ctx, &details) {
        Ok(free) => free,
        Err(f) => return Ok(*f),
    };
    let short = space_shortfalls(free, total, largest, &mut details);
    if short.is_empty() {
        return Ok(Finding::pass(format!(
            "room for copies of the {count} initramfs images ({} in all)",
            mib(total)
        ))
        .details(details));
    }
    let removable = removal_cmds(ctx, inv.installed().map(|k| k.release.as_str()));
    let mut fix =
        "Free space in /boot and on / (package caches, logs), or grow the file systems".to_string();
    if !removable.is_empty() {
        fix.push_str(&format!(
            "; kernels other than the one in use can go with their images: {}",
            removable.join(", ")
        ));
    }
    fix.push('.');
    let texts: Vec<&str> = short.iter().map(|s| s.1.as_str()).collect();
    let f = Finding::fail(format!(
        "not enough room to back up and rebuild the initramfs images ({}): {}",
        mib(total),
        texts.join("; ")
    ))
    .code(short[0].0);
    Ok(with_problems(f, Status::Fail, short)
        .details(details)
        .fix(fix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{FakeProbe, FsSpace};
    use crate::scenario::Scenario;
    use std::path::PathBuf;

    const MIB: u64 = 1 << 20;

    /// A root whose /boot holds two images of 30 and 20 MiB (sparse files), optionally with a
    /// captured mount table that puts /boot on the / file system; statvfs answers with the
    /// given free MiB for / and /boot.
    fn judge(root_free: u64, boot_free: u64, one_fs: bool) -> (Status, String) {
        let dir = tempfile::tempdir().unwrap();
        let boot = dir.path().join("boot");
        std::fs::create_dir_all(&boot).unwrap();
        for (name, size) in [
            ("initramfs-5.14.0-70.el9.x86_64.img", 30),
            ("initramfs-5.14.0-162.el9.x86_64.img", 20),
        ] {
            std::fs::File::create(boot.join(name))
                .unwrap()
                .set_len(size * MIB)
                .unwrap();
        }
        std::fs::write(boot.join("vmlinuz-5.14.0-70.el9.x86_64"), "k").unwrap();
        std::fs::write(boot.join("vmlinuz-5.14.0-162.el9.x86_64"), "k").unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/os-release"),
            "ID=\"rhel\"\nVERSION_ID=\"9.0\"\n",
        )
        .unwrap();
        let mut table = "22 1 8:1 / / rw,relatime shared:1 - xfs /dev/sda2 rw\n".to_string();
        if !one_fs {
            table.push_str("40 22 8:1 / /boot rw,relatime shared:2 - xfs /dev/sda1 rw\n");
        }
        std::fs::create_dir_all(dir.path().join("proc/self")).unwrap();
        std::fs::write(dir.path().join("proc/self/mountinfo"), table).unwrap();
        let space = |mib: u64| FsSpace {
            fragment_size: 4096,
            blocks: 1 << 30,
            blocks_free: mib * 256 + 10,
            blocks_available: mib * 256,
        };
        let mut probe = FakeProbe::new("5.14.0-70.el9.x86_64", "h");
        probe.space.push((PathBuf::from("/"), space(root_free)));
        probe.space.push((PathBuf::from("/boot"), space(boot_free)));
        let f = crate::checks::report_on(
            dir.path(),
            Some(probe),
            Scenario::VmwareToAzure,
            "asr-2026",
            check_initrd_space,
        );
        (
            f.status,
            format!("{} {:?} {:?}", f.summary, f.details, f.remediation),
        )
    }

    /// Separate /boot: each file system needs the 50 MiB total; one MiB short on either
    /// fails and says which. On one file system the need is the total plus the largest image.
    #[test]
    fn initrd_space_thresholds() {
        assert_eq!(judge(50, 50, false).0, Status::Pass);
        let (s, text) = judge(50, 49, false);
        assert_eq!(s, Status::Fail);
        assert!(
            text.contains("/boot has 49.0 MiB free, needs 50.0 MiB"),
            "{text}"
        );
        assert!(
            text.contains("yum remove kernel-5.14.0-162.el9.x86_64") || text.contains("Free space"),
            "{text}"
        );
        let (s, text) = judge(49, 50, false);
        assert_eq!(s, Status::Fail);
        assert!(text.contains("/ has 49.0 MiB free"), "{text}");
        assert_eq!(judge(80, 0, true).0, Status::Pass);
        let (s, text) = judge(79, 1000, true);
        assert_eq!(s, Status::Fail, "{text}");
        assert!(text.contains("needs 80.0 MiB"), "{text}");
    }
}
