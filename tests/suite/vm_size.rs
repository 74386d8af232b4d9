//! azure.vm-size: the Azure-to-Azure minimum VM size (2 cores, 1 GB) of asr-2026, live on this
//! machine against getconf and free, and the skips of an image and of a matrix without limits.

use std::process::Command;

use crate::common::{check, check_root, repo, run, status};

fn stdout_of(cmd: &[&str]) -> String {
    let out = Command::new(cmd[0]).args(&cmd[1..]).output().unwrap();
    assert!(out.status.success(), "{cmd:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Live: the cores the check counts are what `getconf _NPROCESSORS_ONLN` says, its MemTotal
/// is `free -m`'s total, and the verdict follows from those numbers and the 2 core / 1 GiB
/// limits (this machine's own size decides which verdict that is).
#[test]
fn live_size_agrees_with_getconf_and_free() {
    let r = run([
        "check",
        "--matrix",
        "asr-2026",
        "--scenario",
        "azure-to-azure",
        "--only",
        "azure.vm-size",
        "--format",
        "json",
    ]);
    let v = r.json();
    let c = check(&v, "azure.vm-size");
    let details = c["details"].to_string();
    let cores: u32 = stdout_of(&["getconf", "_NPROCESSORS_ONLN"])
        .trim()
        .parse()
        .unwrap();
    assert!(
        details.contains(&format!("{cores} CPU cores (from /proc/cpuinfo)")),
        "{c:#}"
    );
    let free = stdout_of(&["free", "-m"]);
    let total: u64 = free
        .lines()
        .find(|l| l.starts_with("Mem:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        details.contains(&format!("MemTotal {total} MiB (from /proc/meminfo)")),
        "{c:#}"
    );
    let online = details.contains("MiB of memory online");
    let want = if cores < 2 || (!online && (total as f64) < 768.0) {
        "fail"
    } else if !online && total < 1024 {
        "warn"
    } else {
        // With memory blocks the online total decides: read it back from the details.
        let enough = !online
            || c["details"].as_array().unwrap().iter().any(|d| {
                d.as_str()
                    .unwrap()
                    .split_once(" MiB of memory online")
                    .is_some_and(|(n, _)| n.parse::<u64>().unwrap() >= 1024)
            });
        if enough { "pass" } else { "fail" }
    };
    assert_eq!(c["status"], want, "{c:#}");
    assert!(details.contains("A2A-2026b"), "{c:#}");
}

/// An image cannot tell the size of the VM it will run as: a skip that says so, never a pass;
/// asr-2016 sets no VM size, and other scenarios do not apply.
#[test]
fn image_and_other_matrices_skip() {
    let root = repo().join("fixtures/os/ubuntu-24.04-generic");
    let (_, v) = check_root(
        &root,
        &[
            "--matrix",
            "asr-2026",
            "--scenario",
            "azure-to-azure",
            "--only",
            "azure.vm-size",
        ],
    );
    assert_eq!(status(&v, "azure.vm-size"), "skip");
    let s = check(&v, "azure.vm-size")["summary"].as_str().unwrap();
    assert!(s.contains("cannot be judged from an image"), "{s}");
    let (_, v) = check_root(
        &root,
        &["--scenario", "azure-to-azure", "--only", "azure.vm-size"],
    );
    let s = check(&v, "azure.vm-size")["summary"].as_str().unwrap();
    assert!(s.contains("asr-2016 matrix sets no minimum VM size"), "{s}");
    let (_, v) = check_root(&root, &["--matrix", "asr-2026", "--only", "azure.vm-size"]);
    let s = check(&v, "azure.vm-size")["summary"].as_str().unwrap();
    assert!(s.contains("not applicable"), "{s}");
}
