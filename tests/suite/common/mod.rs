//! Shared helpers of the integration tests: fixture roots built in temporary directories, the
//! binary run as a user would run it, and validation of its JSON against the published schema.
#![allow(dead_code)]

pub mod netns;
pub mod release;
pub mod staticbin;
pub mod sysfs;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub mod debs;

use serde_json::Value;

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_asr-preflight"))
}

/// The repository's directory.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fake root tree in a temporary directory.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn host(&self, p: &str) -> PathBuf {
        self.dir.path().join(p.trim_start_matches('/'))
    }

    /// Writes a file, creating its directories.
    pub fn file(&self, p: &str, content: impl AsRef<[u8]>) -> &Tree {
        let h = self.host(p);
        std::fs::create_dir_all(h.parent().unwrap()).unwrap();
        std::fs::write(h, content).unwrap();
        self
    }

    pub fn dir(&self, p: &str) -> &Tree {
        std::fs::create_dir_all(self.host(p)).unwrap();
        self
    }

    pub fn symlink(&self, p: &str, target: &str) -> &Tree {
        let h = self.host(p);
        std::fs::create_dir_all(h.parent().unwrap()).unwrap();
        symlink(target, h).unwrap();
        self
    }

    /// A RHEL 8 image whose enabled nftables.service loads /etc/sysconfig/nftables.conf with
    /// `conf` (systemd as init, the unit wanted by multi-user.target).
    pub fn rhel8_nftables(&self, conf: impl AsRef<[u8]>) -> &Tree {
        self.x86_64()
            .file("/etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"8.4\"\n")
            .file("/usr/lib/systemd/systemd", "")
            .file(
                "/usr/lib/systemd/system/nftables.service",
                "[Service]\nType=oneshot\nExecStart=/sbin/nft -f /etc/sysconfig/nftables.conf\n",
            )
            .symlink(
                "/etc/systemd/system/multi-user.target.wants/nftables.service",
                "/usr/lib/systemd/system/nftables.service",
            )
            .file("/etc/sysconfig/nftables.conf", conf)
    }

    /// A minimal x86_64 ELF header at /bin/sh, so the image's architecture is known.
    pub fn x86_64(&self) -> &Tree {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[18] = 62;
        self.file("/bin/sh", h)
    }
}

/// What one run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Runs the binary with `args`. A run that has not ended after five minutes is killed and
/// fails the test, so a hang fails the suite instead of stalling it.
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    run_within(
        Command::new(bin()).args(args).env("NO_COLOR", "1"),
        Duration::from_secs(300),
    )
}

/// Runs `cmd` with no input, draining its output as it comes (a large report cannot stall
/// it); panics, after killing it, if it has not ended within `limit`.
pub fn run_within(cmd: &mut Command, limit: Duration) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn asr-preflight");
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for asr-preflight") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no answer within {limit:?}: the tool hung");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Runs `check --root DIR --format json` plus `extra`, validates the report against the schema
/// and returns it with the exit code.
pub fn check_root(root: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args: Vec<String> = vec![
        "check".into(),
        "--root".into(),
        root.display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let r = run(&args);
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

/// Asserts that a report validates against schema/report.schema.json.
pub fn validate(report: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schema/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}\n{report:#}");
}

/// The check with `id` in a report.
pub fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in report"))
}

/// The status of check `id`.
pub fn status(report: &Value, id: &str) -> String {
    check(report, id)["status"].as_str().unwrap().to_string()
}

/// Runs `cmd` with `input` on standard input (from another thread, so a full pipe cannot
/// deadlock) and returns its standard output; the command must succeed.
pub fn pipe(cmd: &[&str], input: &[u8], cwd: Option<&Path>) -> Vec<u8> {
    use std::io::Write;
    use std::process::Stdio;
    let mut c = Command::new(cmd[0]);
    c.args(&cmd[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (tests/deps.d/70-failover.sh installs it)", cmd[0]));
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
