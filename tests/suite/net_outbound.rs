//! `net.outbound` against servers the tests start on 127.0.0.1 (see tests/netsrv): a verified
//! HTTPS endpoint, a CONNECT proxy, a proxy answering 407, a listener that never answers TLS, a
//! full accept queue that swallows connection attempts, and a closed port. The tool's
//! environment is cleared and always names `no_proxy` or a local proxy, so neither this
//! machine's proxy settings nor any test sends traffic anywhere but loopback.

use crate::common;
use crate::netsrv;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Run, Tree, bin, check, validate};
use crate::netsrv::TestCa;
use serde_json::Value;

const TEST_CA_VAR: &str = "ASR_PREFLIGHT_TEST_CA";

/// Runs the binary with exactly `env` as its environment.
fn run_env(args: &[String], env: &[(&str, String)]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .env_clear()
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run asr-preflight");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `check --only net.outbound --online --format json` with endpoints and extra arguments.
fn outbound(endpoints: &[String], extra: &[&str], env: &[(&str, String)]) -> (i32, Value) {
    let mut args: Vec<String> = [
        "check",
        "--only",
        "net.outbound",
        "--online",
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for e in endpoints {
        args.push("--endpoint".into());
        args.push(e.clone());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let r = run_env(&args, env);
    assert!(
        r.code == 0 || r.code == 1,
        "exit {}: {}\n{}",
        r.code,
        r.stderr,
        r.stdout
    );
    let v = r.json();
    validate(&v);
    (r.code, v)
}

fn details(v: &Value) -> Vec<String> {
    check(v, "net.outbound")["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect()
}

fn line_for<'a>(lines: &'a [String], endpoint: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.starts_with(&format!("{endpoint}:")))
        .unwrap_or_else(|| panic!("no line for {endpoint}: {lines:#?}"))
}

fn direct_env(ca: &TestCa) -> Vec<(&'static str, String)> {
    vec![
        (TEST_CA_VAR, ca.ca_file.display().to_string()),
        ("no_proxy", "127.0.0.1,localhost".into()),
    ]
}

/// A server whose certificate chains to the trusted CA passes, by IP address and by name, and
/// the line names the issuer, the stage reached and the time.
#[test]
fn verified_https_endpoint_passes() {
    let ca = TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let port = netsrv::https_server(ca.server.clone());
    let eps = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let (code, v) = outbound(&eps, &["--timeout", "10"], &direct_env(&ca));
    assert_eq!(code, 0, "{v:#}");
    let c = check(&v, "net.outbound");
    assert_eq!(c["status"], "pass", "{c:#}");
    let lines = details(&v);
    for e in &eps {
        let l = line_for(&lines, e);
        assert!(l.contains("TLS verified"), "{l}");
        assert!(
            l.contains("CN=asr-preflight test CA, O=asr-preflight tests"),
            "{l}"
        );
        assert!(l.contains(" ms") || l.contains(" s"), "{l}");
        assert!(!l.contains("via proxy"), "{l}");
    }
    assert!(
        lines.iter().any(|l| l.contains("test CA only")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("route: direct")),
        "{lines:#?}"
    );
}

/// A certificate from a CA the system does not trust fails at the TLS stage and names its
/// issuer: what TLS interception by a corporate CA looks like.
#[test]
fn untrusted_issuer_fails_and_is_named() {
    let server_ca = TestCa::new("Contoso Inspection", "Contoso Web Filter CA");
    let trusted = TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let port = netsrv::https_server(server_ca.server.clone());
    let ep = format!("127.0.0.1:{port}");
    let (code, v) = outbound(std::slice::from_ref(&ep), &[], &direct_env(&trusted));
    assert_eq!(code, 1);
    let c = check(&v, "net.outbound");
    assert_eq!(c["status"], "fail", "{c:#}");
    let lines = details(&v);
    let l = line_for(&lines, &ep);
    assert!(l.contains("failed at TLS handshake"), "{l}");
    assert!(l.contains("Contoso Web Filter CA"), "{l}");
    assert!(l.contains("does not trust"), "{l}");
    assert!(
        c["remediation"]
            .as_str()
            .unwrap()
            .contains("intercepts TLS"),
        "{c:#}"
    );
}

/// A trusted certificate from an issuer the matrix does not expect warns of interception;
/// the endpoints come from the (user's) matrix file for the scenario.
#[test]
fn unexpected_issuer_from_matrix_warns() {
    let ca = TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let port = netsrv::https_server(ca.server.clone());
    let t = Tree::new();
    t.file(
        "/matrix.toml",
        format!(
            "name = \"loopback\"\ndescription = \"test\"\nsource = \"test\"\n\
             [scenarios.azure-to-azure]\npolicy = \"not-covered\"\nsource = \"test\"\n\
             [[endpoints]]\nurl = \"localhost\"\nhost = \"localhost\"\nport = {port}\n\
             purpose = \"a stand-in for login.microsoftonline.com\"\n\
             issuers = [\"Microsoft Corporation\", \"DigiCert Inc\"]\n"
        ),
    );
    let matrix = t.path().join("matrix.toml").display().to_string();
    let (code, v) = outbound(
        &[],
        &["--matrix", &matrix, "--scenario", "azure-to-azure"],
        &direct_env(&ca),
    );
    assert_eq!(code, 0, "warnings do not make the machine not ready");
    let c = check(&v, "net.outbound");
    assert_eq!(c["status"], "warn", "{c:#}");
    let l = line_for(&details(&v), &format!("localhost:{port}")).to_string();
    assert!(l.contains("TLS interception"), "{l}");
    assert!(
        l.contains("a stand-in for login.microsoftonline.com"),
        "{l}"
    );
}

/// Through an HTTP CONNECT proxy from the environment: the proxy is asked for the endpoint,
/// the handshake inside the tunnel is verified, and the line says it went via the proxy.
#[test]
fn through_connect_proxy() {
    let ca = TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let port = netsrv::https_server(ca.server.clone());
    let (proxy, seen) = netsrv::connect_proxy();
    let ep = format!("localhost:{port}");
    let env = vec![
        (TEST_CA_VAR, ca.ca_file.display().to_string()),
        ("https_proxy", format!("http://127.0.0.1:{proxy}")),
    ];
    let (code, v) = outbound(std::slice::from_ref(&ep), &[], &env);
    assert_eq!(code, 0, "{v:#}");
    let l = line_for(&details(&v), &ep).to_string();
    assert!(
        l.contains("TLS verified") && l.contains(&format!("via proxy http://127.0.0.1:{proxy}")),
        "{l}"
    );
    assert_eq!(*seen.lock().unwrap(), vec![ep]);
}

/// A proxy answering 407 is an authenticated proxy: the endpoint fails at the proxy stage,
/// and the credentials in the proxy URL appear in no output format, nor on stderr.
#[test]
fn proxy_407_and_redaction_in_every_format() {
    let ca = TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let port = netsrv::https_server(ca.server.clone());
    let proxy = netsrv::auth_proxy();
    let ep = format!("localhost:{port}");
    let env = vec![
        (TEST_CA_VAR, ca.ca_file.display().to_string()),
        (
            "https_proxy",
            format!("http://alice:S3cr3t-Pw0rd@127.0.0.1:{proxy}"),
        ),
    ];
    let (code, v) = outbound(std::slice::from_ref(&ep), &[], &env);
    assert_eq!(code, 1);
    let l = line_for(&details(&v), &ep).to_string();
    assert!(
        l.contains("failed at proxy CONNECT") && l.contains("407"),
        "{l}"
    );
    assert!(l.contains("authenticated proxy"), "{l}");
    for format in ["human", "json", "junit"] {
        let args: Vec<String> = [
            "check",
            "--only",
            "net.proxy,net.outbound",
            "--online",
            "--endpoint",
            &ep,
            "--format",
            format,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = run_env(&args, &env);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(
            !r.stdout.contains("S3cr3t"),
            "{format} leaks the password:\n{}",
            r.stdout
        );
        assert!(
            !r.stderr.contains("S3cr3t"),
            "{format} leaks the password on stderr"
        );
        assert!(
            r.stdout.contains("alice:***@127.0.0.1"),
            "{format} does not show the redacted URL:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("407"), "{format}:\n{}", r.stdout);
    }
}

/// Every kind of endpoint at once under one 3 s deadline: the verified server (through the
/// proxy and directly), a full accept queue (connect hangs), a listener that never answers TLS
/// and a closed port. The run takes the deadline once, not once per endpoint, and each line
/// names the stage where its endpoint stopped.
#[test]
fn one_deadline_for_everything() {
    let ca = TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let https = netsrv::https_server(ca.server.clone());
    let (proxy, _seen) = netsrv::connect_proxy();
    let hole = netsrv::black_hole();
    let (_silent_listener, silent) = netsrv::silent_listener();
    let closed = netsrv::closed_port();
    let timeout = Duration::from_secs(3);
    let eps = [
        format!("localhost:{https}"),
        format!("127.0.0.1:{https}"),
        format!("127.0.0.1:{}", hole.port),
        format!("127.0.0.1:{silent}"),
        format!("127.0.0.1:{closed}"),
    ];
    let env = vec![
        (TEST_CA_VAR, ca.ca_file.display().to_string()),
        ("https_proxy", format!("http://127.0.0.1:{proxy}")),
        ("no_proxy", "127.0.0.1".to_string()),
    ];
    let started = Instant::now();
    let (code, v) = outbound(&eps, &["--timeout", "3"], &env);
    let took = started.elapsed();
    assert_eq!(code, 1);
    // A correctness bound on concurrency, not a speed figure: sequential tries would need
    // at least 2 x timeout for the two endpoints that hang.
    assert!(
        took < 2 * timeout,
        "took {took:?} for a {timeout:?} deadline"
    );
    assert!(
        took >= timeout - Duration::from_millis(200),
        "the hanging endpoints did not hang: {took:?}"
    );
    let lines = details(&v);
    let l = line_for(&lines, &eps[0]);
    assert!(l.contains("TLS verified") && l.contains("via proxy"), "{l}");
    let l = line_for(&lines, &eps[1]);
    assert!(
        l.contains("TLS verified") && !l.contains("via proxy"),
        "{l}"
    );
    let l = line_for(&lines, &eps[2]);
    assert!(
        l.contains("failed at TCP connect") && l.contains("deadline"),
        "{l}"
    );
    let l = line_for(&lines, &eps[3]);
    assert!(
        l.contains("failed at TLS handshake") && l.contains("deadline"),
        "{l}"
    );
    let l = line_for(&lines, &eps[4]);
    assert!(
        l.contains("failed at TCP connect") && l.contains("refused"),
        "{l}"
    );
    assert!(
        lines.iter().any(|l| l.contains("one 3.0 s deadline")),
        "{lines:#?}"
    );
}

/// Without --online the check makes no connection and says how to include it; with --root it
/// skips because the host's network says nothing about an image.
#[test]
fn skipped_without_online_and_with_root() {
    let closed = netsrv::closed_port();
    let ep = format!("127.0.0.1:{closed}");
    let args: Vec<String> = [
        "check",
        "--only",
        "net.outbound",
        "--endpoint",
        &ep,
        "--format",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let r = run_env(&args, &[("no_proxy", "*".into())]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(check(&v, "net.outbound")["status"], "skip");
    assert!(
        check(&v, "net.outbound")["summary"]
            .as_str()
            .unwrap()
            .contains("--online")
    );
    let t = Tree::new();
    t.x86_64();
    let (code, v) = common::check_root(
        t.path(),
        &["--only", "net.outbound", "--online", "--endpoint", &ep],
    );
    assert_eq!(code, 0);
    assert_eq!(check(&v, "net.outbound")["status"], "skip");
    assert!(
        check(&v, "net.outbound")["summary"]
            .as_str()
            .unwrap()
            .contains("running system")
    );
}

/// Bad --endpoint, --storage-account and --timeout values are usage errors (exit 2), and a
/// credential typed into --endpoint is not echoed back.
#[test]
fn option_usage_errors() {
    for (args, must_not_contain) in [
        (vec!["--endpoint", "a b"], ""),
        (vec!["--endpoint", "bob:hunter2@host"], "hunter2"),
        (vec!["--endpoint", "host:70000"], ""),
        (vec!["--storage-account", "Not_Valid"], ""),
        (vec!["--storage-account", "ab"], ""),
        (vec!["--timeout", "0"], ""),
        (vec!["--timeout", "-1"], ""),
    ] {
        let mut full = vec!["check".to_string(), "--online".into()];
        full.extend(args.iter().map(|s| s.to_string()));
        let r = run_env(&full, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(!r.stderr.is_empty());
        if !must_not_contain.is_empty() {
            assert!(
                !r.stderr.contains(must_not_contain),
                "{args:?} echoed: {}",
                r.stderr
            );
        }
    }
}

/// With --service-tags, an endpoint whose address is in no published prefix is a warning (what
/// intercepted DNS looks like); an address inside the file's prefixes is not.
#[test]
fn addresses_outside_the_service_tags_warn() {
    let ca = TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let port = netsrv::https_server(ca.server.clone());
    let eps = [format!("localhost:{port}")];
    let tags = common::repo().join("tests/data/service_tags/ServiceTags_Public_test.json");
    let (_, v) = outbound(
        &eps,
        &["--timeout", "10", "--service-tags", tags.to_str().unwrap()],
        &direct_env(&ca),
    );
    let c = check(&v, "net.outbound");
    assert_eq!(c["status"], "warn", "{c:#}");
    let lines = details(&v);
    assert!(
        lines.iter().any(|l| l.contains("resolved to 127.0.0.1")
            && l.contains("no prefix of the Service Tags file (change 315)")),
        "{lines:#?}"
    );
    // A file whose prefixes include loopback: no warning.
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("ServiceTags_Public_local.json");
    std::fs::write(
        &local,
        r#"{"changeNumber": 1, "cloud": "Public", "values": [{"name": "AzureSiteRecovery", "id": "AzureSiteRecovery", "properties": {"changeNumber": 1, "region": "", "regionId": 0, "platform": "Azure", "systemService": "AzureSiteRecovery", "addressPrefixes": ["127.0.0.0/8", "::1/128"], "networkFeatures": ["NSG"]}}]}"#,
    )
    .unwrap();
    let (_, v) = outbound(
        &eps,
        &["--timeout", "10", "--service-tags", local.to_str().unwrap()],
        &direct_env(&ca),
    );
    assert_eq!(check(&v, "net.outbound")["status"], "pass", "{v:#}");
}
