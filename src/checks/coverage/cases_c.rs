//! Coverage cases for the checks coded in batch c: the ASCII names, the clock, the trust
//! store, agent clones and the Azure-to-Azure guest (kept apart from the other tables so that
//! work on different checks does not edit the same lines).

use std::path::PathBuf;

use super::{Case, case};
use crate::checks::CheckOptions;

const FSTAB: &str = "/etc/fstab";
const FSTAB_PLAIN: (&str, &str) = (FSTAB, "/dev/sda1 / ext4 defaults 0 1\n");
/// A link to itself: whatever is read through it cannot be.
const SYS_BLOCK_LOOP: (&str, &str) = ("/sys/block", "/sys/block");

fn scan(paths: &[&str]) -> CheckOptions {
    CheckOptions {
        scan: Some(paths.iter().map(PathBuf::from).collect()),
        ..CheckOptions::default()
    }
}

fn scan_data() -> CheckOptions {
    scan(&["/data"])
}

fn scan_data_and_loop() -> CheckOptions {
    scan(&["/data", "/loop"])
}

fn scan_locked() -> CheckOptions {
    scan(&["/data/locked"])
}

fn scan_missing() -> CheckOptions {
    scan(&["/missing"])
}

fn scan_file() -> CheckOptions {
    scan(&["/data/file"])
}

const DATA_OK: (&str, &str) = ("/data/ok", "");
const DATA_NON_ASCII: (&str, &str) = ("/data/d\u{e4}t\u{e4}", "");
const IN_LOCKED: (&str, &str) = ("/data/locked/x", "");

pub(super) const ASCII_CASES: &[Case] = &[
    // ascii.mount-points (an image: /etc/fstab)
    Case {
        files: &[FSTAB_PLAIN],
        ..case("ascii.mount-points")
    },
    // A non-ASCII mount point, and two that differ only by case.
    Case {
        files: &[(
            FSTAB,
            "/dev/sda1 / ext4 defaults 0 1\n/dev/sdb1 /d\u{e4}t\u{e4} ext4 defaults 0 2\n/dev/sdc1 /data ext4 defaults 0 2\n/dev/sdd1 /DATA ext4 defaults 0 2\n",
        )],
        ..case("ascii.mount-points")
    },
    Case {
        files: &[(
            FSTAB,
            "/dev/sdc1 /data ext4 defaults 0 2\n/dev/sdd1 /DATA ext4 defaults 0 2\n",
        )],
        ..case("ascii.mount-points")
    },
    // /etc/fstab is a directory.
    Case {
        files: &[("/etc/fstab/x", "")],
        ..case("ascii.mount-points")
    },
    // ascii.device-names
    Case {
        files: &[FSTAB_PLAIN],
        ..case("ascii.device-names")
    },
    // A non-ASCII label, two labels equal but for case, and /sys/block unreadable.
    Case {
        files: &[(
            FSTAB,
            "LABEL=d\u{e4}t\u{e4} /a ext4 defaults 0 2\nLABEL=Data /b ext4 defaults 0 2\nLABEL=DATA /c ext4 defaults 0 2\n",
        )],
        links: &[SYS_BLOCK_LOOP],
        ..case("ascii.device-names")
    },
    Case {
        files: &[(
            FSTAB,
            "LABEL=Data /b ext4 defaults 0 2\nLABEL=DATA /c ext4 defaults 0 2\n",
        )],
        ..case("ascii.device-names")
    },
    Case {
        files: &[FSTAB_PLAIN],
        links: &[SYS_BLOCK_LOOP],
        ..case("ascii.device-names")
    },
    // ascii.system-paths, with --scan
    Case {
        files: &[DATA_OK],
        options: Some(scan_data),
        ..case("ascii.system-paths")
    },
    // A non-ASCII name, and a directory that cannot be read.
    Case {
        files: &[DATA_NON_ASCII, IN_LOCKED],
        locked: &["/data/locked"],
        options: Some(scan_data),
        ..case("ascii.system-paths")
    },
    // A non-ASCII name, and a path to scan that is a link to itself.
    Case {
        files: &[DATA_NON_ASCII],
        links: &[("/loop", "/loop")],
        options: Some(scan_data_and_loop),
        ..case("ascii.system-paths")
    },
    Case {
        files: &[DATA_OK, IN_LOCKED],
        locked: &["/data/locked"],
        options: Some(scan_data),
        ..case("ascii.system-paths")
    },
    // The directory to scan cannot be opened; one that does not exist.
    Case {
        files: &[IN_LOCKED],
        locked: &["/data/locked"],
        options: Some(scan_locked),
        ..case("ascii.system-paths")
    },
    Case {
        files: &[DATA_OK],
        options: Some(scan_missing),
        ..case("ascii.system-paths")
    },
    // Only a file to scan: its name is judged, nothing is walked.
    Case {
        files: &[("/data/file", "")],
        options: Some(scan_file),
        ..case("ascii.system-paths")
    },
];

pub(super) const CASES: &[Case] = &[];
