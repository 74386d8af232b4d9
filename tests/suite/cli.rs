//! The command line as users and scripts meet it: exit codes, usage errors, the informational
//! commands, and the three report formats.

use crate::common;
use crate::common::{Tree, run, validate};

/// A missing --root is exit 2 with a message that names it.
#[test]
fn missing_root_is_usage_error() {
    let r = run(["check", "--root", "/nonexistent/image"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/image"), "{}", r.stderr);
    let t = Tree::new();
    t.file("/afile", "x");
    let r = run([
        "--root".into(),
        t.path().join("afile").display().to_string(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a directory"), "{}", r.stderr);
}

/// Unknown check ids, options and scenarios are usage errors (exit 2).
#[test]
fn usage_errors() {
    for args in [
        vec!["check", "--only", "no.such-check"],
        vec!["check", "--skip", "os.arch,bogus"],
        vec!["--scenario", "mars-to-azure"],
        vec!["--no-such-option"],
        vec!["explain", "no.such-check"],
        vec!["matrix", "--matrix", "asr-1999"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty(), "{args:?} printed no message");
    }
}

/// `list --format json` names every check once with its scenarios and live-only flag.
#[test]
fn list_json() {
    let r = run(["list", "--format", "json"]);
    assert_eq!(r.code, 0);
    let v = r.json();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for id in ["os.arch", "os.supported", "os.kernel"] {
        assert!(ids.contains(&id), "{id} not listed");
    }
    assert!(v[0]["scenarios"].is_array() && v[0]["live_only"].is_boolean());
}

/// `explain` gives the requirement, the source and the fix of a check.
#[test]
fn explain_has_source_and_fix() {
    let r = run(["explain", "os.kernel"]);
    assert_eq!(r.code, 0);
    for part in [
        "What it checks",
        "Why",
        "How to fix",
        "Source",
        "seeds/000",
        "UEK",
    ] {
        assert!(r.stdout.contains(part), "missing {part}:\n{}", r.stdout);
    }
}

/// `matrix` shows both built-in matrices; JSON round-trips the data.
#[test]
fn matrix_command() {
    let r = run(["matrix"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("asr-2016") && r.stdout.contains("6.7"));
    let j = run(["matrix", "--matrix", "asr-2026", "--format", "json"]).json();
    assert_eq!(j["name"], "asr-2026");
}

/// `version --format json` reports version, target, commit and profile.
#[test]
fn version_json() {
    let v = run(["version", "--format", "json"]).json();
    for k in ["version", "target", "commit", "profile"] {
        assert!(v[k].as_str().is_some_and(|s| !s.is_empty()), "{k}: {v}");
    }
}

fn centos65() -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/redhat-release", "CentOS release 6.5 (Final)\n")
        .file("/etc/centos-release", "CentOS release 6.5 (Final)\n")
        .file("/etc/sysconfig/network", "NETWORKING=yes\nHOSTNAME=web01.example.com\n")
        .file(
            "/boot/grub/grub.conf",
            "default=0\ntitle CentOS (2.6.32-431.el6.x86_64)\n\tkernel /vmlinuz-2.6.32-431.el6.x86_64 ro root=UUID=1\n",
        )
        .dir("/lib/modules/2.6.32-431.el6.x86_64");
    t
}

/// The same run in three formats: JSON validates, JUnit has one testcase per check, and the
/// human report lists problems before passes and ends with a verdict.
#[test]
fn three_formats_from_one_model() {
    let t = centos65();
    let root = t.path().display().to_string();
    let j = run([
        "--root",
        &root,
        "--format",
        "json",
        "--only",
        "os.supported,os.kernel,os.arch",
    ]);
    assert_eq!(j.code, 0, "{}", j.stdout);
    let v = j.json();
    validate(&v);
    assert_eq!(v["summary"]["pass"], 3);
    let x = run([
        "--root",
        &root,
        "--format",
        "junit",
        "--only",
        "os.supported,os.kernel,os.arch",
    ]);
    assert_eq!(x.code, 0);
    assert_eq!(x.stdout.matches("<testcase ").count(), 3);
    assert!(x.stdout.starts_with("<?xml"));
    let h = run(["--root", &root, "--color", "never"]);
    assert!(h.stdout.contains("READY") && h.stdout.contains("web01.example.com"));
    assert!(!h.stdout.contains("\x1b["), "colour without a terminal");
    let forced = run(["--root", &root, "--color", "always"]);
    assert!(
        forced.stdout.contains("\x1b["),
        "--color always gave no colour"
    );
}

/// Exit 1 when a check fails; --strict turns warnings into not-ready; --output writes the file.
#[test]
fn exit_codes_and_output_file() {
    let t = centos65();
    t.file("/etc/redhat-release", "CentOS release 6.4 (Final)\n")
        .file("/etc/centos-release", "CentOS release 6.4 (Final)\n");
    let root = t.path().display().to_string();
    let r = run(["--root", &root, "--only", "os.supported"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // Outside the root: a report is never written into the inspected tree.
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("report.xml");
    let r = run([
        "--root",
        &root,
        "--format",
        "junit",
        "--output",
        &out.display().to_string(),
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    assert!(std::fs::read_to_string(&out).unwrap().contains("<failure"));
}

/// `--output` naming a FIFO (as `--output >(gzip > r.gz)` does) or a directory: the FIFO gets
/// the report and stays a FIFO; a directory is a usage error that names it.
#[test]
fn output_into_a_fifo_or_a_directory() {
    let t = centos65();
    let root = t.path().display().to_string();
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("report.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = fifo.display().to_string();
    let r = run(["--root", &root, "--format", "json", "--output", &out]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    validate(&report);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);

    let dir = d.path().display().to_string();
    let r = run(["--root", &root, "--output", &dir]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
}

/// On a terminal (a pty made by `script`), human output is coloured unless NO_COLOR is set or
/// `--color never` is given.
#[test]
fn colour_follows_the_terminal_and_no_color() {
    let t = centos65();
    let root = t.path().display().to_string();
    let on_pty = |env: &str, extra: &str| {
        let cmd = format!(
            "{env} {} --root {root} --only os.arch {extra}",
            common::bin().display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("NO_COLOR")
            .output()
            .expect("script(1) from util-linux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(on_pty("env -u NO_COLOR", "").contains("\x1b[32m"));
    assert!(!on_pty("env NO_COLOR=1", "").contains("\x1b[32m"));
    assert!(!on_pty("env -u NO_COLOR", "--color never").contains("\x1b[32m"));
    assert!(on_pty("env NO_COLOR=1", "--color always").contains("\x1b[32m"));
}
