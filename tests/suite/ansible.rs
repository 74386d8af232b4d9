//! The Ansible role (dist/ansible/roles/asr_preflight) through the example playbook, run by real
//! ansible-core against localhost with a local connection. The target's Python interpreter is set
//! to a path that does not exist, so any task needing Python on the target would fail: the runs
//! prove the role works on guests without (a usable) Python, as RHEL 6 guests are. Ready and
//! not-ready machines come from fixture roots via asr_preflight_args.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::common::release::{Server, no_proxy, release_dir};
use crate::common::{repo, validate};
use serde_json::{Value, json};

const ASSET: &str = "asr-preflight-linux-x86_64";
const OS_CHECKS: &str = "os.arch,os.supported,os.kernel";

/// Serves the release as `/latest/` and as `/VERSION/`.
fn server() -> &'static Server {
    static S: OnceLock<(tempfile::TempDir, Server)> = OnceLock::new();
    &S.get_or_init(|| {
        let site = tempfile::tempdir().unwrap();
        for name in ["latest", env!("CARGO_PKG_VERSION")] {
            std::os::unix::fs::symlink(release_dir(), site.path().join(name)).unwrap();
        }
        let server = Server::start(site.path());
        (site, server)
    })
    .1
}

fn ansible_playbook() -> PathBuf {
    let py = Command::new("python3")
        .args([
            "-c",
            "import sys, os; print(os.path.dirname(sys.executable))",
        ])
        .output()
        .expect("python3");
    let beside = PathBuf::from(String::from_utf8_lossy(&py.stdout).trim()).join("ansible-playbook");
    if beside.is_file() {
        return beside;
    }
    PathBuf::from("ansible-playbook")
}

fn fixture(name: &str) -> String {
    repo().join("fixtures/os").join(name).display().to_string()
}

struct Played {
    code: i32,
    output: String,
    /// The report the role saved on the controller from the fact asr_preflight_report.
    report: Option<Value>,
    /// What was left in the target's TMPDIR.
    leftovers: Vec<String>,
}

/// Runs dist/ansible/playbook.yml against the host `guest` (local connection, no Python) with
/// `vars` as extra variables.
fn play(vars: Value) -> Played {
    let scratch = tempfile::tempdir().unwrap();
    let s = scratch.path();
    let inventory = s.join("inventory");
    std::fs::write(
        &inventory,
        "guest ansible_connection=local ansible_python_interpreter=/nonexistent/python2.6\n",
    )
    .unwrap();
    let tmp = s.join("target-tmp");
    std::fs::create_dir(&tmp).unwrap();
    let saved = s.join("reports");
    let mut vars = vars;
    vars["asr_preflight_save_to"] = json!(saved.display().to_string());
    let mut c = no_proxy(Command::new(ansible_playbook()));
    c.arg("-i")
        .arg(&inventory)
        .arg(repo().join("dist/ansible/playbook.yml"))
        .arg("-e")
        .arg(vars.to_string())
        .current_dir(s)
        .env("ANSIBLE_HOME", s.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", s.join("ansible-local"))
        .env("ANSIBLE_REMOTE_TMP", s.join("ansible-remote"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
        .env_remove("ANSIBLE_CONFIG")
        .env("TMPDIR", &tmp);
    let out = c
        .output()
        .expect("run ansible-playbook (pip install ansible-core)");
    let report = std::fs::read_to_string(saved.join("guest.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).expect("saved report is JSON"));
    Played {
        code: out.status.code().unwrap_or(-1),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        report,
        leftovers: std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
    }
}

fn binary() -> String {
    release_dir().join(ASSET).display().to_string()
}

fn ids(report: &Value) -> Vec<&str> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

fn assert_ok(p: &Played) {
    assert_eq!(p.code, 0, "{}", p.output);
    assert!(p.output.contains("failed=0"), "{}", p.output);
    assert!(
        p.leftovers.is_empty(),
        "left on the target: {:?}",
        p.leftovers
    );
}

/// A ready machine (binary from a local file): the play succeeds, asr_preflight_report is the
/// parsed report of that root with exactly the selected checks, and nothing is left behind.
#[test]
fn ready_machine_from_local_binary() {
    let root = fixture("centos-6.5");
    let p = play(json!({
        "asr_preflight_binary": binary(),
        "asr_preflight_args": ["--root", root, "--only", OS_CHECKS],
    }));
    assert_ok(&p);
    let r = p.report.expect("no report saved");
    validate(&r);
    assert_eq!(r["ready"], true);
    assert_eq!(r["mode"], "root");
    assert_eq!(r["root"], root.as_str());
    assert_eq!(r["system"]["os"]["id"], "centos");
    assert_eq!(r["system"]["os"]["version"], "6.5");
    assert_eq!(ids(&r), ["os.arch", "os.supported", "os.kernel"]);
    // The example playbook's summary reads the fact.
    assert!(p.output.contains("guest: ready"), "{}", p.output);
}

/// A machine that is not ready fails the host, naming the failing check, after the report was
/// set and saved.
#[test]
fn not_ready_machine_fails_the_host() {
    let p = play(json!({
        "asr_preflight_binary": binary(),
        "asr_preflight_args": ["--root", fixture("centos-6.4"), "--only", OS_CHECKS],
    }));
    assert_eq!(p.code, 2, "{}", p.output);
    assert!(p.output.contains("guest is not ready"), "{}", p.output);
    assert!(p.output.contains("os.supported"), "{}", p.output);
    let r = p.report.expect("report saved before failing");
    assert_eq!(r["ready"], false);
    assert_eq!(r["summary"]["fail"], 1);
    assert!(p.leftovers.is_empty(), "{:?}", p.leftovers);
}

/// asr_preflight_fail_when_not_ready: false lets the play go on with the not-ready report.
#[test]
fn failure_switch_off() {
    let p = play(json!({
        "asr_preflight_binary": binary(),
        "asr_preflight_args": ["--root", fixture("centos-6.4"), "--only", OS_CHECKS],
        "asr_preflight_fail_when_not_ready": false,
    }));
    assert_ok(&p);
    let r = p.report.expect("report");
    assert_eq!(r["ready"], false);
    assert!(p.output.contains("guest: NOT ready"), "{}", p.output);
}

/// From the installer URL (served on 127.0.0.1): the target downloads install.sh, which
/// downloads, verifies and runs the binary once; the args may be one string; a version pin
/// through "{version}" works.
#[test]
fn from_installer_url() {
    let root = fixture("centos-6.5");
    let p = play(json!({
        "asr_preflight_url": server().url("/latest/"),
        "asr_preflight_args": format!("--root {root} --only {OS_CHECKS}"),
    }));
    assert_ok(&p);
    let r = p.report.expect("report");
    validate(&r);
    assert_eq!(r["ready"], true);
    assert_eq!(ids(&r), ["os.arch", "os.supported", "os.kernel"]);

    let pinned = |version: &str| {
        play(json!({
            "asr_preflight_url": server().url("/{version}"),
            "asr_preflight_version": version,
            "asr_preflight_args": ["--root", fixture("centos-6.4"), "--only", OS_CHECKS],
            "asr_preflight_fail_when_not_ready": false,
        }))
    };
    let p = pinned(env!("CARGO_PKG_VERSION"));
    assert_ok(&p);
    assert_eq!(p.report.expect("report")["ready"], false);
    // A version the server does not have: a clear failure, not a report.
    let p = pinned("9.9.9");
    assert_eq!(p.code, 2, "{}", p.output);
    assert!(p.output.contains("could not run"), "{}", p.output);
    assert!(p.output.contains("404"), "{}", p.output);
    assert!(p.report.is_none());
}

/// When asr-preflight cannot run (a --root that does not exist: exit 2), the host fails with
/// the tool's own message instead of a parse error, and no report is set.
#[test]
fn could_not_run_is_reported() {
    let p = play(json!({
        "asr_preflight_binary": binary(),
        "asr_preflight_args": ["--root", "/nonexistent/image"],
    }));
    assert_eq!(p.code, 2, "{}", p.output);
    assert!(
        p.output.contains("could not run on guest (exit 2)"),
        "{}",
        p.output
    );
    assert!(p.output.contains("/nonexistent/image"), "{}", p.output);
    assert!(p.report.is_none());
    let p = play(json!({}));
    assert_eq!(p.code, 2);
    assert!(p.output.contains("Set exactly one of"), "{}", p.output);
}

/// Plays dist/ansible/playbook.yml on `hosts` inventory hosts (local connection, no Python on
/// the targets), half of them on a ready fixture and half on a not-ready one, with the role's
/// fleet report and `vars`; returns the exit code, the output and the directory it used.
fn play_fleet(hosts: usize, vars: Value) -> (i32, String, tempfile::TempDir) {
    let scratch = tempfile::tempdir().unwrap();
    let s = scratch.path();
    let mut inventory = String::from("[fleet]\n");
    for i in 0..hosts {
        let root = if i % 2 == 0 {
            "centos-6.5"
        } else {
            "centos-6.4"
        };
        // Host variables in INI are literal strings: one string of arguments.
        inventory.push_str(&format!(
            "vm-{i:02} asr_preflight_args=\"--root {} --only {OS_CHECKS}\"\n",
            fixture(root)
        ));
    }
    inventory.push_str(
        "[fleet:vars]\nansible_connection=local\nansible_python_interpreter=/nonexistent/python2.6\n",
    );
    std::fs::write(s.join("inventory"), inventory).unwrap();
    std::fs::create_dir(s.join("target-tmp")).unwrap();
    let mut vars = vars;
    vars["asr_preflight_save_to"] = json!(s.join("reports").display().to_string());
    // The binary under test runs on this machine, so the dynamically linked build serves.
    vars["asr_preflight_binary"] = json!(crate::common::bin().display().to_string());
    // The example playbook sets asr_preflight_args at play level; inventory host variables must
    // win here, so the playbook is a copy without that line.
    let book = std::fs::read_to_string(repo().join("dist/ansible/playbook.yml")).unwrap();
    let book = book.replace(
        "  vars:\n    asr_preflight_args: [\"--scenario\", \"vmware-to-azure\"]\n",
        "",
    );
    assert!(
        !book.contains("asr_preflight_args:"),
        "playbook changed: {book}"
    );
    std::fs::write(s.join("playbook.yml"), book).unwrap();
    std::os::unix::fs::symlink(repo().join("dist/ansible/roles"), s.join("roles")).unwrap();
    let out = no_proxy(Command::new(ansible_playbook()))
        .arg("-i")
        .arg(s.join("inventory"))
        .arg(s.join("playbook.yml"))
        .arg("-e")
        .arg(vars.to_string())
        .current_dir(s)
        .env("ANSIBLE_HOME", s.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", s.join("ansible-local"))
        .env("ANSIBLE_REMOTE_TMP", s.join("ansible-remote"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
        .env("ANSIBLE_FORKS", "10")
        .env_remove("ANSIBLE_CONFIG")
        .env("TMPDIR", s.join("target-tmp"))
        .env("ASR_PREFLIGHT_TODAY", "2026-12-03")
        .output()
        .expect("run ansible-playbook (pip install ansible-core)");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), output, scratch)
}

/// Twenty inventory hosts write twenty reports and, once, after all of them (and before the
/// not-ready hosts are failed), one fleet report on the controller whose counts match.
#[test]
fn fleet_report_of_twenty_hosts() {
    let (code, output, dir) = play_fleet(20, json!({"asr_preflight_fleet_report": "fleet.json"}));
    assert_eq!(code, 2, "ten hosts are not ready: {output}");
    let saved = std::fs::read_dir(dir.path().join("reports"))
        .unwrap()
        .count();
    assert_eq!(saved, 20, "{output}");
    assert_eq!(
        output
            .matches("write the fleet report on the controller")
            .count(),
        1,
        "{output}"
    );
    let fleet: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("fleet.json")).expect("fleet.json"),
    )
    .unwrap();
    assert_eq!(fleet["totals"]["hosts"], 20);
    assert_eq!(fleet["totals"]["ready"], 10);
    assert_eq!(fleet["totals"]["not_ready"], 10);
    assert_eq!(fleet["totals"]["unreadable"], 0);
    // Problems are keyed by finding code where the check names them.
    assert_eq!(fleet["problems"][0]["key"], "os.supported/not-listed");
    assert_eq!(fleet["problems"][0]["hosts"], 10);
    let mut paths: Vec<String> = fleet["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            h["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    paths.sort();
    let expected: Vec<String> = (0..20).map(|i| format!("vm-{i:02}.json")).collect();
    assert_eq!(paths, expected);
}

/// asr_preflight_waivers reaches every host: the waived failure keeps its status, the hosts are
/// ready, and the HTML fleet report counts the waived problem.
#[test]
fn waivers_file_for_every_host() {
    let t = tempfile::tempdir().unwrap();
    let waivers = t.path().join("waivers.toml");
    std::fs::write(
        &waivers,
        "# accepted until the upgrade\n[[waiver]]\ncode = \"os.supported\"\nhosts = [\"guest01.*\"]\nreason = \"6.4 hosts move to 6.5 in Q1; it's planned\"\nexpires = \"2027-03-31\"\n",
    )
    .unwrap();
    let (code, output, dir) = play_fleet(
        20,
        json!({
            "asr_preflight_fleet_report": "fleet.html",
            "asr_preflight_waivers": waivers.display().to_string(),
        }),
    );
    assert_eq!(code, 0, "{output}");
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports/vm-01.json")).unwrap(),
    )
    .unwrap();
    validate(&r);
    let c = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "os.supported")
        .unwrap();
    assert_eq!(c["status"], "fail");
    assert_eq!(
        c["waived"]["reason"],
        "6.4 hosts move to 6.5 in Q1; it's planned"
    );
    assert_eq!(r["ready"], true);
    let html = std::fs::read_to_string(dir.path().join("fleet.html")).unwrap();
    assert!(html.contains("id=\"ready-count\">20<"), "{html}");
    assert!(
        html.contains("<td>os.supported/not-listed</td><td class=\"num\">10</td>"),
        "{html}"
    );
}
