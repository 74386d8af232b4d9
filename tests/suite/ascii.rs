//! The four `ascii.*` checks driven through the binary: hostile trees compared with GNU find,
//! unreadable directories seen by an unprivileged user, mount points in a private mount
//! namespace compared with findmnt, image roots with fstab, LVM and sysfs fixtures, and this
//! machine's own non-ASCII file names (ca-certificates' NetLock certificate).

use crate::common;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Tree, bin, check, check_root, status, validate};
use asr_preflight::text::escape_bytes;
use serde_json::Value;

/// Runs a command, killing it (and failing the test) if it takes longer than `limit`: a scan that
/// blocks on a FIFO must show up as a failure, not as a hung test run.
fn output_within(mut cmd: Command, limit: Duration) -> std::process::Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?} (blocked?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `LC_ALL=C find DIR -name '*[! -~]*'` (as `user` when given), reduced to the topmost entries
/// (an entry inside a listed directory is dropped), each escaped as the tool shows paths.
fn find_oracle(dir: &Path, user: Option<&str>) -> Vec<String> {
    let mut cmd = match user {
        Some(u) => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid", u, "--regid", "nogroup", "--clear-groups", "find"]);
            c
        }
        None => Command::new("find"),
    };
    cmd.env("LC_ALL", "C")
        .arg(dir)
        .args(["-name", "*[! -~]*", "-print0"]);
    let out = output_within(cmd, Duration::from_secs(60));
    let mut paths: Vec<Vec<u8>> = out
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    paths.sort();
    let mut top: Vec<Vec<u8>> = Vec::new();
    for p in paths {
        let inside = top
            .iter()
            .any(|t| p.len() > t.len() && p.starts_with(t) && p[t.len()] == b'/');
        if !inside {
            top.push(p);
        }
    }
    top.iter().map(|p| escape_bytes(p)).collect()
}

/// Runs `check --only ascii.system-paths --scan DIR... --format json` (as `user` when given)
/// and returns the validated report and the exit code.
fn scan_report(dirs: &[&Path], user: Option<&str>) -> (i32, Value) {
    let mut cmd = match user {
        Some(u) => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid", u, "--regid", "nogroup", "--clear-groups"]);
            c.arg(bin());
            c
        }
        None => Command::new(bin()),
    };
    cmd.args(["check", "--only", "ascii.system-paths", "--format", "json"]);
    for d in dirs {
        cmd.arg("--scan").arg(d);
    }
    let out = output_within(cmd, Duration::from_secs(120));
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "nothing may reach stderr when it is not a terminal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    validate(&v);
    (code, v)
}

/// The offending paths a report lists under `dir` (details that are paths, not commentary).
fn listed_under(report: &Value, dir: &Path) -> Vec<String> {
    let prefix = escape_bytes(dir.as_os_str().as_bytes());
    let mut v: Vec<String> = check(report, "ascii.system-paths")["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .filter(|d| *d == prefix || d.starts_with(&format!("{prefix}/")))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn name(bytes: &[u8]) -> &OsStr {
    OsStr::from_bytes(bytes)
}

/// Builds the hostile tree under `p`.
fn hostile(p: &Path) {
    let mk = |rel: &[u8]| fs::create_dir_all(p.join(name(rel))).unwrap();
    let touch = |rel: &[u8]| fs::write(p.join(name(rel)), b"x").unwrap();
    mk(b"plain/sub");
    touch("plain/sub/caf\u{e9}.txt".as_bytes());
    touch(b"plain/latin1-caf\xe9");
    touch(b"plain/new\nline");
    touch(b"plain/tab\tname");
    touch(b"plain/del\x7f");
    touch(b"plain/esc\x1b[31m");
    touch("plain/bidi\u{202e}txt.exe".as_bytes());
    touch("plain/zero\u{200b}width".as_bytes());
    // A non-ASCII directory with ASCII and non-ASCII children: only the directory is reported.
    mk("r\u{e9}pertoire/a/b".as_bytes());
    touch("r\u{e9}pertoire/a/file".as_bytes());
    touch("r\u{e9}pertoire/\u{fc}nter".as_bytes());
    // FIFOs, ASCII and not: listed by name, never opened.
    nix::unistd::mkfifo(&p.join("plain/fifo"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    nix::unistd::mkfifo(
        &p.join(name("plain/f\u{ef}fo".as_bytes())),
        nix::sys::stat::Mode::S_IRWXU,
    )
    .unwrap();
    // A socket.
    let _sock =
        std::os::unix::net::UnixListener::bind(p.join(name("plain/s\u{f8}ck".as_bytes()))).unwrap();
    // Links: loops, a link to the parent, dangling, and one to a non-ASCII tree outside.
    mk(b"links");
    symlink("b", p.join("links/a")).unwrap();
    symlink("a", p.join("links/b")).unwrap();
    symlink("self", p.join("links/self")).unwrap();
    symlink("..", p.join("links/up")).unwrap();
    symlink(
        "/nonexistent/\u{e9}",
        p.join(name("links/dangl\u{e9}".as_bytes())),
    )
    .unwrap();
    symlink("/usr/share/ca-certificates", p.join("links/to-usr")).unwrap();
    // 600 levels deep, an offender at the bottom.
    let mut deep = p.join("deep");
    for _ in 0..600 {
        deep.push("d");
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join(name("bottom\u{e9}".as_bytes())), b"x").unwrap();
}

/// On a hostile tree the tool lists exactly what `find -name '*[! -~]*'` finds, reduced to the
/// topmost entries: UTF-8, Latin-1, newline, tab, DEL, escape and bidi names, a non-ASCII
/// directory reported once, FIFOs and sockets named without blocking, links never followed
/// (loops, dangling, into /usr), and a 600-deep path.
#[test]
fn hostile_tree_equals_find() {
    let t = Tree::new();
    hostile(t.path());
    let expected = find_oracle(t.path(), None);
    assert!(
        expected.len() >= 12,
        "the tree is not hostile enough: {expected:?}"
    );
    let (code, report) = scan_report(&[t.path()], None);
    assert_eq!(code, 1);
    assert_eq!(status(&report, "ascii.system-paths"), "fail");
    let got = listed_under(&report, t.path());
    assert_eq!(got, expected);
    let c = check(&report, "ascii.system-paths");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{} names", expected.len())),
        "{}",
        c["summary"]
    );
    // The escapes keep a terminal safe: no raw control or bidi character in any detail.
    for d in c["details"].as_array().unwrap() {
        let d = d.as_str().unwrap();
        assert!(
            !d.chars().any(asr_preflight::text::is_deceptive),
            "raw in {d:?}"
        );
    }
    // Nothing below the non-ASCII directory, and the deepest offender found.
    assert!(got.iter().any(|p| p.ends_with("/répertoire")));
    assert!(!got.iter().any(|p| p.contains("/répertoire/")));
    assert!(got.iter().any(|p| p.ends_with("/d/bottomé")));
}

/// A clean tree passes, and the same tree with one offender in a directory that an
/// unprivileged user cannot read is reported as incomplete (warn, never pass), naming the
/// directory; the offenders it can see still match find run as the same user.
#[test]
fn unreadable_directory_makes_the_scan_incomplete() {
    let t = Tree::new();
    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::create_dir_all(t.path().join("open/sub")).unwrap();
    fs::create_dir_all(t.path().join("locked/inner")).unwrap();
    fs::write(
        t.path().join(name("locked/inner/hidden\u{e9}".as_bytes())),
        b"x",
    )
    .unwrap();
    for d in ["open", "open/sub", "locked/inner"] {
        fs::set_permissions(t.path().join(d), fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::set_permissions(t.path().join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads everything, so the unprivileged view needs another user.
    // SAFETY: geteuid has no preconditions.
    let user = (unsafe { nix::libc::geteuid() } == 0).then_some("nobody");
    let (code, report) = scan_report(&[t.path()], user);
    let c = check(&report, "ascii.system-paths");
    assert_eq!(status(&report, "ascii.system-paths"), "warn", "{c:#}");
    assert_eq!(code, 0, "a warning alone keeps the machine ready");
    let details: Vec<&str> = c["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    let locked = format!(
        "could not read {}/locked: Permission denied",
        t.path().display()
    );
    assert!(
        details.iter().any(|d| d.starts_with(&locked)),
        "{details:#?}"
    );
    assert!(c["summary"].as_str().unwrap().contains("incomplete"));

    // With an offender in the readable part: fail, incomplete, and equal to find as that user.
    fs::write(t.path().join(name("open/sub/vu\u{e9}".as_bytes())), b"x").unwrap();
    let (_, report) = scan_report(&[t.path()], user);
    assert_eq!(status(&report, "ascii.system-paths"), "fail");
    let summary = check(&report, "ascii.system-paths")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(summary.contains("scan incomplete"), "{summary}");
    assert_eq!(listed_under(&report, t.path()), find_oracle(t.path(), user));
    fs::set_permissions(t.path().join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
}

/// Beyond the kept number, JSON lists the first 1000 offenders and says how many more there
/// are; the summary counts them all; the human report shows the first 12.
#[test]
fn very_many_offenders_are_capped_and_counted() {
    let t = Tree::new();
    for i in 0..1500 {
        fs::write(t.path().join(format!("{i:04}\u{e9}")), b"").unwrap();
    }
    let (_, report) = scan_report(&[t.path()], None);
    let c = check(&report, "ascii.system-paths");
    assert!(
        c["summary"].as_str().unwrap().starts_with("1500 names"),
        "{}",
        c["summary"]
    );
    assert_eq!(listed_under(&report, t.path()).len(), 1000);
    assert!(
        c["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().contains("500 more not listed")),
        "{c:#}"
    );
    let out = Command::new(bin())
        .args(["check", "--only", "ascii.system-paths", "--scan"])
        .arg(t.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("é\n").count(), 12, "{text}");
    assert!(
        text.contains("more (all of them in --format json)"),
        "{text}"
    );
}

/// This machine's own non-ASCII names, the NetLock certificate of ca-certificates under
/// /usr/share/ca-certificates/mozilla and /etc/ssl/certs, are found by the default scan (no
/// --scan) and by a scan of just those directories, which also equals find there.
#[test]
fn finds_this_machines_netlock_certificate() {
    let cert_dirs = [
        Path::new("/usr/share/ca-certificates/mozilla"),
        Path::new("/etc/ssl/certs"),
    ];
    let mut expected = Vec::new();
    for d in cert_dirs {
        let found = find_oracle(d, None);
        assert!(
            found.iter().any(|p| p.contains("NetLock_Arany")),
            "ca-certificates is not installed (tests/deps.d installs it): {d:?} {found:?}"
        );
        expected.extend(found);
    }
    expected.sort();
    let (_, report) = scan_report(&cert_dirs, None);
    let mut got: Vec<String> = cert_dirs
        .iter()
        .flat_map(|d| listed_under(&report, d))
        .collect();
    got.sort();
    assert_eq!(got, expected);

    let r = common::run(["check", "--only", "ascii.system-paths", "--format", "json"]);
    let v = r.json();
    validate(&v);
    let details = check(&v, "ascii.system-paths")["details"].to_string();
    for want in expected {
        assert!(
            details.contains(&want),
            "default scan missed {want}: {details}"
        );
    }
}

/// Paths inside an image are shown as the image sees them; the names at the top of its / are
/// judged; an absolute link inside the image is not followed.
#[test]
fn image_paths_are_shown_inside_the_image() {
    let t = Tree::new();
    t.file("/etc/caf\u{e9}.conf", "x")
        .file("/usr/lib/ok", "x")
        .dir("/var/log")
        .dir("/donn\u{e9}es")
        .symlink("/usr/lib/to-root", "/")
        .file("/home/user/\u{e9}t\u{e9}", "not scanned by default");
    let (code, v) = check_root(t.path(), &["--only", "ascii.system-paths"]);
    assert_eq!(code, 1);
    let c = check(&v, "ascii.system-paths");
    let details: Vec<&str> = c["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert!(details.contains(&"/etc/café.conf"), "{details:#?}");
    assert!(details.contains(&"/données"), "{details:#?}");
    assert!(
        c["summary"].as_str().unwrap().starts_with("2 names"),
        "{}",
        c["summary"]
    );
    let host = t.path().display().to_string();
    let shown = c["details"].to_string() + c["summary"].as_str().unwrap();
    assert!(!shown.contains(&host), "host path in the findings: {c}");
    let fix = c["remediation"].as_str().unwrap();
    assert!(
        fix.contains("inside the image") && fix.contains(&host),
        "{fix}"
    );
    // --scan inside the image replaces the set: /home is walked, the top of / is not.
    let (_, v) = check_root(
        t.path(),
        &["--only", "ascii.system-paths", "--scan", "/home"],
    );
    let details = check(&v, "ascii.system-paths")["details"].to_string();
    assert!(
        details.contains("/home/user/été") && !details.contains("/données"),
        "{details}"
    );
}

/// A --scan path that does not exist, or that cannot be opened at all, is an error (the user
/// asked for it and nothing was looked at), never a pass.
#[test]
fn missing_or_unopenable_scan_path_is_an_error() {
    let t = Tree::new();
    let (code, v) = scan_report(&[&t.path().join("nope")], None);
    assert_eq!(code, 1);
    assert_eq!(status(&v, "ascii.system-paths"), "error");
    // The summary names the path and why.
    let summary = check(&v, "ascii.system-paths")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(summary.contains("/nope: does not exist"), "{summary}");

    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let locked = t.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // SAFETY: geteuid has no preconditions.
    let user = (unsafe { nix::libc::geteuid() } == 0).then_some("nobody");
    let (code, v) = scan_report(&[&locked], user);
    assert_eq!(code, 1);
    let c = check(&v, "ascii.system-paths");
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(
        c["details"].to_string().contains("Permission denied"),
        "{c:#}"
    );
    assert!(c["summary"].as_str().unwrap().contains("locked"), "{c:#}");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

fn names_image() -> Tree {
    let t = Tree::new();
    t.file("/etc/hostname", "caf\u{e9}-host\n")
        .file(
            "/etc/fstab",
            "# test image\nUUID=0a1b / ext4 defaults 1 1\n\
             LABEL=Donn\u{e9}es /srv/donn\u{e9}es ext4 defaults 0 2\n\
             /dev/sdb1 /srv/Data xfs defaults 0 0\n\
             /dev/sdc1 /srv/data xfs defaults 0 0\n\
             /dev/mapper/vg_sys-lv_swap none swap sw 0 0\n",
        )
        .file(
            "/etc/lvm/backup/vg_sys",
            "vg_sys {\n\tlogical_volumes {\n\t\tlv_root {\n\t\t}\n\t\tHome {\n\t\t}\n\t\thome {\n\t\t}\n\t}\n}\n",
        )
        .file("/sys/block/sda/sda1/partition", "1\n")
        .file("/sys/block/sda/size", "100\n")
        .file("/sys/block/dm-0/dm/name", "vg_sys-lv_root\n")
        .file("/sys/block/dm-0/dm/uuid", "LVM-abc\n");
    t
}

/// In an image: the host name from /etc/hostname, mount points and devices from fstab, LVM
/// names from the metadata backup, partitions from a sys/ fixture. Non-ASCII names fail with
/// their origin; names equal but for case are listed.
#[test]
fn image_names_from_fstab_lvm_and_sysfs() {
    let t = names_image();
    let (code, v) = check_root(
        t.path(),
        &[
            "--only",
            "ascii.hostname,ascii.mount-points,ascii.device-names",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(status(&v, "ascii.hostname"), "fail");
    let h = check(&v, "ascii.hostname");
    assert!(
        h["remediation"].as_str().unwrap().contains("caf--host"),
        "{h:#}"
    );

    let m = check(&v, "ascii.mount-points");
    assert_eq!(m["status"], "fail", "{m:#}");
    let md = m["details"].to_string();
    assert!(md.contains("/srv/données (/etc/fstab line 3)"), "{md}");
    assert!(
        md.contains("differ only by case: /srv/Data, /srv/data"),
        "{md}"
    );

    let d = check(&v, "ascii.device-names");
    assert_eq!(d["status"], "fail", "{d:#}");
    let dd = d["details"].to_string();
    assert!(
        dd.contains("LABEL=Données (/etc/fstab line 3 (mount source))"),
        "{dd}"
    );
    assert!(
        dd.contains("LVM logical volume names differ only by case: vg_sys/Home, vg_sys/home"),
        "{dd}"
    );
    assert!(
        d["summary"].as_str().unwrap().starts_with("1 of "),
        "{}",
        d["summary"]
    );
}

/// The same image made clean: ASCII names everywhere and no case twins pass; case twins alone
/// are a warning, not a failure.
#[test]
fn clean_image_passes_and_case_twins_warn() {
    let t = names_image();
    t.file("/etc/hostname", "web01\n")
        .file(
            "/etc/fstab",
            "UUID=0a1b / ext4 defaults 1 1\nLABEL=data /srv/data xfs defaults 0 0\n",
        )
        .file(
            "/etc/lvm/backup/vg_sys",
            "vg_sys {\n\tlogical_volumes {\n\t\tlv_root {\n\t\t}\n\t}\n}\n",
        );
    let (code, v) = check_root(
        t.path(),
        &[
            "--only",
            "ascii.hostname,ascii.mount-points,ascii.device-names",
        ],
    );
    assert_eq!(code, 0, "{v:#}");
    for id in ["ascii.hostname", "ascii.mount-points", "ascii.device-names"] {
        assert_eq!(status(&v, id), "pass", "{id}: {v:#}");
    }
    t.file("/sys/block/dm-1/dm/name", "DATA\n")
        .file("/dev/disk/by-label/Data", "");
    let (_, v) = check_root(t.path(), &["--only", "ascii.device-names"]);
    let d = check(&v, "ascii.device-names");
    assert_eq!(d["status"], "warn", "{d:#}");
    assert!(
        d["details"]
            .to_string()
            .contains("file system label names differ only by case: Data, data"),
        "{d:#}"
    );
}

/// An image without an fstab has no mount points to judge, and one that names no host (it
/// gets its name at first boot) has no host name to judge: skip with the reason. An unreadable
/// /etc/hostname is an error instead (run as nobody, since root reads it anyway).
#[test]
fn image_without_fstab_or_hostname_skips() {
    let t = Tree::new();
    t.dir("/etc");
    let (_, v) = check_root(t.path(), &["--only", "ascii.mount-points,ascii.hostname"]);
    assert_eq!(status(&v, "ascii.mount-points"), "skip");
    assert_eq!(status(&v, "ascii.hostname"), "skip");
    assert!(
        check(&v, "ascii.hostname")["summary"]
            .as_str()
            .unwrap()
            .contains("no host name")
    );

    fs::set_permissions(t.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(t.path().join("etc"), fs::Permissions::from_mode(0o755)).unwrap();
    t.file("/etc/hostname", "web01\n");
    fs::set_permissions(
        t.path().join("etc/hostname"),
        fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { nix::libc::geteuid() } == 0 {
        let out = Command::new("setpriv")
            .args(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups"])
            .arg(bin())
            .args([
                "check",
                "--only",
                "ascii.hostname",
                "--format",
                "json",
                "--root",
            ])
            .arg(t.path())
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(status(&v, "ascii.hostname"), "error", "{v:#}");
    }
}

/// Decodes findmnt's raw-mode `\xNN` escapes.
fn unhex(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && s.get(i + 1) == Some(&b'x') && i + 3 < s.len() {
            if let Ok(b) =
                u8::from_str_radix(std::str::from_utf8(&s[i + 2..i + 4]).unwrap_or("zz"), 16)
            {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Mount points with a space, a tab, UTF-8 and Latin-1 names, and two differing only by case,
/// made in a private mount namespace: the tool, run inside it, reads them from
/// /proc/self/mountinfo exactly as findmnt does, fails on the non-ASCII ones (a space is
/// printable ASCII and passes), and reports the non-ASCII mount source as a device name.
#[test]
fn mount_points_in_a_private_namespace_match_findmnt() {
    let t = Tree::new();
    let base = t.path();
    let dirs: Vec<&[u8]> = vec![
        b"with space",
        b"tab\there",
        "caf\u{e9}".as_bytes(),
        b"latin\xe9",
        b"Data",
        b"data",
    ];
    for d in &dirs {
        fs::create_dir(base.join(name(d))).unwrap();
    }
    let out_dir = base.join("out");
    fs::create_dir(&out_dir).unwrap();
    let script = r#"set -e
base="$1"; out="$2"; bin="$3"
mount -t tmpfs tmpfs "$base/with space"
mount -t tmpfs tmpfs "$base/$(printf 'tab\there')"
mount -t tmpfs "/dev/d$(printf '\303\266')nn" "$base/$(printf 'caf\303\251')"
mount -t tmpfs tmpfs "$base/$(printf 'latin\351')"
mount -t tmpfs tmpfs "$base/Data"
mount -t tmpfs tmpfs "$base/data"
"$bin" check --only ascii.mount-points,ascii.device-names --format json > "$out/report.json" || true
findmnt -rn -o TARGET > "$out/findmnt.txt"
mkdir -p "$base/walk/inner" "$base/walk/plain"
mount -t tmpfs tmpfs "$base/walk/inner"
: > "$base/walk/inner/$(printf 'hid\303\251')"
: > "$base/walk/plain/$(printf 'vu\303\251')"
"$bin" check --only ascii.system-paths --scan "$base/walk" --format json > "$out/live-walk.json" || true
"$bin" check --root "$base/walk" --only ascii.system-paths --scan / --format json > "$out/root-walk.json" || true
LC_ALL=C find "$base/walk" -xdev -name '*[! -~]*' > "$out/find-xdev.txt"
"#;
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(base)
        .arg(&out_dir)
        .arg(bin());
    let out = output_within(cmd, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "unshare -m (root and CAP_SYS_ADMIN needed; CI runs as root): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    validate(&v);
    // findmnt's view of the namespace, restricted to our base, non-ASCII ones.
    let base_b = base.as_os_str().as_bytes();
    let findmnt: Vec<Vec<u8>> = fs::read(out_dir.join("findmnt.txt"))
        .unwrap()
        .split(|b| *b == b'\n')
        .map(unhex)
        .filter(|p| p.starts_with(base_b))
        .collect();
    assert_eq!(findmnt.len(), dirs.len(), "findmnt saw {findmnt:?}");
    let mut expected: Vec<String> = findmnt
        .iter()
        .filter(|p| !asr_preflight::text::is_ascii_name(p))
        .map(|p| escape_bytes(p))
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 3, "tab, UTF-8 and Latin-1");
    let m = check(&v, "ascii.mount-points");
    assert_eq!(m["status"], "fail", "{m:#}");
    let prefix = escape_bytes(base_b);
    let mut got: Vec<String> = m["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d.as_str())
        .filter(|d| d.starts_with(&prefix))
        .map(|d| {
            d.split(" (/proc/self/mountinfo line")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
    assert!(
        m["summary"].as_str().unwrap().starts_with("3 of "),
        "{}",
        m["summary"]
    );
    let md = m["details"].to_string();
    assert!(
        md.contains(&format!(
            "differ only by case: {prefix}/Data, {prefix}/data"
        )),
        "{md}"
    );
    let d = check(&v, "ascii.device-names");
    assert_eq!(d["status"], "fail", "{d:#}");
    assert!(d["details"].to_string().contains("/dev/dönn"), "{d:#}");

    // The walk does not cross into the tmpfs mounted inside the scanned tree, live (where the
    // mount table is known) and in --root mode (where st_dev is compared): as find -xdev.
    let find_xdev = fs::read_to_string(out_dir.join("find-xdev.txt")).unwrap();
    assert_eq!(find_xdev.lines().count(), 1, "{find_xdev}");
    assert!(find_xdev.contains("/walk/plain/vué"));
    for (file, shown) in [
        ("live-walk.json", format!("{}/walk", base.display())),
        ("root-walk.json", String::new()),
    ] {
        let v: Value = serde_json::from_slice(&fs::read(out_dir.join(file)).unwrap()).unwrap();
        validate(&v);
        let c = check(&v, "ascii.system-paths");
        assert_eq!(c["status"], "fail", "{file}: {c:#}");
        let details: Vec<&str> = c["details"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d.as_str())
            .collect();
        assert!(
            details.contains(&format!("{shown}/plain/vué").as_str()),
            "{file}: {details:#?}"
        );
        assert!(
            !c.to_string().contains("hidé"),
            "{file} crossed into the tmpfs: {c:#}"
        );
        assert!(
            details
                .iter()
                .any(|d| d.starts_with("1 directories not entered")
                    && d.ends_with(&format!("{shown}/inner"))),
            "{file}: {details:#?}"
        );
    }
}

/// The host name of the running system is judged too (this machine's is ASCII).
#[test]
fn live_hostname_is_judged() {
    let r = common::run(["check", "--only", "ascii.hostname", "--format", "json"]);
    let v = r.json();
    validate(&v);
    let expected =
        if asr_preflight::text::is_ascii_name(nix::unistd::gethostname().unwrap().as_bytes()) {
            "pass"
        } else {
            "fail"
        };
    assert_eq!(status(&v, "ascii.hostname"), expected);
}

/// On a terminal a long scan shows its progress on standard error (here "long" is shortened to
/// zero with ASR_PREFLIGHT_PROGRESS_AFTER_MS and a pseudo-terminal comes from script(1)); the
/// pipe case, where nothing extra may be printed, is asserted by every other scan test.
#[test]
fn progress_on_a_terminal_only() {
    let cmd = format!(
        "{} check --only ascii.system-paths --scan /usr --format json >/dev/null",
        bin().display()
    );
    let out = output_within(
        {
            let mut c = Command::new("script");
            c.args(["-qec", &cmd, "/dev/null"])
                .env("ASR_PREFLIGHT_PROGRESS_AFTER_MS", "0")
                .env("ASR_PREFLIGHT_SCAN_THREADS", "1");
            c
        },
        Duration::from_secs(120),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("entries in"),
        "no progress line on the terminal: {text:?}"
    );
    assert!(
        text.contains("\r\x1b[K"),
        "the progress line is not cleared: {text:?}"
    );
}

/// The scan and the other ascii checks work against Linux 2.6.32's system call surface: run
/// under a seccomp filter that answers ENOSYS to every x86_64 call numbered 299 or above
/// (tests/support/old_kernel_syscalls.c), the hostile tree still equals find and no check errs.
#[test]
fn works_without_system_calls_newer_than_2_6_32() {
    let t = Tree::new();
    hostile(t.path());
    let wrapper = t.path().join("old_kernel_syscalls");
    let cc = Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&wrapper)
        .arg(common::repo().join("tests/support/old_kernel_syscalls.c"))
        .output()
        .expect("cc (gcc; tests/deps.d installs it)");
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let mut cmd = Command::new(&wrapper);
    cmd.arg(bin())
        .args([
            "check",
            "--only",
            "ascii.system-paths",
            "--format",
            "json",
            "--scan",
        ])
        .arg(t.path());
    let out = output_within(cmd, Duration::from_secs(120));
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    validate(&v);
    assert_eq!(status(&v, "ascii.system-paths"), "fail");
    assert_eq!(listed_under(&v, t.path()), find_oracle(t.path(), None));

    let mut cmd = Command::new(&wrapper);
    cmd.arg(bin()).args([
        "check",
        "--only",
        "ascii.hostname,ascii.mount-points,ascii.device-names",
        "--format",
        "json",
    ]);
    let out = output_within(cmd, Duration::from_secs(60));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in ["ascii.hostname", "ascii.mount-points", "ascii.device-names"] {
        let s = status(&v, id);
        assert!(
            s == "pass" || s == "warn" || s == "fail",
            "{id}: {:#}",
            check(&v, id)
        );
    }
}
