//! The release assets and the `curl | sh` installer (dist/package.sh, dist/install.sh), served
//! from a local HTTP server on 127.0.0.1 and run by every shell guests have: sh, bash, dash and
//! busybox sh, with curl, with wget only, with openssl instead of sha256sum. Proves that a
//! tampered binary and a truncated installer install nothing, and that run-once mode passes the
//! tool's exit code through and leaves nothing behind.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::common::release::{Server, no_proxy, release_dir};
use crate::common::{repo, validate};
use serde_json::Value;

const ASSET: &str = "asr-preflight-linux-x86_64";
const READY_ONLY: &str = "os.arch,os.supported,os.kernel";

/// The web root: `good/` (the release), `tampered/` (one byte of the binary changed, the
/// original SHA256SUMS), `0.1.0/` (the release under a version directory), `trunc/` (the
/// release again, for the truncation test).
struct Site {
    _dir: tempfile::TempDir,
    server: Server,
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let rel = release_dir();
        symlink(rel, dir.path().join("good")).unwrap();
        symlink(rel, dir.path().join(env!("CARGO_PKG_VERSION"))).unwrap();
        // Only the truncation test asks for this one, so its request log is its own.
        symlink(rel, dir.path().join("trunc")).unwrap();
        let t = dir.path().join("tampered");
        std::fs::create_dir(&t).unwrap();
        for f in ["install.sh", "SHA256SUMS"] {
            symlink(rel.join(f), t.join(f)).unwrap();
        }
        let mut bin = std::fs::read(rel.join(ASSET)).unwrap();
        let mid = bin.len() / 2;
        bin[mid] ^= 0x01;
        std::fs::write(t.join(ASSET), bin).unwrap();
        let server = Server::start(dir.path());
        Site { _dir: dir, server }
    })
}

fn installer() -> Vec<u8> {
    std::fs::read(release_dir().join("install.sh")).expect("install.sh")
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A scratch area per run: the install directory and a private TMPDIR (to see leftovers).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let s = Scratch {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::create_dir(s.tmp()).unwrap();
        s
    }
    fn bin_dir(&self) -> PathBuf {
        self.dir.path().join("bin")
    }
    fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }
    fn installed(&self) -> PathBuf {
        self.bin_dir().join("asr-preflight")
    }
    /// Everything left in the install directory and in TMPDIR.
    fn leftovers(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in [self.bin_dir(), self.tmp()] {
            if let Ok(rd) = std::fs::read_dir(&d) {
                for e in rd {
                    out.push(e.unwrap().path().display().to_string());
                }
            }
        }
        out.sort();
        out
    }
}

/// Runs `shell` (argv) with `script` on its standard input, as `curl ... | shell` does, with the
/// installer's settings pointing at `url_dir` on the local server and into `scratch`.
fn pipe(
    shell: &[&str],
    script: &[u8],
    url_dir: &str,
    scratch: &Scratch,
    path: Option<&Path>,
) -> Ran {
    let mut c = no_proxy(Command::new(shell[0]));
    c.args(&shell[1..])
        .env("ASR_PREFLIGHT_URL", site().server.url(url_dir))
        .env("ASR_PREFLIGHT_DIR", scratch.bin_dir())
        .env("TMPDIR", scratch.tmp())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = path {
        c.env("PATH", p);
    }
    let mut child = c.spawn().unwrap_or_else(|e| panic!("spawn {shell:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    // A shell may stop reading early (a syntax error in a truncated script): ignore EPIPE.
    let _ = stdin.write_all(script);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A directory of links to every program in /usr/bin, /bin, /usr/sbin and /sbin except
/// `without`: a PATH on which those programs do not exist.
fn path_without(without: &[&str]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for src in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let Ok(rd) = std::fs::read_dir(src) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            if without.iter().any(|w| name == *w) || d.path().join(&name).exists() {
                continue;
            }
            let _ = symlink(e.path(), d.path().join(&name));
        }
    }
    d
}

/// A directory holding busybox's applets only: a minimal guest (wget, no curl, busybox's own
/// sha256sum, mktemp and awk).
fn busybox_only() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let list = Command::new("busybox")
        .arg("--list")
        .output()
        .expect("busybox");
    let busybox = which("busybox");
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        symlink(&busybox, d.path().join(applet)).unwrap();
    }
    assert!(!d.path().join("curl").exists());
    d
}

fn which(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found on PATH"))
}

fn assert_installed(s: &Scratch, r: &Ran, what: &str) {
    assert_eq!(r.code, 0, "{what}: exit {}\n{}", r.code, r.stderr);
    let got = std::fs::read(s.installed()).unwrap_or_else(|e| panic!("{what}: not installed: {e}"));
    assert_eq!(
        got,
        std::fs::read(release_dir().join(ASSET)).unwrap(),
        "{what}: installed file differs from the release binary"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(s.installed()).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o755, "{what}");
    assert_eq!(
        s.leftovers(),
        vec![s.installed().display().to_string()],
        "{what}: leftovers"
    );
    let v = Command::new(s.installed()).arg("version").output().unwrap();
    assert!(String::from_utf8_lossy(&v.stdout).starts_with("asr-preflight "));
}

fn fixture(name: &str) -> String {
    repo().join("fixtures/os").join(name).display().to_string()
}

/// `curl -fsSL URL/install.sh | SHELL` installs the verified binary atomically with sh, bash,
/// bash in POSIX mode, dash and busybox sh, leaving only the binary behind.
#[test]
fn every_shell_installs_through_a_curl_pipe() {
    let url = site().server.url("/good/install.sh");
    for shell in ["sh", "bash", "bash --posix", "dash", "busybox sh"] {
        let s = Scratch::new();
        let r = pipe(
            &["sh", "-c", &format!("curl -fsSL '{url}' | {shell}")],
            b"",
            "/good",
            &s,
            None,
        );
        assert_installed(&s, &r, shell);
        assert!(
            r.stderr.contains("installed asr-preflight"),
            "{shell}: {}",
            r.stderr
        );
    }
    // Installing again replaces the binary in place.
    let s = Scratch::new();
    std::fs::create_dir(s.bin_dir()).unwrap();
    std::fs::write(s.installed(), "old version").unwrap();
    let r = pipe(&["dash"], &installer(), "/good", &s, None);
    assert_installed(&s, &r, "upgrade");
}

/// A binary whose bytes differ from SHA256SUMS is refused by every shell: exit 2, a message
/// naming the mismatch, nothing installed, an existing binary untouched, no temporary files;
/// in run-once mode the tampered binary is never executed.
#[test]
fn tampered_binary_is_refused() {
    for shell in [&["sh"][..], &["bash"], &["dash"], &["busybox", "sh"]] {
        let s = Scratch::new();
        let r = pipe(shell, &installer(), "/tampered", &s, None);
        assert_eq!(r.code, 2, "{shell:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("checksum mismatch"),
            "{shell:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("nothing was installed"), "{}", r.stderr);
        assert!(s.leftovers().is_empty(), "{shell:?}: {:?}", s.leftovers());
    }
    let s = Scratch::new();
    std::fs::create_dir(s.bin_dir()).unwrap();
    std::fs::write(s.installed(), "the old binary").unwrap();
    let r = pipe(&["sh"], &installer(), "/tampered", &s, None);
    assert_eq!(r.code, 2);
    assert_eq!(
        std::fs::read_to_string(s.installed()).unwrap(),
        "the old binary"
    );
    assert_eq!(s.leftovers().len(), 1, "{:?}", s.leftovers());

    let s = Scratch::new();
    let mut script = b"set -- --run --format json\n".to_vec();
    script.extend(installer());
    let r = pipe(&["sh"], &script, "/tampered", &s, None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "the tampered binary ran: {}", r.stdout);
    assert!(s.leftovers().is_empty(), "{:?}", s.leftovers());
}

/// An installer cut short anywhere (at every line end, and inside lines) runs nothing: no
/// download is even requested and nothing is installed, with any shell.
#[test]
fn truncated_installer_runs_nothing() {
    let full = installer();
    let mut cuts: Vec<usize> = full
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .filter(|&i| i < full.len())
        .collect();
    // And inside lines, including inside the final call.
    cuts.extend((1..40).map(|k| full.len() * k / 40));
    // (Only the final newline missing is the whole script: not a cut.)
    cuts.extend(full.len() - 40..full.len() - 1);
    let trunc_requests = || {
        site()
            .server
            .requests()
            .into_iter()
            .filter(|p| p.starts_with("/trunc/"))
            .count()
    };
    for shell in [&["dash"][..], &["bash"], &["busybox", "sh"]] {
        for &cut in &cuts {
            let s = Scratch::new();
            let r = pipe(shell, &full[..cut], "/trunc", &s, None);
            assert!(
                s.leftovers().is_empty(),
                "{shell:?} cut at {cut}: {:?}\n{}",
                s.leftovers(),
                r.stderr
            );
            assert!(
                !r.stderr.contains("downloading"),
                "{shell:?} cut at {cut} started: {}",
                r.stderr
            );
        }
    }
    assert_eq!(trunc_requests(), 0, "a truncated installer downloaded");
    // The untruncated script does download (the test above is not vacuous).
    let s = Scratch::new();
    assert_installed(
        &s,
        &pipe(&["dash"], &full, "/trunc", &s, None),
        "full script",
    );
    assert_eq!(trunc_requests(), 2);
}

/// Run-once (`sh -s -- --run OPTIONS`): the report goes to standard output, the tool's exit code
/// comes back (0 ready, 1 not ready, 2 usage error), nothing is installed and the temporary
/// directory is gone.
#[test]
fn run_once_passes_exit_codes_through() {
    let cases: [(&[&str], i32); 3] = [
        (&["--root", &fixture("centos-6.5"), "--only", READY_ONLY], 0),
        (&["--root", &fixture("centos-6.4"), "--only", READY_ONLY], 1),
        (&["--root", "/nonexistent/image"], 2),
    ];
    for shell in ["sh", "bash", "dash", "busybox sh"] {
        for (args, want) in cases.iter() {
            let s = Scratch::new();
            let url = site().server.url("/good/install.sh");
            let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
            let r = pipe(
                &[
                    "sh",
                    "-c",
                    &format!(
                        "curl -fsSL '{url}' | {shell} -s -- --run --format json {}",
                        quoted.join(" ")
                    ),
                ],
                b"",
                "/good",
                &s,
                None,
            );
            // `sh -c 'a | b'` exits with b's status: the installer's.
            assert_eq!(r.code, *want, "{shell} {args:?}: {}", r.stderr);
            if *want < 2 {
                let v: Value = serde_json::from_str(&r.stdout)
                    .unwrap_or_else(|e| panic!("{shell}: not JSON ({e}): {}", r.stdout));
                validate(&v);
                assert_eq!(v["ready"], *want == 0);
                assert_eq!(v["mode"], "root");
            } else {
                assert!(r.stderr.contains("/nonexistent/image"), "{}", r.stderr);
            }
            assert!(s.leftovers().is_empty(), "{shell}: {:?}", s.leftovers());
        }
    }
}

/// With no curl at all: GNU wget, and a busybox-only system (busybox wget, sha256sum, mktemp,
/// awk), both install and run once.
#[test]
fn wget_only() {
    let no_curl = path_without(&["curl"]);
    let s = Scratch::new();
    let r = pipe(
        &["/bin/sh"],
        &installer(),
        "/good",
        &s,
        Some(no_curl.path()),
    );
    assert_installed(&s, &r, "GNU wget");

    let bb = busybox_only();
    let s = Scratch::new();
    let sh = bb.path().join("sh");
    let r = pipe(
        &[sh.to_str().unwrap()],
        &installer(),
        "/good",
        &s,
        Some(bb.path()),
    );
    assert_installed(&s, &r, "busybox only");

    let s = Scratch::new();
    let mut script = format!(
        "set -- --run --root '{}' --only {READY_ONLY}\n",
        fixture("centos-6.5")
    )
    .into_bytes();
    script.extend(installer());
    let r = pipe(
        &[sh.to_str().unwrap()],
        &script,
        "/good",
        &s,
        Some(bb.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("READY"), "{}", r.stdout);
    assert!(s.leftovers().is_empty(), "{:?}", s.leftovers());

    // busybox wget against the tampered release: still refused.
    let s = Scratch::new();
    let r = pipe(
        &[sh.to_str().unwrap()],
        &installer(),
        "/tampered",
        &s,
        Some(bb.path()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(s.leftovers().is_empty());
}

/// Where sha256sum is missing, openssl computes the digest: the good release installs and the
/// tampered one is refused.
#[test]
fn openssl_when_sha256sum_is_missing() {
    let p = path_without(&["sha256sum", "shasum"]);
    let s = Scratch::new();
    let r = pipe(&["/bin/sh"], &installer(), "/good", &s, Some(p.path()));
    assert_installed(&s, &r, "openssl");
    let s = Scratch::new();
    let r = pipe(&["/bin/sh"], &installer(), "/tampered", &s, Some(p.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("checksum mismatch"), "{}", r.stderr);
    // Neither: refuses instead of installing unverified.
    let p = path_without(&["sha256sum", "shasum", "openssl"]);
    let s = Scratch::new();
    let r = pipe(&["/bin/sh"], &installer(), "/good", &s, Some(p.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(s.leftovers().is_empty());
}

/// ASR_PREFLIGHT_VERSION: fills `{version}` in the URL, and a binary of another version is
/// refused.
#[test]
fn version_is_pinned() {
    let s = Scratch::new();
    let mut c = OsString::from("ASR_PREFLIGHT_URL=");
    c.push(site().server.url("/{version}"));
    let r = pipe(
        &[
            "env",
            c.to_str().unwrap(),
            "ASR_PREFLIGHT_VERSION=v0.1.0",
            "sh",
        ],
        &installer(),
        "/unused",
        &s,
        None,
    );
    assert_installed(&s, &r, "{version}");
    let s = Scratch::new();
    let r = pipe(
        &["env", "ASR_PREFLIGHT_VERSION=9.9.9", "sh"],
        &installer(),
        "/good",
        &s,
        None,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("not the requested 9.9.9"), "{}", r.stderr);
    assert!(s.leftovers().is_empty(), "{:?}", s.leftovers());
}

/// A missing release (404) and a missing URL are clear failures that install nothing.
#[test]
fn download_failures_install_nothing() {
    let s = Scratch::new();
    let r = pipe(&["sh"], &installer(), "/no-such-release", &s, None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot download"), "{}", r.stderr);
    assert!(s.leftovers().is_empty());
    let s = Scratch::new();
    let r = pipe(
        &["env", "-u", "ASR_PREFLIGHT_URL", "sh"],
        &installer(),
        "/good",
        &s,
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("set ASR_PREFLIGHT_URL"), "{}", r.stderr);
}

/// package.sh with ASR_PREFLIGHT_RELEASE_URL writes that URL into install.sh, so the plain
/// `curl URL/install.sh | sh` needs no setting; SHA256SUMS covers every asset.
#[test]
fn packaged_release_is_complete() {
    let rel = release_dir();
    for f in [
        "install.sh",
        ASSET,
        "SHA256SUMS",
        "asr-preflight.1",
        "completions/asr-preflight.bash",
        "completions/_asr-preflight",
        "completions/asr-preflight.fish",
    ] {
        assert!(rel.join(f).is_file(), "{f} missing");
    }
    let sums = Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(rel)
        .output()
        .unwrap();
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&sums.stdout).lines().count(), 6);
    assert!(
        std::fs::read_to_string(rel.join("asr-preflight.1"))
            .unwrap()
            .starts_with(".ie")
    );

    let out = tempfile::tempdir().unwrap();
    let base = site().server.url("/good");
    let st = Command::new(repo().join("dist/package.sh"))
        .arg(out.path())
        .env("ASR_STATIC_BINARY", rel.join(ASSET))
        .env("ASR_PREFLIGHT_RELEASE_URL", &base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let script = std::fs::read(out.path().join("install.sh")).unwrap();
    let s = Scratch::new();
    let r = pipe(
        &["env", "-u", "ASR_PREFLIGHT_URL", "sh"],
        &script,
        "/unused",
        &s,
        None,
    );
    assert_installed(&s, &r, "default URL");
}

/// install.sh is shellcheck-clean as POSIX sh, its curl uses only options curl 7.19 has, and
/// the last line is the only top-level command (everything else is inside the function).
#[test]
fn installer_is_portable() {
    let sc = Command::new("shellcheck")
        .args(["-s", "sh"])
        .arg(repo().join("dist/install.sh"))
        .output()
        .expect("shellcheck (apt shellcheck)");
    assert!(
        sc.status.success(),
        "{}",
        String::from_utf8_lossy(&sc.stdout)
    );
    let sc = Command::new("shellcheck")
        .args(["-s", "bash"])
        .args([
            "dist/build-static.sh",
            "dist/package.sh",
            "dist/size-report.sh",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        sc.status.success(),
        "{}",
        String::from_utf8_lossy(&sc.stdout)
    );

    let text = std::fs::read_to_string(repo().join("dist/install.sh")).unwrap();
    let old_curl = [
        "-f",
        "-s",
        "-S",
        "-L",
        "-o",
        "--fail",
        "--silent",
        "--show-error",
        "--location",
        "--output",
    ];
    let mut curl_lines = 0;
    for line in text.lines().filter(|l| l.trim_start().starts_with("curl ")) {
        curl_lines += 1;
        for opt in line.split_whitespace().filter(|w| w.starts_with('-')) {
            assert!(
                old_curl.contains(&opt),
                "curl option {opt} may be newer than 7.19: {line}"
            );
        }
    }
    assert_eq!(curl_lines, 1);
    // Top level: comments, blank lines, the function, and the call on the last line.
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"{ asr_preflight_installer \"$@\"; }"));
    let start = lines
        .iter()
        .position(|l| l.starts_with("asr_preflight_installer() {"))
        .unwrap();
    let end = lines.iter().rposition(|l| *l == "}").unwrap();
    for l in lines[..start]
        .iter()
        .chain(&lines[end + 1..lines.len() - 1])
    {
        assert!(
            l.is_empty() || l.starts_with('#'),
            "top-level command outside the function: {l}"
        );
    }
}
