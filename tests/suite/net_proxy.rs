//! `net.proxy` on fixture roots holding each proxy source in turn (/etc/environment,
//! /etc/profile, /etc/profile.d/*.sh, SLES /etc/sysconfig/proxy, the agent's ProxyInfo.conf),
//! and live with the tool's own environment; credentials stay hidden in every output format.
//! This check reads files and the environment only: no test here makes a connection.

use crate::common;
use std::process::Command;

use crate::common::{Run, Tree, bin, check, validate};
use serde_json::Value;

const PROXY_INFO: &str = "/usr/local/InMage/config/ProxyInfo.conf";

/// Each source, with a proxy URL written in its own syntax.
fn source_file(source: &str, url: &str) -> (&'static str, String) {
    match source {
        "environment" => (
            "/etc/environment",
            format!("PATH=/usr/bin\nhttp_proxy=\"{url}\"\n"),
        ),
        "profile" => (
            "/etc/profile",
            format!("if [ -x /bin/true ]; then\n  :\nfi\nexport http_proxy={url}\n"),
        ),
        "profile.d" => (
            "/etc/profile.d/corp-proxy.sh",
            format!("https_proxy='{url}'\nexport https_proxy\n"),
        ),
        "sysconfig" => (
            "/etc/sysconfig/proxy",
            format!(
                "PROXY_ENABLED=\"yes\"\nHTTP_PROXY=\"{url}\"\nNO_PROXY=\"localhost, 127.0.0.1\"\n"
            ),
        ),
        "agent" => (PROXY_INFO, format!("[proxy]\nAddress={url}\nPort=3128\n")),
        _ => unreachable!(),
    }
}

const SOURCES: [&str; 5] = ["environment", "profile", "profile.d", "sysconfig", "agent"];

fn root_with(files: &[(&str, String)]) -> Tree {
    let t = Tree::new();
    t.x86_64();
    for (p, c) in files {
        t.file(p, c);
    }
    t
}

fn proxy_check(t: &Tree) -> Value {
    let (_, v) = common::check_root(t.path(), &["--only", "net.proxy"]);
    check(&v, "net.proxy").clone()
}

fn text(c: &Value) -> String {
    serde_json::to_string(c).unwrap()
}

/// Runs the binary with exactly `env` as its environment.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .env_clear()
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run asr-preflight");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An image without any proxy passes, naming every source it looked at.
#[test]
fn no_proxy_passes() {
    let c = proxy_check(&root_with(&[]));
    assert_eq!(c["status"], "pass", "{c:#}");
    let t = text(&c);
    for p in [
        "/etc/environment",
        "/etc/profile",
        "/etc/sysconfig/proxy",
        PROXY_INFO,
    ] {
        assert!(t.contains(p), "{p} not named: {t}");
    }
}

/// An authenticated proxy fails in whichever source it is written, the source is named, and
/// the password does not appear.
#[test]
fn credentials_fail_in_every_source() {
    for source in SOURCES {
        let (path, content) = source_file(source, "http://svc-asr:W1nter2026@proxy.corp:3128");
        let c = proxy_check(&root_with(&[(path, content)]));
        assert_eq!(c["status"], "fail", "{source}: {c:#}");
        let t = text(&c);
        assert!(t.contains("authenticated"), "{source}: {t}");
        assert!(t.contains(path), "{source}: {path} not named: {t}");
        assert!(!t.contains("W1nter2026"), "{source} leaks: {t}");
        assert!(t.contains("svc-asr:***@proxy.corp"), "{source}: {t}");
    }
}

/// An https:// proxy fails in whichever source it is written.
#[test]
fn https_proxy_fails_in_every_source() {
    for source in SOURCES {
        let (path, content) = source_file(source, "https://proxy.corp:8443");
        let c = proxy_check(&root_with(&[(path, content)]));
        assert_eq!(c["status"], "fail", "{source}: {c:#}");
        assert!(
            c["summary"].as_str().unwrap().contains("HTTPS"),
            "{source}: {c:#}"
        );
    }
}

/// A plain unauthenticated HTTP proxy passes in every source, and the summary names it.
#[test]
fn plain_proxy_passes_in_every_source() {
    for source in SOURCES {
        let (path, content) = source_file(source, "http://proxy.corp:3128");
        let c = proxy_check(&root_with(&[(path, content)]));
        assert_eq!(c["status"], "pass", "{source}: {c:#}");
        assert!(
            c["summary"].as_str().unwrap().contains("proxy.corp:3128"),
            "{source}: {c:#}"
        );
    }
}

/// A SLES proxy with PROXY_ENABLED="no" is shown but not judged.
#[test]
fn disabled_sysconfig_proxy_is_not_judged() {
    let t = root_with(&[(
        "/etc/sysconfig/proxy",
        "PROXY_ENABLED=\"no\"\nHTTP_PROXY=\"https://u:pw@proxy.corp:8443\"\n".into(),
    )]);
    let c = proxy_check(&t);
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(text(&c).contains("not in effect"), "{c:#}");
}

/// Wildcards in a bypass list the agent reads warn, and the fix rewrites the list without them.
#[test]
fn wildcard_bypass_warns() {
    for (path, content, fixed) in [
        (
            PROXY_INFO,
            "[proxy]\nAddress=http://10.1.1.1\nPort=3128\nBypassList=*.blob.core.windows.net,login.microsoftonline.com\n",
            "BypassList=blob.core.windows.net,login.microsoftonline.com",
        ),
        (
            "/etc/environment",
            "http_proxy=http://10.1.1.1:3128\nno_proxy=localhost,*.windows.net\n",
            "no_proxy=localhost,windows.net",
        ),
        (
            "/etc/sysconfig/proxy",
            "PROXY_ENABLED=yes\nHTTP_PROXY=http://10.1.1.1:3128\nNO_PROXY=\"*.corp, localhost\"\n",
            "NO_PROXY=corp,localhost",
        ),
    ] {
        let c = proxy_check(&root_with(&[(path, content.to_string())]));
        assert_eq!(c["status"], "warn", "{path}: {c:#}");
        assert!(
            c["remediation"].as_str().unwrap().contains(fixed),
            "{path}: {c:#}"
        );
    }
}

/// Sources naming different proxies warn, each named with its proxy; the agent's file naming
/// none while the system files name one warns too.
#[test]
fn disagreeing_sources_warn() {
    let c = proxy_check(&root_with(&[
        (
            "/etc/environment",
            "http_proxy=http://proxy-a.corp:3128\n".into(),
        ),
        (
            PROXY_INFO,
            "[proxy]\nAddress=http://proxy-b.corp\nPort=8080\n".into(),
        ),
    ]));
    assert_eq!(c["status"], "warn", "{c:#}");
    let t = text(&c);
    assert!(t.contains("disagree"), "{t}");
    assert!(
        t.contains("proxy-a.corp:3128") && t.contains("proxy-b.corp:8080"),
        "{t}"
    );
    let c = proxy_check(&root_with(&[
        (
            "/etc/environment",
            "http_proxy=http://proxy-a.corp:3128\n".into(),
        ),
        (PROXY_INFO, "[proxy]\nBypassList=corp\n".into()),
    ]));
    assert_eq!(c["status"], "warn", "{c:#}");
    assert!(text(&c).contains("names no proxy"), "{c:#}");
}

/// A source that exists but cannot be read is an error, never a pass.
#[test]
fn unreadable_source_is_error() {
    let t = root_with(&[]);
    t.dir("/etc/environment");
    let c = proxy_check(&t);
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(text(&c).contains("/etc/environment"), "{c:#}");
}

/// With --root the tool's own environment is not a source: an authenticated proxy in it
/// changes nothing, and the report says why it is not listed.
#[test]
fn root_mode_ignores_the_environment() {
    let t = root_with(&[]);
    let root = t.path().display().to_string();
    let r = run_env(
        &[
            "check",
            "--root",
            &root,
            "--only",
            "net.proxy",
            "--format",
            "json",
        ],
        &[("https_proxy", "http://u:EnvSecret@proxy.corp:3128")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    validate(&v);
    let c = check(&v, "net.proxy");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(!r.stdout.contains("EnvSecret") && !r.stdout.contains("proxy.corp"));
    assert!(text(c).contains("--root: the image's files only"), "{c:#}");
}

/// Live, the tool's environment is a source of its own: an authenticated proxy there fails,
/// named as the environment of this run, and a proxy only there is one the agent would not see.
#[test]
fn live_environment_is_a_source() {
    let r = run_env(
        &["check", "--only", "net.proxy", "--format", "json"],
        &[("HTTPS_PROXY", "http://u:EnvSecret@proxy.corp:3128")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    validate(&v);
    let c = check(&v, "net.proxy");
    assert_eq!(c["status"], "fail", "{c:#}");
    let t = text(c);
    assert!(
        t.contains("the environment of this run: HTTPS_PROXY=http://u:***@proxy.corp:3128"),
        "{t}"
    );
    assert!(!t.contains("EnvSecret"));
    let r = run_env(
        &["check", "--only", "net.proxy", "--format", "json"],
        &[("http_proxy", "http://only-in-my-shell.corp:3128")],
    );
    let v = r.json();
    let t = text(check(&v, "net.proxy"));
    assert!(t.contains("only-in-my-shell.corp:3128"), "{t}");
    // Unless this machine's own files name the same proxy, the agent would not see it.
    assert!(
        t.contains("set only in the environment of this run") || t.contains("disagree"),
        "{t}"
    );
}

/// Credentials in every source at once, with passwords full of URL delimiters, appear in no
/// output format: human, JSON and JUnit, file output included.
#[test]
fn redaction_in_every_format() {
    let secrets = [
        "pa@ss/w:rd1",
        "Zx9!secret2",
        "tok3n-only-3",
        "sles%40pw4",
        "agent-pw5",
    ];
    let t = root_with(&[
        (
            "/etc/environment",
            format!("http_proxy=http://u1:{}@p1.corp:3128\n", secrets[0]),
        ),
        (
            "/etc/profile",
            format!(
                "export https_proxy=\"http://u2:{}@p2.corp:3128\"\n",
                secrets[1]
            ),
        ),
        (
            "/etc/profile.d/x.sh",
            format!("export http_proxy=http://{}@p3.corp:3128\n", secrets[2]),
        ),
        (
            "/etc/sysconfig/proxy",
            format!(
                "PROXY_ENABLED=\"yes\"\nHTTPS_PROXY=\"http://u4:{}@p4.corp:3128\"\n",
                secrets[3]
            ),
        ),
        (
            PROXY_INFO,
            format!(
                "[proxy]\nAddress=http://u5:{}@p5.corp\nPort=3128\n",
                secrets[4]
            ),
        ),
    ]);
    let root = t.path().display().to_string();
    // Outside the root: a report is never written into the inspected tree.
    let out_dir = tempfile::tempdir().unwrap();
    let out_file = out_dir.path().join("report.out");
    let out = out_file.display().to_string();
    for format in ["human", "json", "junit"] {
        let r = run_env(
            &[
                "check",
                "--root",
                &root,
                "--only",
                "net.proxy",
                "--format",
                format,
            ],
            &[],
        );
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        let r2 = run_env(
            &[
                "check",
                "--root",
                &root,
                "--only",
                "net.proxy",
                "--format",
                format,
                "--output",
                &out,
            ],
            &[],
        );
        assert_eq!(r2.code, 1, "{format}: {}", r2.stderr);
        let written = std::fs::read_to_string(&out_file).unwrap();
        for (what, output) in [
            ("stdout", &r.stdout),
            ("stderr", &r.stderr),
            ("--output", &written),
        ] {
            for s in secrets {
                assert!(!output.contains(s), "{format} {what} leaks {s}:\n{output}");
            }
            for shown in [
                "u1:***@p1.corp",
                "u2:***@p2.corp",
                "***@p3.corp",
                "u4:***@p4.corp",
                "u5:***@p5.corp",
            ] {
                if what != "stderr" {
                    assert!(
                        output.contains(shown),
                        "{format} {what} lacks {shown}:\n{output}"
                    );
                }
            }
        }
    }
}

/// In the Hyper-V scenarios no Site Recovery component runs in the guest: the seed's proxy rules
/// are the host's (or the VMM server's), so an authenticated or HTTPS proxy in the guest is
/// reported, never failed; in the other scenarios it still fails.
#[test]
fn hyperv_guest_proxy_is_reported_not_failed() {
    let (path, content) = source_file("environment", "http://svc-asr:W1nter2026@proxy.corp:3128");
    let t = root_with(&[(path, content)]);
    for scenario in [
        "hyperv-to-azure",
        "hyperv-vmm-to-azure",
        "hyperv-vmm-to-site",
    ] {
        let (_, v) = common::check_root(t.path(), &["--only", "net.proxy", "--scenario", scenario]);
        let c = check(&v, "net.proxy");
        assert_eq!(c["status"], "pass", "{scenario}: {c:#}");
        let s = text(c);
        assert!(s.contains("Hyper-V host or VMM server"), "{s}");
        assert!(s.contains("authenticated"), "{s}");
        assert!(s.contains("(fail)"), "{s}");
        assert!(!s.contains("W1nter2026"), "{s}");
        assert!(c["remediation"].is_null(), "{c:#}");
    }
    let (_, v) = common::check_root(
        t.path(),
        &["--only", "net.proxy", "--scenario", "azure-to-azure"],
    );
    assert_eq!(check(&v, "net.proxy")["status"], "fail");
}
