//! Golden-image use: the Packer example's provisioner commands (dist/packer/asr-preflight.pkr.hcl)
//! run as Packer runs them (`/bin/sh -e` scripts) against a release served on 127.0.0.1, and the
//! JUnit reports read by a real JUnit consumer (the junitparser library from PyPI), whose view
//! must agree with the JSON report check by check.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use crate::common::release::{Server, no_proxy, release_dir};
use crate::common::{repo, run};
use serde_json::Value;

const OS_CHECKS: &str = "os.arch,os.supported,os.kernel";

fn server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| Server::start(release_dir()))
}

fn fixture(name: &str) -> String {
    repo().join("fixtures/os").join(name).display().to_string()
}

/// Reads a JUnit file with junitparser and returns its totals and test cases.
fn junitparser(path: &Path) -> Value {
    const READER: &str = r#"
import json, sys
from junitparser import JUnitXml
xml = JUnitXml.fromfile(sys.argv[1])
suites = [xml] if xml._tag == "testsuite" else list(xml)
cases = []
for suite in suites:
    for case in suite:
        cases.append({
            "name": case.name,
            "classname": case.classname,
            "results": [type(r).__name__ for r in case.result],
            "messages": [r.message for r in case.result],
        })
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "errors": xml.errors,
                  "skipped": xml.skipped, "suites": len(suites), "cases": cases}))
"#;
    let out = Command::new("python3")
        .args(["-c", READER])
        .arg(path)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "junitparser (pip install junitparser) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reader output")
}

/// The `inline` command lists of the template's provisioners, in order, as HCL strings decoded.
fn inline_scripts() -> Vec<Vec<String>> {
    let hcl = std::fs::read_to_string(repo().join("dist/packer/asr-preflight.pkr.hcl")).unwrap();
    let mut scripts = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in hcl.lines().map(str::trim) {
        match &mut current {
            None if line.starts_with("inline") && line.ends_with('[') => current = Some(Vec::new()),
            None => {}
            Some(_) if line == "]" => scripts.push(current.take().unwrap()),
            Some(cmds) => {
                let s = line.trim_end_matches(',');
                // HCL would interpolate ${...}; the commands use shell variables only.
                assert!(!s.contains("${"), "interpolation in a command: {s}");
                cmds.push(serde_json::from_str::<String>(s).expect("an HCL string"));
            }
        }
    }
    assert_eq!(scripts.len(), 2, "expected the run step and the gate step");
    scripts
}

/// Runs one provisioner's commands as Packer's shell provisioner does: a `/bin/sh -e` script.
fn provision(lines: &[String], env: &[(&str, &str)]) -> (i32, String) {
    let mut script = String::from("#!/bin/sh -e\n");
    for l in lines {
        script.push_str(l);
        script.push('\n');
    }
    let mut c = no_proxy(Command::new("/bin/sh"));
    c.args(["-e", "-c", &script]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The Packer example on a ready and on a not-ready machine: the run step always succeeds and
/// leaves a JUnit report that junitparser reads (one test case per check, the failing check as
/// a Failure); the gate step removes the report and fails the build exactly when not ready.
#[test]
fn packer_provisioners_report_and_gate() {
    let scripts = inline_scripts();
    for (root, ready) in [("centos-6.5", true), ("centos-6.4", false)] {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("asr-preflight.xml");
        let args = format!("--root {} --only {OS_CHECKS}", fixture(root));
        let url = server().url("");
        let env = [
            ("ASR_PREFLIGHT_URL", url.as_str()),
            ("ASR_PREFLIGHT_ARGS", args.as_str()),
            ("ASR_PREFLIGHT_REPORT", report.to_str().unwrap()),
            ("TMPDIR", dir.path().to_str().unwrap()),
        ];
        let (code, out) = provision(&scripts[0], &env);
        assert_eq!(code, 0, "{root}: {out}");
        assert!(
            out.contains(&format!("exit {}", if ready { 0 } else { 1 })),
            "{out}"
        );
        let j = junitparser(&report);
        assert_eq!(j["tests"], 3, "{j}");
        assert_eq!(j["failures"], if ready { 0 } else { 1 }, "{j}");
        let names: Vec<&str> = j["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["os.arch", "os.supported", "os.kernel"]);
        if !ready {
            assert_eq!(j["cases"][1]["results"][0], "Failure", "{j}");
        }
        let (code, out) = provision(&scripts[1], &env[2..3]);
        assert_eq!(code, if ready { 0 } else { 1 }, "gate on {root}: {out}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{root}: left behind: {left:?}");
    }
}

/// A full `--root --format junit` report (every registered check) read by junitparser agrees
/// with the JSON report of the same run: same cases in the same order, fail as Failure, error as
/// Error, skip as Skipped, pass with no result, and the same totals.
#[test]
fn junit_agrees_with_json_for_a_junit_consumer() {
    for root in ["centos-6.4", "centos-6.5", "sles-11-sp3", "ubuntu-16.04"] {
        let dir = tempfile::tempdir().unwrap();
        let xml = dir.path().join("report.xml");
        let r = run([
            "--root",
            &fixture(root),
            "--format",
            "junit",
            "--output",
            xml.to_str().unwrap(),
        ]);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        let json = run(["--root", &fixture(root), "--format", "json"]).json();
        let j = junitparser(&xml);
        let checks = json["checks"].as_array().unwrap();
        let cases = j["cases"].as_array().unwrap();
        assert_eq!(cases.len(), checks.len(), "{root}");
        assert_eq!(j["tests"], checks.len());
        for (case, check) in cases.iter().zip(checks) {
            assert_eq!(case["name"], check["id"], "{root}");
            let want: &[&str] = match check["status"].as_str().unwrap() {
                "pass" => &[],
                "warn" => &[],
                "fail" => &["Failure"],
                "error" => &["Error"],
                "skip" => &["Skipped"],
                s => panic!("status {s}"),
            };
            let got: Vec<&str> = case["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert_eq!(got, want, "{root} {}: {case}", check["id"]);
            if let Some(m) = case["messages"][0].as_str() {
                assert_eq!(m, check["summary"].as_str().unwrap(), "{root}");
            }
        }
        for k in ["fail:failures", "error:errors", "skip:skipped"] {
            let (js, ju) = k.split_once(':').unwrap();
            assert_eq!(json["summary"][js], j[ju], "{root} {k}");
        }
    }
}
