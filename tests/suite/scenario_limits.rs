//! The disk limits of every scenario on sys/block trees, at each boundary: OS disk by firmware
//! (BIOS = Hyper-V generation 1, UEFI = generation 2), data disk size, the 1 GiB minimum and
//! the disk counts, for asr-2026 (VMW-2026, A2A-2026b, HV-2026) and the seed's asr-2016.

use crate::common::{Tree, check, check_root, status};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// `sd` names as the kernel gives them: sda..sdz, sdaa, sdab, ...
fn sd(i: usize) -> String {
    if i < 26 {
        format!("sd{}", (b'a' + i as u8) as char)
    } else {
        format!(
            "sd{}{}",
            (b'a' + (i / 26 - 1) as u8) as char,
            (b'a' + (i % 26) as u8) as char
        )
    }
}

/// The device number of the i-th SCSI disk (majors 8, 65..71, 16 disks each).
fn devnum(i: usize) -> String {
    let major = if i < 16 { 8 } else { 65 + (i - 16) / 16 };
    format!("{major}:{}", (i % 16) * 16)
}

/// An image whose / is on sda1 (an OS disk of `os` bytes) with `data` more disks of `size`
/// bytes, on BIOS or UEFI firmware.
fn machine(uefi: bool, os: u64, data: usize, size: u64) -> Tree {
    let t = Tree::new();
    t.x86_64().mountinfo(
        "22 1 0:21 / /proc rw - proc proc rw\n27 1 8:1 / / rw,relatime - xfs /dev/sda1 rw\n",
    );
    if uefi {
        t.uefi(false);
    } else {
        t.bios();
    }
    t.block_disk("sda", "8:0", os)
        .block_partition("sda", "sda1", "8:1", os.min(GIB));
    for i in 1..=data {
        t.block_disk(&sd(i), &devnum(i), size);
    }
    t
}

fn verdict(t: &Tree, id: &str, scenario: &str, matrix: &str) -> String {
    let (_, v) = check_root(
        t.path(),
        &["--only", id, "--scenario", scenario, "--matrix", matrix],
    );
    let s = status(&v, id);
    eprintln!(
        "{matrix} {scenario} {id}: {s}: {}",
        check(&v, id)["summary"]
    );
    s
}

/// (scenario, BIOS OS-disk limit, UEFI OS-disk limit) in GiB under asr-2026.
const OS_LIMITS_2026: &[(&str, u64, u64)] = &[
    ("vmware-to-azure", 2048, 4095),
    ("physical-to-azure", 2048, 4095),
    ("azure-to-azure", 4095, 4095),
    ("hyperv-to-azure", 2048, 4095),
    ("hyperv-vmm-to-azure", 2048, 4095),
];

/// The OS disk at and one GiB over each scenario's limit, with BIOS and with UEFI.
#[test]
fn os_disk_by_firmware_in_every_scenario() {
    for &(scenario, bios, uefi) in OS_LIMITS_2026 {
        for (fw, limit) in [(false, bios), (true, uefi)] {
            let at = machine(fw, limit * GIB, 0, 0);
            assert_eq!(
                verdict(&at, "disk.size", scenario, "asr-2026"),
                "pass",
                "{scenario} uefi={fw}"
            );
            let over = machine(fw, (limit + 1) * GIB, 0, 0);
            assert_eq!(
                verdict(&over, "disk.size", scenario, "asr-2026"),
                "fail",
                "{scenario} uefi={fw}"
            );
        }
    }
    // VMM to a customer site: no Azure disk limits in either matrix.
    let huge = machine(false, 5000 * GIB, 1, 40_000 * GIB);
    for matrix in ["asr-2016", "asr-2026"] {
        assert_eq!(
            verdict(&huge, "disk.size", "hyperv-vmm-to-site", matrix),
            "skip"
        );
    }
}

/// Data disks: 32,767 GiB pass and 32,768 GiB fail in every Azure scenario of asr-2026, and
/// a disk under the 1 GiB minimum fails where the document sets one (VMware/physical, A2A).
#[test]
fn data_disk_size_and_minimum() {
    for &(scenario, ..) in OS_LIMITS_2026 {
        let at = machine(true, 100 * GIB, 1, 32_767 * GIB);
        assert_eq!(
            verdict(&at, "disk.size", scenario, "asr-2026"),
            "pass",
            "{scenario}"
        );
        let over = machine(true, 100 * GIB, 1, 32_768 * GIB);
        assert_eq!(
            verdict(&over, "disk.size", scenario, "asr-2026"),
            "fail",
            "{scenario}"
        );
        let small = machine(true, 100 * GIB, 1, 1023 * MIB);
        let want = if scenario.starts_with("hyperv") {
            "pass"
        } else {
            "fail"
        };
        assert_eq!(
            verdict(&small, "disk.size", scenario, "asr-2026"),
            want,
            "{scenario}"
        );
    }
    // The seed: 1023 GiB for every disk in the Azure scenarios it covers.
    for scenario in [
        "vmware-to-azure",
        "physical-to-azure",
        "hyperv-vmm-to-azure",
    ] {
        let at = machine(false, 100 * GIB, 1, 1023 * GIB);
        assert_eq!(
            verdict(&at, "disk.size", scenario, "asr-2016"),
            "pass",
            "{scenario}"
        );
        let over = machine(false, 100 * GIB, 1, 1024 * GIB);
        assert_eq!(
            verdict(&over, "disk.size", scenario, "asr-2016"),
            "fail",
            "{scenario}"
        );
    }
}

/// Disk counts: 64 data disks pass and 65 fail for VMware, physical and Azure-to-Azure
/// (VMW-2026, A2A-2026b); Hyper-V counts the OS disk (64 in all, HV-2026); the seed's 16
/// Hyper-V disks; no limit (skip) where the matrix sets none.
#[test]
fn disk_counts_in_every_scenario() {
    let m64 = machine(false, 100 * GIB, 64, 10 * GIB);
    let m65 = machine(false, 100 * GIB, 65, 10 * GIB);
    let m63 = machine(false, 100 * GIB, 63, 10 * GIB);
    for scenario in ["vmware-to-azure", "physical-to-azure", "azure-to-azure"] {
        assert_eq!(
            verdict(&m64, "disk.count", scenario, "asr-2026"),
            "pass",
            "{scenario}"
        );
        assert_eq!(
            verdict(&m65, "disk.count", scenario, "asr-2026"),
            "fail",
            "{scenario}"
        );
        assert_eq!(
            verdict(&m65, "disk.count", scenario, "asr-2016"),
            "skip",
            "{scenario}"
        );
    }
    for scenario in ["hyperv-to-azure", "hyperv-vmm-to-azure"] {
        assert_eq!(
            verdict(&m63, "disk.count", scenario, "asr-2026"),
            "pass",
            "{scenario}"
        );
        assert_eq!(
            verdict(&m64, "disk.count", scenario, "asr-2026"),
            "fail",
            "{scenario}"
        );
        let m15 = machine(false, 100 * GIB, 15, 10 * GIB);
        let m16 = machine(false, 100 * GIB, 16, 10 * GIB);
        assert_eq!(
            verdict(&m15, "disk.count", scenario, "asr-2016"),
            "pass",
            "{scenario}"
        );
        assert_eq!(
            verdict(&m16, "disk.count", scenario, "asr-2016"),
            "fail",
            "{scenario}"
        );
    }
    assert_eq!(
        verdict(&m65, "disk.count", "hyperv-vmm-to-site", "asr-2026"),
        "skip"
    );
}
