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

/// Runs the binary with `args` and the environment variable `ASR_PREFLIGHT_TODAY=today`.
fn run_on_day(today: &str, args: &[&str]) -> common::Run {
    common::run_within(
        std::process::Command::new(common::bin())
            .args(args)
            .env("NO_COLOR", "1")
            .env("ASR_PREFLIGHT_TODAY", today),
        std::time::Duration::from_secs(300),
    )
}

fn waivers_file(dir: &std::path::Path, body: &str) -> String {
    let p = dir.join("waivers.toml");
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

/// A waived failure keeps its status, is marked waived with its reason, and no longer makes the
/// machine not ready; a host glob that does not match, or an expired waiver, waives nothing and
/// the report says so (stale; expired with its date).
#[test]
fn waivers_match_hosts_and_expire() {
    let root = common::repo().join("fixtures/os/centos-6.4");
    let root = root.display().to_string();
    let t = tempfile::tempdir().unwrap();
    let base = [
        "check",
        "--root",
        &root,
        "--only",
        "os.arch,os.supported",
        "--format",
        "json",
    ];
    let r = run_on_day("2026-12-03", &base);
    assert_eq!(r.code, 1, "os.supported fails on CentOS 6.4: {}", r.stdout);

    let file = waivers_file(
        t.path(),
        "[[waiver]]\ncode = \"os.supported\"\nhosts = [\"guest01.*\"]\nreason = \"moving to 6.5 in Q1\"\nexpires = \"2027-01-31\"\n",
    );
    let mut args = base.to_vec();
    args.extend(["--waivers", &file]);
    let r = run_on_day("2027-01-31", &args);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    validate(&v);
    let c = common::check(&v, "os.supported");
    assert_eq!(c["status"], "fail", "a waiver keeps the status");
    assert_eq!(c["waived"]["reason"], "moving to 6.5 in Q1");
    assert_eq!(c["waived"]["expires"], "2027-01-31");
    assert_eq!(v["waivers"]["applied"], 1);
    assert_eq!(v["waivers"]["today"], "2027-01-31");
    assert_eq!(
        v["summary"]["fail"], 1,
        "the summary still counts the failure"
    );

    // The day after its expiry date the waiver no longer applies, and the report says when it ended.
    let r = run_on_day("2027-02-01", &args);
    assert_eq!(r.code, 1);
    let v = r.json();
    validate(&v);
    assert!(common::check(&v, "os.supported").get("waived").is_none());
    assert_eq!(v["waivers"]["expired"][0]["expires"], "2027-01-31");
    let mut human = base.to_vec();
    human.truncate(base.len() - 2);
    human.extend(["--waivers", &file]);
    let r = run_on_day("2027-02-01", &human);
    assert!(
        r.stdout.contains("expired 2027-01-31: os.supported"),
        "{}",
        r.stdout
    );

    // A glob that names other hosts: nothing waived, the waiver is reported stale.
    let file = waivers_file(
        t.path(),
        "[[waiver]]\ncode = \"os.supported\"\nhosts = [\"web-*\"]\nreason = \"r\"\nexpires = \"2030-01-01\"\n",
    );
    let mut args = base.to_vec();
    args.extend(["--waivers", &file]);
    let r = run_on_day("2026-12-03", &args);
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v["waivers"]["stale"][0]["code"], "os.supported");
    assert_eq!(v["waivers"]["applied"], 0);

    // A broken waivers file or clock is a usage error, not a silently ignored file.
    let bad = waivers_file(
        t.path(),
        "[[waiver]]\ncode = \"os.supported\"\nreason = \"r\"\n",
    );
    let mut args = base.to_vec();
    args.extend(["--waivers", &bad]);
    assert_eq!(run_on_day("2026-12-03", &args).code, 2);
    args.pop();
    args.push(&file);
    assert_eq!(run_on_day("03/12/2026", &args).code, 2);
}

/// A waived error is shown as waived in every format and does not block a normal run, but
/// `--strict` still counts it: an error means the check could not look.
#[test]
fn waived_error_still_counts_under_strict() {
    let root = common::repo().join("fixtures/os/centos-7.2");
    let root = root.display().to_string();
    let t = tempfile::tempdir().unwrap();
    let file = waivers_file(
        t.path(),
        "[[waiver]]\ncode = \"ssh.autostart\"\nreason = \"sshd started by the orchestrator\"\nexpires = \"2030-01-01\"\n",
    );
    let base = [
        "check",
        "--root",
        &root,
        "--only",
        "os.arch,ssh.autostart",
        "--waivers",
        &file,
    ];
    let plain = run_on_day("2026-12-03", &base);
    assert_eq!(plain.code, 0, "{}", plain.stdout);
    assert!(
        plain.stdout.contains("ERROR ssh.autostart"),
        "{}",
        plain.stdout
    );
    assert!(
        plain
            .stdout
            .contains("WAIVED until 2030-01-01: sshd started by the orchestrator")
    );
    let mut strict = base.to_vec();
    strict.push("--strict");
    let r = run_on_day("2026-12-03", &strict);
    assert_eq!(r.code, 1, "--strict counts a waived error: {}", r.stdout);
    assert!(
        r.stdout.contains("--strict counts a waived error"),
        "{}",
        r.stdout
    );
    let mut junit = base.to_vec();
    junit.extend(["--format", "junit"]);
    let r = run_on_day("2026-12-03", &junit);
    assert!(
        r.stdout.contains("WAIVED error until 2030-01-01"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("<error "), "{}", r.stdout);
    junit.push("--strict");
    let r = run_on_day("2026-12-03", &junit);
    assert!(r.stdout.contains("<error "), "{}", r.stdout);
}

/// `--format prometheus` is accepted by promtool (Debian's prometheus package) and says what
/// the JSON says: readiness and one state-set gauge per check.
#[test]
fn prometheus_metrics_pass_promtool() {
    let root = common::repo().join("fixtures/os/centos-6.4");
    let root = root.display().to_string();
    let r = run(["check", "--root", &root, "--format", "prometheus"]);
    assert_eq!(r.code, 1);
    let lint = common::pipe(&["promtool", "check", "metrics"], r.stdout.as_bytes(), None);
    assert!(
        lint.is_empty(),
        "promtool: {}",
        String::from_utf8_lossy(&lint)
    );
    assert!(
        r.stdout
            .contains("asr_preflight_ready{scenario=\"physical-to-azure\",matrix=\"asr-2016\"} 0"),
        "{}",
        r.stdout
    );
    let v = run(["check", "--root", &root, "--format", "json"]).json();
    for c in v["checks"].as_array().unwrap() {
        let line = format!(
            "asr_preflight_check_status{{check=\"{}\",status=\"{}\"}} 1\n",
            c["id"].as_str().unwrap(),
            c["status"].as_str().unwrap()
        );
        assert!(r.stdout.contains(&line), "missing {line}");
    }
    assert!(r.stdout.contains("asr_preflight_run_seconds "));
}

/// JUnit carries the finding codes: every coded problem line of the JSON report appears, with its
/// code and status, in the body of its check's testcase (read back with an XML parser).
#[test]
fn junit_shows_finding_codes() {
    let t = centos65();
    t.file("/etc/redhat-release", "CentOS release 6.4 (Final)\n")
        .file("/etc/centos-release", "CentOS release 6.4 (Final)\n");
    let root = t.path().display().to_string();
    let j = run(["--root", &root, "--format", "json"]).json();
    let x = run(["--root", &root, "--format", "junit"]);
    let doc = roxmltree::Document::parse(&x.stdout).expect("JUnit is XML");
    let mut seen = 0;
    for c in j["checks"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let case = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(id))
            .unwrap_or_else(|| panic!("no testcase {id}"));
        let body: String = case
            .descendants()
            .filter(|n| n.is_text())
            .map(|n| n.text().unwrap_or(""))
            .collect();
        for f in c["findings"].as_array().into_iter().flatten() {
            let line = format!(
                "[{}] {}: {}",
                f["code"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
                f["text"].as_str().unwrap()
            );
            assert!(body.contains(&line), "{id}: {line:?} not in {body:?}");
            seen += 1;
        }
    }
    assert!(seen > 0, "the fixture gave no coded problem: {}", x.stdout);
    assert!(x.stdout.contains("[os.supported/"), "{}", x.stdout);
}
