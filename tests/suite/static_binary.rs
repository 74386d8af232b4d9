//! The release binary as guests get it: built by dist/build-static.sh for
//! x86_64-unknown-linux-musl, fully static, able to run in an empty chroot, and able to do a whole
//! run against the system-call surface of Linux 2.6.32 (RHEL/CentOS/Oracle Linux 6) without any
//! check tripping over a system call that kernel lacks.

use crate::netsrv;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::staticbin::{old_kernel, static_bin};
use crate::common::{Tree, validate};
use serde_json::Value;

/// A CentOS 6.5 root with the files the checks read (release files, boot loader, network,
/// hosts, ssh), so that a `--root` run exercises as many code paths as a real image does.
fn centos65_root() -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/redhat-release", "CentOS release 6.5 (Final)\n")
        .file("/etc/centos-release", "CentOS release 6.5 (Final)\n")
        .file("/etc/sysconfig/network", "NETWORKING=yes\nHOSTNAME=web01\n")
        .file(
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "DEVICE=eth0\nBOOTPROTO=static\nIPADDR=198.51.100.10\nNETMASK=255.255.255.0\nONBOOT=yes\n",
        )
        .file(
            "/etc/hosts",
            "127.0.0.1 localhost localhost.localdomain\n198.51.100.10 web01\n",
        )
        .file("/etc/ssh/sshd_config", "Port 22\n")
        .file("/etc/rc.d/rc3.d/S55sshd", "#!/bin/sh\n")
        .file(
            "/boot/grub/grub.conf",
            "default=0\ntitle CentOS (2.6.32-431.el6.x86_64)\n\tkernel /vmlinuz-2.6.32-431.el6.x86_64 ro root=UUID=1\n",
        )
        .file("/etc/fstab", "UUID=1 / ext4 defaults 1 1\n")
        .dir("/lib/modules/2.6.32-431.el6.x86_64")
        .dir("/usr/bin")
        .dir("/var/log");
    t
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ran(out: Output) -> Ran {
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Parses a report, asserts exit 0/1 and that it validates against the schema.
fn report(r: &Ran) -> Value {
    assert!(
        r.code == 0 || r.code == 1,
        "exit {}\nstderr: {}\nstdout: {}",
        r.code,
        r.stderr,
        r.stdout
    );
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", r.stdout, r.stderr));
    validate(&v);
    v
}

/// Every check whose text shows that a system call was missing.
fn enosys_mentions(report: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    for c in report["checks"].as_array().expect("checks") {
        let text = c.to_string().to_lowercase();
        if ["enosys", "function not implemented", "os error 38"]
            .iter()
            .any(|s| text.contains(s))
        {
            bad.push(c.to_string());
        }
    }
    bad
}

/// The ids of every registered check, from the binary itself.
fn all_ids(bin: &Path) -> Vec<String> {
    let out = ran(Command::new(bin)
        .args(["list", "--format", "json"])
        .output()
        .expect("run list"));
    let v: Value = serde_json::from_str(&out.stdout).expect("list JSON");
    v.as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect()
}

fn ids(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect()
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                c["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

fn is_root() -> bool {
    // /proc/self belongs to the effective user.
    std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").expect("/proc/self")) == 0
}

/// The binary has no ELF interpreter and no dynamic section: nothing on the guest is needed to
/// start it (a PIE from musl-gcc would name /lib/ld-musl-x86_64.so.1, which guests lack).
#[test]
fn binary_is_fully_static() {
    let bin = static_bin();
    let headers = ran(Command::new("readelf")
        .args(["-h", "-l", "-d"])
        .arg(bin)
        .output()
        .expect("run readelf (binutils)"));
    assert_eq!(headers.code, 0, "{}", headers.stderr);
    assert!(
        headers.stdout.contains("Machine:") && headers.stdout.contains("X86-64"),
        "not an x86_64 ELF:\n{}",
        headers.stdout
    );
    assert!(
        !headers.stdout.contains("INTERP") && !headers.stdout.contains("interpreter"),
        "has an ELF interpreter:\n{}",
        headers.stdout
    );
    assert!(
        !headers.stdout.contains("(NEEDED)"),
        "needs shared libraries:\n{}",
        headers.stdout
    );
    let sections = ran(Command::new("readelf")
        .arg("-S")
        .arg(bin)
        .output()
        .expect("readelf -S"));
    assert!(
        !sections.stdout.contains(".symtab"),
        "binary is not stripped"
    );
}

/// `version --format json` of the static build names the musl target and the release profile.
#[test]
fn version_names_musl_target() {
    let r = ran(Command::new(static_bin())
        .args(["version", "--format", "json"])
        .output()
        .expect("run version"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("version JSON");
    assert_eq!(v["target"], "x86_64-unknown-linux-musl", "{v}");
    assert_eq!(v["profile"], "release", "{v}");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert!(v["commit"].as_str().is_some_and(|c| !c.is_empty()), "{v}");
}

/// The harness itself works: under it uname reports a 2.6 kernel and a system call newer than
/// 2.6.32 (getrandom, via Python) fails with ENOSYS. Without this, the old-kernel tests below
/// could pass against a harness that filters nothing.
#[test]
fn harness_emulates_2_6_32() {
    let uname = ran(old_kernel(Path::new("/bin/uname"))
        .arg("-r")
        .output()
        .expect("run uname under harness"));
    assert_eq!(uname.code, 0, "{}", uname.stderr);
    assert!(uname.stdout.starts_with("2.6."), "{}", uname.stdout);
    let py = ran(old_kernel(Path::new("/usr/bin/python3"))
        .args([
            "-c",
            "import os, errno\ntry:\n  os.getrandom(1)\n  print('allowed')\nexcept OSError as e:\n  print(errno.errorcode[e.errno])",
        ])
        .output()
        .expect("run python3 under harness"));
    assert_eq!(py.stdout.trim(), "ENOSYS", "stderr: {}", py.stderr);
    // And an old call still works: the filter is not blanket-denying.
    let ls = ran(old_kernel(Path::new("/bin/ls"))
        .arg("/")
        .output()
        .expect("ls"));
    assert_eq!(ls.code, 0, "{}", ls.stderr);
}

/// A full live check (every registered check) completes on the 2.6.32 system-call surface with
/// a valid report, no check mentions a missing system call, and every check reaches the same
/// status as it does with all system calls available.
#[test]
fn live_check_on_old_kernel_surface() {
    let bin = static_bin();
    let old = ran(old_kernel(bin)
        .args(["check", "--format", "json"])
        .output()
        .expect("run under harness"));
    let v = report(&old);
    assert_eq!(v["mode"], "live");
    assert!(
        v["system"]["kernel"]["release"]
            .as_str()
            .is_some_and(|r| r.starts_with("2.6.")),
        "uname was not 2.6: {}",
        v["system"]
    );
    assert_eq!(ids(&v), all_ids(bin), "not every check ran");
    let bad = enosys_mentions(&v);
    assert!(
        bad.is_empty(),
        "checks hit a missing system call:\n{bad:#?}"
    );
    // The same run with every system call available (still reporting 2.6 from uname).
    let new = ran(Command::new("setarch")
        .args(["x86_64", "--uname-2.6"])
        .arg(bin)
        .args(["check", "--format", "json"])
        .output()
        .expect("run without harness"));
    let w = report(&new);
    assert_eq!(
        statuses(&v),
        statuses(&w),
        "the missing system calls changed a check's status"
    );
    // The human renderer too (it asks the terminal for its size, among others).
    let human = ran(old_kernel(bin).arg("check").output().expect("human"));
    assert!(human.code == 0 || human.code == 1, "{}", human.stderr);
    assert!(human.stdout.contains("os.arch"), "{}", human.stdout);
}

/// A `--root` check of a CentOS 6.5 image completes on the 2.6.32 system-call surface with a
/// valid report, every check present and none mentioning a missing system call; each format.
#[test]
fn root_check_on_old_kernel_surface() {
    let bin = static_bin();
    let t = centos65_root();
    let old = ran(old_kernel(bin)
        .args(["check", "--format", "json", "--root"])
        .arg(t.path())
        .output()
        .expect("run under harness"));
    let v = report(&old);
    assert_eq!(v["mode"], "root");
    assert_eq!(v["system"]["os"]["id"], "centos");
    assert_eq!(v["system"]["os"]["version"], "6.5");
    assert_eq!(ids(&v), all_ids(bin), "not every check ran");
    let bad = enosys_mentions(&v);
    assert!(
        bad.is_empty(),
        "checks hit a missing system call:\n{bad:#?}"
    );
    let new = ran(Command::new(bin)
        .args(["check", "--format", "json", "--root"])
        .arg(t.path())
        .output()
        .expect("run without harness"));
    assert_eq!(statuses(&v), statuses(&report(&new)));
    // Outside the root: a report is never written into the inspected tree.
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("report.xml");
    let junit = ran(old_kernel(bin)
        .args(["check", "--format", "junit", "--root"])
        .arg(t.path())
        .arg("--output")
        .arg(&out)
        .output()
        .expect("junit under harness"));
    assert_eq!(junit.code, old.code, "{}", junit.stderr);
    let xml = std::fs::read_to_string(&out).expect("report.xml written");
    assert!(xml.starts_with("<?xml"), "{xml}");
}

/// The TLS path of `net.outbound --online` (rustls with ring, its random numbers, the resolver
/// for `localhost`) works on the 2.6.32 system-call surface: against an HTTPS server on
/// 127.0.0.1 with a certificate from a test CA, by address and by name, the check passes and
/// says the TLS handshake was verified.
#[test]
fn online_tls_on_old_kernel_surface() {
    let ca = netsrv::TestCa::new("asr-preflight tests", "asr-preflight test CA");
    let port = netsrv::https_server(ca.server.clone());
    let eps = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let mut c = old_kernel(static_bin());
    c.args([
        "check",
        "--only",
        "net.outbound",
        "--online",
        "--format",
        "json",
    ])
    .args(["--timeout", "10"]);
    for e in &eps {
        c.args(["--endpoint", e]);
    }
    // Only loopback: no proxy from this machine's environment, the test CA as the only trust.
    c.env_clear()
        .env("ASR_PREFLIGHT_TEST_CA", &ca.ca_file)
        .env("no_proxy", "127.0.0.1,localhost");
    let v = report(&ran(c.output().expect("run under harness")));
    let check = &v["checks"][0];
    assert_eq!(check["id"], "net.outbound");
    assert_eq!(check["status"], "pass", "{check:#}");
    let text = check.to_string();
    assert_eq!(text.matches("TLS verified").count(), 2, "{check:#}");
    let bad = enosys_mentions(&v);
    assert!(bad.is_empty(), "{bad:#?}");
}

/// In an empty chroot (the binary and a fixture root, nothing else: no /proc, no /etc, no
/// libraries) the binary starts, checks the fixture root and prints its report; a live run there
/// also prints a report instead of crashing.
#[test]
fn runs_in_empty_chroot() {
    if !is_root() {
        eprintln!("SKIPPED runs_in_empty_chroot: chroot needs root (CI runs as root)");
        return;
    }
    let jail = tempfile::tempdir().expect("tempdir");
    std::fs::copy(static_bin(), jail.path().join("asr-preflight")).expect("copy binary");
    let image = centos65_root();
    let status = Command::new("cp")
        .arg("-a")
        .arg(image.path())
        .arg(jail.path().join("image"))
        .status()
        .expect("cp -a");
    assert!(status.success());
    let entries: Vec<_> = std::fs::read_dir(jail.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries.len(), 2, "jail is not empty: {entries:?}");

    let r = ran(Command::new("chroot")
        .arg(jail.path())
        .args([
            "/asr-preflight",
            "check",
            "--root",
            "/image",
            "--format",
            "json",
        ])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .expect("chroot"));
    let v = report(&r);
    assert_eq!(v["mode"], "root");
    assert_eq!(v["root"], "/image");
    assert_eq!(v["system"]["os"]["version"], "6.5");

    let live = ran(Command::new("chroot")
        .arg(jail.path())
        .args(["/asr-preflight", "check", "--color", "never"])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .expect("chroot live"));
    assert!(
        live.code == 0 || live.code == 1,
        "exit {}: {}",
        live.code,
        live.stderr
    );
    assert!(live.stdout.contains("os.supported"), "{}", live.stdout);
}
