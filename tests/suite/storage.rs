//! Disk checks (`disk.size`, `disk.count`, `disk.install-space`) against what other programs
//! say about the same disks and file systems: lsblk on this machine and on util-linux's own
//! captured host trees, df and statvfs on a tmpfs mounted in a private mount namespace, and
//! fixture `sys/block` trees for the limits.

use crate::common;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{Tree, check, check_root, run, status, validate};
use serde_json::Value;

const GIB: u64 = 1 << 30;

/// `NAME: BYTES bytes (...)` detail lines of a disk check, by name.
fn reported_disks(report: &Value, id: &str) -> BTreeMap<String, u64> {
    check(report, id)["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| {
            let d = d.as_str()?;
            let (name, rest) = d.split_once(": ")?;
            let bytes = rest.split_once(" bytes")?.0.parse().ok()?;
            Some((name.to_string(), bytes))
        })
        .collect()
}

/// Whether the detail line of disk `name` marks it as the OS disk.
fn is_os_disk(report: &Value, id: &str, name: &str) -> bool {
    check(report, id)["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .any(|d| d.starts_with(&format!("{name}: ")) && d.contains(", OS disk"))
}

/// Whole disks as lsblk lists them (`-b -d -n -o NAME,SIZE,TYPE`, TYPE disk), without the
/// compressed-RAM and RAM devices that lsblk also calls disks.
fn lsblk_disks(sysroot: Option<&Path>) -> BTreeMap<String, u64> {
    let mut cmd = Command::new("lsblk");
    if let Some(r) = sysroot {
        cmd.arg("--sysroot").arg(r);
    }
    let out = cmd
        .args(["-b", "-d", "-n", "-o", "NAME,SIZE,TYPE"])
        .output()
        .expect("lsblk runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[2] == "disk").then(|| (f[0].to_string(), f[1].parse().unwrap()))
        })
        .filter(|(n, _)| !n.starts_with("zram") && !n.starts_with("ram"))
        .collect()
}

/// Live: the disks and sizes the tool reports are exactly lsblk's whole disks on this machine
/// (here /dev/vda), and the disk holding / is marked as the OS disk.
#[test]
fn live_disks_match_lsblk() {
    let r = run([
        "--only",
        "disk.size",
        "--format",
        "json",
        "--scenario",
        "vmware-to-azure",
    ]);
    let v = r.json();
    validate(&v);
    let ours = reported_disks(&v, "disk.size");
    let theirs = lsblk_disks(None);
    assert!(!theirs.is_empty(), "lsblk lists no disk");
    assert_eq!(ours, theirs, "{:#}", check(&v, "disk.size"));
    let root_src = Command::new("findmnt")
        .args(["-n", "-o", "SOURCE", "/"])
        .output()
        .unwrap();
    let root_src = String::from_utf8(root_src.stdout).unwrap();
    let root_disk = Command::new("lsblk")
        .args(["-n", "-s", "-o", "NAME,TYPE", root_src.trim()])
        .output()
        .unwrap();
    let root_disk = String::from_utf8(root_disk.stdout).unwrap();
    // lsblk -s lists the device then its parents: the disk is the line typed "disk".
    let disk = root_disk
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.last() == Some(&"disk")).then(|| {
                f[0].trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
                    .to_string()
            })
        })
        .next_back()
        .expect("the disk under /");
    assert!(
        is_os_disk(&v, "disk.size", &disk),
        "{disk} not marked as OS disk"
    );
}

/// A minimal x86_64 image with a captured mount table putting / on `root_devnum`.
fn machine(root_devnum: &str, root_dev: &str) -> Tree {
    let t = Tree::new();
    t.x86_64().mountinfo(&format!(
        "22 1 0:21 / /proc rw - proc proc rw\n27 1 {root_devnum} / / rw,relatime - xfs {root_dev} rw\n"
    ));
    t
}

/// A 2 TiB data disk breaks the seed's 1023 GiB limit and is named in the finding; the newer
/// matrix accepts it as a data disk, and says so.
#[test]
fn two_tib_data_disk() {
    let t = machine("8:1", "/dev/sda1");
    t.bios()
        .block_disk("sda", "8:0", 100 * GIB)
        .block_partition("sda", "sda1", "8:1", 99 * GIB)
        .block_disk("sdb", "8:16", 2048 * GIB);
    let (code, v) = check_root(
        t.path(),
        &["--only", "disk.size", "--scenario", "vmware-to-azure"],
    );
    assert_eq!(code, 1);
    assert_eq!(status(&v, "disk.size"), "fail");
    let c = check(&v, "disk.size");
    assert!(c["summary"].as_str().unwrap().contains("sdb"), "{c:#}");
    assert!(
        c["remediation"].as_str().unwrap().contains("2048.0 GiB"),
        "{c:#}"
    );
    assert!(
        c.to_string().contains("asr-2026 matrix would accept"),
        "{c:#}"
    );
    assert!(is_os_disk(&v, "disk.size", "sda"));
    assert_eq!(reported_disks(&v, "disk.size")["sdb"], 2048 * GIB);
    // Exactly 1023 GiB is within the limit.
    let t2 = machine("8:1", "/dev/sda1");
    t2.bios()
        .block_disk("sda", "8:0", 1023 * GIB)
        .block_partition("sda", "sda1", "8:1", GIB);
    let (_, v) = check_root(
        t2.path(),
        &["--only", "disk.size", "--scenario", "vmware-to-azure"],
    );
    assert_eq!(
        status(&v, "disk.size"),
        "pass",
        "{:#}",
        check(&v, "disk.size")
    );
    let (_, v) = check_root(
        t.path(),
        &[
            "--only",
            "disk.size",
            "--scenario",
            "vmware-to-azure",
            "--matrix",
            "asr-2026",
        ],
    );
    assert_eq!(
        status(&v, "disk.size"),
        "pass",
        "{:#}",
        check(&v, "disk.size")
    );
}

/// The newer matrix's OS-disk limit depends on the firmware: a 3 TiB OS disk fails with BIOS
/// (2,048 GiB) and passes with UEFI (4,095 GiB); unknown firmware takes the lower limit.
#[test]
fn os_disk_limit_by_firmware() {
    let build = |fw: &str| {
        let t = machine("8:1", "/dev/sda1");
        t.block_disk("sda", "8:0", 3072 * GIB)
            .block_partition("sda", "sda1", "8:1", 3000 * GIB);
        match fw {
            "bios" => {
                t.bios();
            }
            "uefi" => {
                t.uefi(false);
            }
            _ => {}
        }
        t
    };
    let args = [
        "--only",
        "disk.size",
        "--scenario",
        "vmware-to-azure",
        "--matrix",
        "asr-2026",
    ];
    for (fw, want) in [("bios", "fail"), ("uefi", "pass"), ("unknown", "fail")] {
        let t = build(fw);
        let (_, v) = check_root(t.path(), &args);
        assert_eq!(
            status(&v, "disk.size"),
            want,
            "{fw}: {:#}",
            check(&v, "disk.size")
        );
    }
}

/// Hyper-V: 16 disks pass and 17 fail with the seed's "up to 16 disks"; the 2018 Hyper-V
/// matrix counts data disks (16 besides the OS disk), so 17 pass there and 18 fail.
#[test]
fn disk_count_in_hyperv() {
    let build = |n: usize| {
        let t = machine("8:1", "/dev/sda1");
        t.bios();
        for i in 0..n {
            let name = format!("sd{}", (b'a' + i as u8) as char);
            t.block_disk(&name, &format!("8:{}", i * 16), 10 * GIB);
        }
        t.block_partition("sda", "sda1", "8:1", 9 * GIB);
        t
    };
    let run_count = |t: &Tree, matrix: &str| {
        let (_, v) = check_root(
            t.path(),
            &[
                "--only",
                "disk.count",
                "--scenario",
                "hyperv-vmm-to-azure",
                "--matrix",
                matrix,
            ],
        );
        (status(&v, "disk.count"), v)
    };
    assert_eq!(run_count(&build(16), "asr-2016").0, "pass");
    let (s, v) = run_count(&build(17), "asr-2016");
    assert_eq!(s, "fail");
    assert!(
        check(&v, "disk.count")["summary"]
            .as_str()
            .unwrap()
            .contains("17 disks"),
        "{:#}",
        check(&v, "disk.count")
    );
    assert_eq!(reported_disks(&v, "disk.count").len(), 17);
    // HV-2026 (2026-09-11): at most 64 disks including the OS disk (HV-2018 said 16 data disks).
    assert_eq!(run_count(&build(64), "asr-2026").0, "pass");
    let (s, v) = run_count(&build(65), "asr-2026");
    assert_eq!(s, "fail", "{:#}", check(&v, "disk.count"));
    // Not a Hyper-V scenario: not applicable.
    let (_, v) = check_root(
        build(17).path(),
        &["--only", "disk.count", "--scenario", "vmware-to-azure"],
    );
    assert_eq!(status(&v, "disk.count"), "skip");
}

/// Loop, device-mapper, md, zram, RAM, optical and floppy devices are not disks: they are
/// listed as not counted, and / on an LVM volume is traced through dm slaves to its disk.
#[test]
fn virtual_devices_are_not_disks() {
    let t = machine("253:0", "/dev/mapper/vg-root");
    t.bios()
        .block_disk("sda", "8:0", 20 * GIB)
        .block_partition("sda", "sda1", "8:1", GIB)
        .block_partition("sda", "sda2", "8:2", 19 * GIB)
        .block_disk("sdb", "8:16", 2048 * GIB)
        .block_dm(
            "dm-0",
            "253:0",
            19 * GIB,
            "vg-root",
            "LVM-abcdef",
            &["sda2"],
        )
        .block_virtual("loop0", "7:0", 4096 * GIB)
        .block_virtual("zram0", "252:0", 4096 * GIB)
        .block_virtual("ram0", "1:0", 4096 * GIB)
        .block_virtual("md0", "9:0", 4096 * GIB)
        .block_virtual("sr0", "11:0", GIB)
        .block_virtual("fd0", "2:0", 1474560);
    let (_, v) = check_root(
        t.path(),
        &[
            "--only",
            "disk.size,disk.count",
            "--scenario",
            "hyperv-to-azure",
            "--matrix",
            "asr-2026",
        ],
    );
    let disks = reported_disks(&v, "disk.count");
    assert_eq!(
        disks.keys().cloned().collect::<Vec<_>>(),
        ["sda", "sdb"],
        "{:#}",
        check(&v, "disk.count")
    );
    assert!(is_os_disk(&v, "disk.count", "sda"));
    let not_counted = check(&v, "disk.count")["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .find(|d| d.starts_with("not counted:"))
        .unwrap()
        .to_string();
    for n in ["loop0", "zram0", "ram0", "md0", "sr0", "fd0", "dm-0"] {
        assert!(not_counted.contains(n), "{n} missing from {not_counted}");
    }
    // The 4 TiB virtual devices do not count against the size limit; the 2 TiB data disk is
    // within asr-2026's Hyper-V data disk limit of 4,095 GiB.
    assert_eq!(
        status(&v, "disk.size"),
        "pass",
        "{:#}",
        check(&v, "disk.size")
    );
}

/// A multipath map and its two paths are one disk, named by its map.
#[test]
fn multipath_counted_once() {
    let t = machine("8:1", "/dev/sda1");
    t.bios()
        .block_disk("sda", "8:0", 20 * GIB)
        .block_partition("sda", "sda1", "8:1", 20 * GIB)
        .block_disk("sdb", "8:16", 500 * GIB)
        .block_disk("sdc", "8:32", 500 * GIB)
        .block_dm(
            "dm-1",
            "253:1",
            500 * GIB,
            "mpatha",
            "mpath-3600a0b80",
            &["sdb", "sdc"],
        );
    let (_, v) = check_root(
        t.path(),
        &["--only", "disk.count", "--scenario", "hyperv-to-azure"],
    );
    let disks = reported_disks(&v, "disk.count");
    assert_eq!(disks.len(), 2, "{:#}", check(&v, "disk.count"));
    assert!(disks.contains_key("mpatha (dm-1)"));
}

/// An offline image has no sys/block: the disk checks say skip with the reason, never pass.
#[test]
fn image_without_sys_skips() {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/fstab", "/dev/sda1 / ext4 defaults 0 1\n");
    let (_, v) = check_root(
        t.path(),
        &[
            "--only",
            "disk.size,disk.count",
            "--scenario",
            "hyperv-to-azure",
        ],
    );
    for id in ["disk.size", "disk.count"] {
        assert_eq!(status(&v, id), "skip");
        assert!(
            check(&v, id)["summary"]
                .as_str()
                .unwrap()
                .contains("sys/block")
        );
    }
}

/// The util-linux lsblk dumps, fetched once per test run into the target's cache directory.
fn dumps() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("testdata");
        let out = Command::new(common::repo().join("tests/data/util-linux-dumps.sh"))
            .arg(&cache)
            .output()
            .expect("run tests/data/util-linux-dumps.sh");
        assert!(
            out.status.success(),
            "fetching util-linux failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// lsblk's expected `basic` output of a dump: whole disks and their human sizes (`223.6G`).
fn expected_basic(dir: &Path, name: &str) -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(dir.join("expected").join(format!("lsblk-{name}-basic"))).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // NAME KNAME MAJ:MIN RM SIZE TYPE [MOUNTPOINT]
            (f.len() >= 6 && f[5] == "disk").then(|| (f[0].to_string(), f[4].to_string()))
        })
        .collect()
}

/// Real host snapshots nobody here wrote (util-linux's lsblk test dumps, a Fedora machine with
/// LVM on loop devices and NVMe): used as --root, the tool's disks equal those of lsblk reading
/// the same tree (`--sysroot`), their sizes round to lsblk's expected output, and / (sda4 in
/// the captured mountinfo) puts the OS disk on sda.
#[test]
fn util_linux_dumps_match_lsblk() {
    let dir = dumps();
    for name in ["simple-lvm", "simple-nvme"] {
        let root = dir.join(name);
        let (_, v) = check_root(
            &root,
            &[
                "--only",
                "disk.size,disk.count",
                "--scenario",
                "hyperv-to-azure",
            ],
        );
        let ours = reported_disks(&v, "disk.size");
        assert_eq!(ours, lsblk_disks(Some(&root)), "{name}");
        let expected = expected_basic(dir, name);
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "{name}"
        );
        for (disk, human) in &expected {
            let g = ours[disk] as f64 / GIB as f64;
            assert_eq!(&format!("{g:.1}G"), human, "{name} {disk}");
        }
        assert!(
            is_os_disk(&v, "disk.size", "sda"),
            "{name}: {:#}",
            check(&v, "disk.size")
        );
        assert_eq!(status(&v, "disk.count"), "pass");
    }
}

/// Runs `script` as root in a private mount namespace (`unshare -m`) and returns its stdout.
fn in_mount_namespace(script: &str, args: &[&str]) -> String {
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-ec", script, "sh"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare runs");
    assert!(
        out.status.success(),
        "namespace script failed (the test needs root, as CI has): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The available space reported for --install-dir equals statvfs's and df's on a tmpfs the
/// test mounts in a private mount namespace; below the seed's 2 GiB the check fails, above it
/// passes, and a missing install directory is measured at its nearest existing parent.
#[test]
fn install_space_on_tmpfs() {
    let mnt = tempfile::tempdir().unwrap();
    let script = r#"
mount -t tmpfs -o size="$2" asrtest "$1"
head -c 3000000 /dev/zero > "$1/filler"
"$3" --only disk.install-space --scenario vmware-to-azure --format json --install-dir "$1/ASR/sub" || true
echo '=== df'
df -B1 --output=avail "$1" | tail -n 1
echo '=== stat'
stat -f -c '%a %S' "$1"
"#;
    let bin = common::bin();
    for (size, want) in [("1g", "fail"), ("3g", "pass")] {
        let out = in_mount_namespace(
            script,
            &[mnt.path().to_str().unwrap(), size, bin.to_str().unwrap()],
        );
        let (json, rest) = out.split_once("=== df\n").unwrap();
        let (df, stat) = rest.split_once("=== stat\n").unwrap();
        let v: Value = serde_json::from_str(json).unwrap();
        validate(&v);
        let c = check(&v, "disk.install-space");
        assert_eq!(c["status"], want, "{size}: {c:#}");
        let df_avail: u64 = df.trim().parse().unwrap();
        let st: Vec<u64> = stat
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        let details: Vec<&str> = c["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        let reported: u64 = details[0]
            .strip_prefix("available: ")
            .and_then(|s| s.split_once(' '))
            .map(|(n, _)| n.parse().unwrap())
            .unwrap();
        assert_eq!(reported, df_avail, "{details:?}");
        assert_eq!(reported, st[0] * st[1], "statvfs f_bavail * f_frsize");
        assert!(
            details
                .iter()
                .any(|d| d.contains("nearest existing parent")),
            "{details:?}"
        );
        assert!(
            details
                .iter()
                .any(|d| d.starts_with("file system: asrtest on ") && d.ends_with("(tmpfs)")),
            "{details:?}"
        );
    }
}

/// On ext4 with reserved blocks, "available" is what df says (blocks an ordinary user may
/// take), not the free blocks that include root's reserve: the tool must agree with df.
#[test]
fn install_space_excludes_reserved_blocks() {
    let work = tempfile::tempdir().unwrap();
    let img = work.path().join("fs.img");
    let mnt = work.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mkfs = Command::new("sh")
        .args([
            "-ec",
            "truncate -s 64M \"$1\" && mkfs.ext4 -q -F -m 10 \"$1\"",
            "sh",
        ])
        .arg(&img)
        .output()
        .unwrap();
    assert!(
        mkfs.status.success(),
        "{}",
        String::from_utf8_lossy(&mkfs.stderr)
    );
    let script = r#"
mount -o loop "$1" "$2"
"$3" --only disk.install-space --scenario vmware-to-azure --format json --install-dir "$2" || true
echo '=== df'
df -B1 --output=avail "$2" | tail -n 1
echo '=== stat'
stat -f -c '%a %f %S' "$2"
"#;
    let out = in_mount_namespace(
        script,
        &[
            img.to_str().unwrap(),
            mnt.to_str().unwrap(),
            common::bin().to_str().unwrap(),
        ],
    );
    let (json, rest) = out.split_once("=== df\n").unwrap();
    let (df, stat) = rest.split_once("=== stat\n").unwrap();
    let v: Value = serde_json::from_str(json).unwrap();
    let c = check(&v, "disk.install-space");
    assert_eq!(c["status"], "fail", "64 MiB is below 2 GiB: {c:#}");
    let first = c["details"][0].as_str().unwrap();
    let reported: u64 = first
        .strip_prefix("available: ")
        .and_then(|s| s.split_once(' '))
        .map(|(n, _)| n.parse().unwrap())
        .unwrap();
    let st: Vec<u64> = stat
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(reported, df.trim().parse::<u64>().unwrap());
    assert!(st[1] > st[0], "the file system has reserved blocks");
    assert_ne!(reported, st[1] * st[2], "free blocks include the reserve");
}

/// With --root the free space is not judged: an image's free space is not the machine's.
#[test]
fn install_space_skips_with_root() {
    let t = Tree::new();
    t.x86_64();
    let (_, v) = check_root(
        t.path(),
        &[
            "--only",
            "disk.install-space",
            "--scenario",
            "vmware-to-azure",
        ],
    );
    assert_eq!(status(&v, "disk.install-space"), "skip");
}

/// A relative --install-dir is a usage error.
#[test]
fn relative_install_dir_is_usage_error() {
    let r = run([
        "--install-dir",
        "usr/local/ASR",
        "--only",
        "disk.install-space",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("absolute"), "{}", r.stderr);
}
