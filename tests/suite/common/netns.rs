//! Network namespaces made by a test, for tests that need real interfaces: veth pairs whose
//! ends stay in namespaces the test made, files that `ip netns exec` binds over /etc, a host
//! name in a private UTS namespace, and the tool or glibc's `getent` run inside. Everything is
//! removed by a Drop guard, also when an assertion fails; names carry the process id and a
//! counter so that parallel tests and parallel test binaries do not clash.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::net::Ipv4Addr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn is_root() -> bool {
    // /proc/self belongs to the process's effective user.
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
        return true;
    }
    eprintln!("not root: the namespace tests need root and did not run");
    false
}

pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A network namespace made by the test, with its /etc/netns directory; both go on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Netns {
        let name = format!(
            "asrpf-{}-{}-{tag}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        run_ok(Command::new("ip").args(["netns", "add", &name]));
        let ns = Netns { name };
        std::fs::create_dir_all(ns.etc_dir()).unwrap();
        // Only the files backend: the oracle and the tool never reach for DNS.
        ns.etc("nsswitch.conf", b"hosts: files\n");
        ns
    }

    pub fn etc_dir(&self) -> PathBuf {
        PathBuf::from("/etc/netns").join(&self.name)
    }

    /// A file that `ip netns exec` binds over /etc/FILE inside this namespace.
    pub fn etc(&self, file: &str, content: &[u8]) {
        std::fs::write(self.etc_dir().join(file), content).unwrap();
    }

    /// `ip -n NAME ARGS...`
    pub fn ip(&self, args: &str) {
        run_ok(
            Command::new("ip")
                .args(["-n", &self.name])
                .args(args.split_whitespace()),
        );
    }

    /// A veth pair: `name` here, its peer in `peer` (so no end is ever in the root namespace).
    pub fn veth(&self, name: &str, peer: &Netns, addrs: &[&str], up: bool) {
        let peer_name = format!("p-{name}");
        run_ok(Command::new("ip").args([
            "-n", &self.name, "link", "add", name, "type", "veth", "peer", "name", &peer_name,
            "netns", &peer.name,
        ]));
        for a in addrs {
            let extra = if a.contains(':') { " nodad" } else { "" };
            self.ip(&format!("addr add {a} dev {name}{extra}"));
        }
        peer.ip(&format!("link set {peer_name} up"));
        if up {
            self.ip(&format!("link set {name} up"));
        }
    }

    /// Runs `argv` inside the namespace with its /etc files and the host name `host`.
    pub fn exec<S: AsRef<OsStr>>(&self, host: &[u8], argv: &[S]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.name, "unshare", "--uts", "sh", "-c"])
            .arg(r#"printf %s "$1" > /proc/sys/kernel/hostname && shift && exec "$@""#)
            .arg("sh")
            .arg(OsStr::from_bytes(host))
            .args(argv)
            .env("NO_COLOR", "1")
            .env("LC_ALL", "C")
            .output()
            .expect("ip netns exec")
    }

    /// glibc's IPv4 answer for `name`: the set of addresses `getent ahostsv4` prints.
    pub fn getent_v4(&self, host: &[u8], name: &[u8]) -> BTreeSet<Ipv4Addr> {
        let out = self.exec(
            host,
            &[
                OsStr::new("getent"),
                OsStr::new("ahostsv4"),
                OsStr::from_bytes(name),
            ],
        );
        // Exit 2 means "not found"; anything else but 0 is a broken oracle.
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(2),
            "getent failed: {:?} {}",
            code,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(|a| a.parse().expect("getent prints IPv4 addresses"))
            .collect()
    }

    /// The tool's JSON report for `args` inside the namespace, validated against the schema.
    pub fn report(&self, host: &[u8], args: &[&str]) -> (i32, Value) {
        let bin = super::bin();
        let mut argv: Vec<&OsStr> = vec![bin.as_os_str()];
        argv.extend(["--format", "json"].iter().map(OsStr::new));
        argv.extend(args.iter().map(OsStr::new));
        let out = self.exec(host, &argv);
        let code = out.status.code().unwrap_or(-1);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        super::validate(&v);
        (code, v)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
        let _ = std::fs::remove_dir_all(self.etc_dir());
    }
}
