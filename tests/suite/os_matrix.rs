//! The distribution and kernel checks against a fake root for every row of the seed's support
//! matrix and for the near misses around it, in `--root` mode, with a snapshot of each whole
//! JSON report (tests/snapshots/).

use crate::common;
use std::path::PathBuf;

use crate::common::{check, check_root, repo, status};
use serde_json::Value;

fn fixture(case: &str) -> PathBuf {
    repo().join("fixtures/os").join(case)
}

/// (case, os.supported, os.kernel, matrices that would accept it instead) under asr-2016.
const EXPECTED: &[(&str, &str, &str, Option<&str>)] = &[
    ("rhel-6.7", "pass", "pass", None),
    ("rhel-7.1", "pass", "pass", None),
    ("rhel-7.2", "pass", "pass", None),
    ("centos-6.5", "pass", "pass", None),
    ("centos-6.6", "pass", "pass", None),
    ("centos-6.7", "pass", "pass", None),
    ("centos-7.0", "pass", "pass", None),
    ("centos-7.1", "pass", "pass", None),
    ("centos-7.2", "pass", "pass", None),
    ("ol-6.4-rhck", "pass", "pass", None),
    ("ol-6.4-uek3", "pass", "pass", None),
    ("ol-6.5-rhck", "pass", "pass", None),
    ("ol-6.5-uek3", "pass", "pass", None),
    ("sles-11-sp3", "pass", "pass", None),
    ("rhel-6.5", "fail", "skip", Some("asr-2026")),
    ("centos-6.4", "fail", "skip", Some("asr-2026")),
    ("centos-7.3", "fail", "skip", Some("asr-2026")),
    ("ol-6.4-uek2", "pass", "fail", None),
    ("ol-6.5-uek4", "pass", "fail", Some("asr-2026")),
    ("ol-6.6-rhck", "fail", "skip", Some("asr-2026")),
    ("sles-11-sp2", "fail", "skip", None),
    ("sles-11-sp4", "fail", "skip", Some("asr-2026")),
    ("ubuntu-16.04", "fail", "skip", Some("asr-2026")),
    ("debian-8", "fail", "skip", Some("asr-2026")),
];

fn os_report(case: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--only", "os.arch,os.supported,os.kernel"];
    args.extend_from_slice(extra);
    check_root(&fixture(case), &args)
}

/// Every seed row passes, every near miss fails on the right check, exit codes follow, and a
/// failure names the other matrix that would accept the system.
#[test]
fn seed_rows_and_near_misses() {
    for (case, supported, kernel, elsewhere) in EXPECTED {
        let (code, v) = os_report(case, &[]);
        assert_eq!(status(&v, "os.arch"), "pass", "{case}");
        assert_eq!(status(&v, "os.supported"), *supported, "{case}: {v:#}");
        assert_eq!(status(&v, "os.kernel"), *kernel, "{case}: {v:#}");
        let ready = *supported == "pass" && *kernel == "pass";
        assert_eq!(code, if ready { 0 } else { 1 }, "{case}");
        assert_eq!(v["ready"], ready, "{case}");
        let failing = if *supported == "fail" {
            "os.supported"
        } else {
            "os.kernel"
        };
        let hint = check(&v, failing)["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().contains("asr-2026 matrix would accept"));
        if !ready {
            assert_eq!(hint, elsewhere.is_some(), "{case}: hint: {v:#}");
        }
    }
}

/// The report's system block carries the SPEC's normalised values for representative images.
#[test]
fn system_facts_are_normalised() {
    for (case, id, version, kernel, flavor) in [
        (
            "centos-7.1",
            "centos",
            "7.1",
            "3.10.0-229.el7.x86_64",
            "rhck",
        ),
        (
            "ol-6.5-uek3",
            "ol",
            "6.5",
            "3.8.13-35.3.1.el6uek.x86_64",
            "uek3",
        ),
        (
            "sles-11-sp3",
            "sles",
            "11.3",
            "3.0.76-0.11-default",
            "default",
        ),
        (
            "ubuntu-16.04",
            "ubuntu",
            "16.04",
            "4.4.0-210-generic",
            "generic",
        ),
        ("debian-8", "debian", "8.11", "3.16.0-11-amd64", "amd64"),
    ] {
        let (_, v) = os_report(case, &[]);
        let s = &v["system"];
        assert_eq!(s["os"]["id"], id, "{case}");
        assert_eq!(s["os"]["version"], version, "{case}");
        assert_eq!(s["kernel"]["release"], kernel, "{case}");
        assert_eq!(s["kernel"]["flavor"], flavor, "{case}");
        assert_eq!(s["arch"], "x86_64", "{case}");
        assert_eq!(v["mode"], "root");
    }
}

/// The image's /etc/os-release is an absolute link to /usr/lib/os-release: the image's file is
/// read (Debian 8), never the host's, whatever the host runs.
#[test]
fn absolute_link_reads_the_image_not_the_host() {
    let (_, v) = os_report("debian-8", &[]);
    assert_eq!(v["system"]["os"]["name"], "Debian GNU/Linux 8 (jessie)");
}

/// Hyper-V scenarios defer to Azure's list: a skip, never a pass. Azure-to-Azure has no list in
/// the seed's matrix but has one in asr-2026.
#[test]
fn scenarios_without_a_list_skip() {
    let (_, v) = os_report("centos-6.5", &["--scenario", "hyperv-to-azure"]);
    assert_eq!(status(&v, "os.supported"), "skip");
    assert_eq!(v["scenario_source"], "option");
    let (_, v) = os_report("centos-6.5", &["--scenario", "azure-to-azure"]);
    assert_eq!(status(&v, "os.supported"), "skip");
    let (_, v) = os_report(
        "centos-6.5",
        &["--scenario", "azure-to-azure", "--matrix", "asr-2026"],
    );
    assert_eq!(status(&v, "os.supported"), "pass");
    assert_eq!(status(&v, "os.kernel"), "pass");
}

/// asr-2026 applies the agent's own kernel rules: UEK R4 on OL 6.5 passes, UEK R2 fails.
#[test]
fn asr_2026_kernel_rules_on_images() {
    let (_, v) = os_report("ol-6.5-uek4", &["--matrix", "asr-2026"]);
    assert_eq!(status(&v, "os.kernel"), "pass", "{v:#}");
    let (_, v) = os_report("ol-6.4-uek2", &["--matrix", "asr-2026"]);
    assert_eq!(status(&v, "os.kernel"), "fail", "{v:#}");
    let (_, v) = os_report("ubuntu-16.04", &["--matrix", "asr-2026"]);
    assert_eq!(
        status(&v, "os.kernel"),
        "warn",
        "exact Ubuntu builds must be verified"
    );
}

/// A user's matrix file is loaded, and its errors point to the field.
#[test]
fn user_matrix_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("mine.toml");
    std::fs::write(
        &good,
        "name='mine'\ndescription='only CentOS 6.4'\nsource='ours'\n[scenarios.physical-to-azure]\npolicy='listed'\nsource='ours'\n[[os]]\nid='centos'\nname='CentOS'\nversions=['6.4']\n",
    )
    .unwrap();
    let (code, v) = os_report("centos-6.4", &["--matrix", good.to_str().unwrap()]);
    assert_eq!(v["matrix"], "mine");
    assert_eq!(status(&v, "os.supported"), "pass");
    assert_eq!(code, 0);
    let json = dir.path().join("mine.json");
    std::fs::write(&json, "{\"name\": \"j\", \"description\": \"d\", \"source\": \"s\", \"scenarios\": {\"physical-to-azure\": {\"policy\": \"listed\", \"source\": \"s\"}}, \"os\": [{\"id\": \"centos\", \"name\": \"C\", \"versions\": [\"6.5\"], \"kernels\": [{\"flavor\": \"rhck\", \"descripton\": \"typo\"}]}]}").unwrap();
    let r = common::run([
        "--root",
        fixture("centos-6.5").to_str().unwrap(),
        "--matrix",
        json.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("descripton"), "{}", r.stderr);
}

/// A matrix from a pipe is read (`--matrix <(curl ...)`); a device, a directory or a file over
/// the size cap is refused at once with exit 2 and the reason, never read forever.
#[test]
fn matrix_from_a_pipe_and_hostile_paths() {
    let root = fixture("centos-6.5");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("matrix.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let writer = {
        let fifo = fifo.clone();
        let text = std::fs::read(common::repo().join("src/matrix/data/asr-2016.toml")).unwrap();
        std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
    };
    let (code, v) = check_root(
        &root,
        &["--matrix", fifo.to_str().unwrap(), "--only", "os.supported"],
    );
    writer.join().unwrap();
    assert_eq!(v["matrix"], "asr-2016");
    assert_eq!(code, 0);

    let big = dir.path().join("big.toml");
    std::fs::write(&big, "#".repeat(5 << 20)).unwrap();
    for (path, why) in [
        ("/dev/zero", "is a device"),
        (dir.path().to_str().unwrap(), "is a directory"),
        (big.to_str().unwrap(), "larger than 4 MiB"),
    ] {
        let r = common::run(["--root", root.to_str().unwrap(), "--matrix", path]);
        assert_eq!(r.code, 2, "{path}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{path}: {}", r.stderr);
    }
}

/// A snapshot of every fixture's whole JSON report (all checks), with the temporary-free root.
#[test]
fn whole_report_snapshots() {
    for (case, ..) in EXPECTED {
        let (_, mut v) = check_root(&fixture(case), &[]);
        v["root"] = Value::String(format!("fixtures/os/{case}"));
        v["tool"]["version"] = Value::String("[version]".into());
        // The snapshots keep the names and the place they had when this file was its own test
        // binary (tests/snapshots/os_matrix__*.snap).
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!(format!("os_matrix__report-{case}"), v);
        });
    }
}
