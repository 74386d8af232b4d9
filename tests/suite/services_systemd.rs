//! Service enablement against systemd's own answers. Fixture roots hold real unit files
//! (Debian's openssh-server package, downloaded at test time, and RHEL's sshd units written out
//! below) and the host's real target units; the test itself changes them with
//! `systemctl --root=DIR enable|disable|mask|unmask|set-default` over many generated sequences,
//! then compares our verdict with `systemctl --root=DIR is-enabled`. SysV scripts under systemd
//! are compared with what the real systemd-sysv-generator generates from the same tree.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::Tree;
use asr_preflight::facts::services::{self, BootState};
use asr_preflight::root::Root;

const SYSV_GENERATOR: &str = "/lib/systemd/system-generators/systemd-sysv-generator";

/// RHEL 7's sshd.service (openssh-server-7.4p1), the socket pair and its template service.
const RHEL_SSHD_SERVICE: &str = "[Unit]
Description=OpenSSH server daemon
Documentation=man:sshd(8) man:sshd_config(5)
After=network.target sshd-keygen.service
Wants=sshd-keygen.service

[Service]
Type=notify
EnvironmentFile=/etc/sysconfig/sshd
ExecStart=/usr/sbin/sshd -D $OPTIONS
ExecReload=/bin/kill -HUP $MAINPID
KillMode=process
Restart=on-failure
RestartSec=42s

[Install]
WantedBy=multi-user.target
";
const RHEL_SSHD_SOCKET: &str = "[Unit]
Description=OpenSSH Server Socket
Documentation=man:sshd(8) man:sshd_config(5)
Conflicts=sshd.service

[Socket]
ListenStream=22
Accept=yes

[Install]
WantedBy=sockets.target
";
const RHEL_SSHD_AT_SERVICE: &str = "[Unit]
Description=OpenSSH per-connection server daemon
Documentation=man:sshd(8) man:sshd_config(5)
Wants=sshd-keygen.service
After=sshd-keygen.service

[Service]
EnvironmentFile=-/etc/sysconfig/sshd
ExecStart=-/usr/sbin/sshd -i $OPTIONS
StandardInput=socket
";

/// Debian's openssh-server package, unpacked once per test run into the cache directory.
fn openssh_deb() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("testdata/openssh-server");
        if cache.join("lib/systemd/system/ssh.service").is_file() {
            return cache;
        }
        let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("testdata/openssh-server.{}", std::process::id()));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work).unwrap();
        let out = Command::new("apt-get")
            .args(["download", "openssh-server"])
            .current_dir(&work)
            .output()
            .expect("apt-get runs");
        assert!(
            out.status.success(),
            "apt-get download openssh-server failed (run tests/install-deps.sh first): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let deb = fs::read_dir(&work)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "deb"))
            .expect("a .deb was downloaded");
        let tree = work.join("tree");
        let st = Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&tree)
            .status()
            .expect("dpkg-deb runs");
        assert!(st.success(), "dpkg-deb -x failed");
        // Another test binary may have won the race; either tree is the same package.
        let _ = fs::rename(&tree, &cache);
        let _ = fs::remove_dir_all(&work);
        assert!(cache.join("lib/systemd/system/ssh.service").is_file());
        cache
    })
}

/// The host's own target units (systemd package): real `Wants=`/`Requires=` chains.
fn copy_host_targets(tree: &Tree, unit_dir: &str) {
    let dst = tree.path().join(unit_dir.trim_start_matches('/'));
    fs::create_dir_all(&dst).unwrap();
    for e in fs::read_dir("/lib/systemd/system").unwrap().flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().ends_with(".target") {
            continue;
        }
        let src = e.path();
        let meta = fs::symlink_metadata(&src).unwrap();
        if meta.file_type().is_symlink() {
            symlink(fs::read_link(&src).unwrap(), dst.join(&name)).unwrap();
        } else if meta.is_file() {
            fs::copy(&src, dst.join(&name)).unwrap();
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// Debian: ssh.service (Alias=sshd.service) and ssh.socket (Accept=no) in /lib.
    Debian,
    /// RHEL 7: sshd.service, sshd.socket (Accept=yes) and sshd@.service in /usr/lib.
    Rhel,
}

impl Layout {
    fn service(self) -> &'static str {
        match self {
            Layout::Debian => "ssh.service",
            Layout::Rhel => "sshd.service",
        }
    }
    fn socket(self) -> &'static str {
        match self {
            Layout::Debian => "ssh.socket",
            Layout::Rhel => "sshd.socket",
        }
    }
    /// Names systemctl is asked to act on (an alias too, which only works once it exists).
    fn op_units(self) -> &'static [&'static str] {
        match self {
            Layout::Debian => &["ssh.service", "ssh.socket", "sshd.service"],
            Layout::Rhel => &["sshd.service", "sshd.socket"],
        }
    }
    fn unit_dir(self) -> &'static str {
        match self {
            Layout::Debian => "/lib/systemd/system",
            Layout::Rhel => "/usr/lib/systemd/system",
        }
    }
}

fn systemd_tree(layout: Layout) -> Tree {
    let t = Tree::new();
    let dir = layout.unit_dir();
    copy_host_targets(&t, dir);
    match layout {
        Layout::Debian => {
            let deb = openssh_deb();
            for f in ["ssh.service", "ssh.socket", "rescue-ssh.target"] {
                t.file(
                    &format!("{dir}/{f}"),
                    fs::read(deb.join("lib/systemd/system").join(f)).unwrap(),
                );
            }
            t.symlink("/sbin/init", "/lib/systemd/systemd");
        }
        Layout::Rhel => {
            t.file(&format!("{dir}/sshd.service"), RHEL_SSHD_SERVICE)
                .file(&format!("{dir}/sshd.socket"), RHEL_SSHD_SOCKET)
                .file(&format!("{dir}/sshd@.service"), RHEL_SSHD_AT_SERVICE)
                .symlink("/sbin/init", "../lib/systemd/systemd");
        }
    }
    t.dir("/etc/systemd/system");
    t
}

fn systemctl(root: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("systemctl")
        .arg(format!("--root={}", root.display()))
        .args(args)
        .env("SYSTEMD_LOG_LEVEL", "err")
        .output()
        .expect("systemctl runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    )
}

/// `systemctl is-enabled UNIT`, restricted to the answers the generated cases can produce.
fn is_enabled(root: &Path, unit: &str) -> String {
    let (_, state) = systemctl(root, &["is-enabled", unit]);
    assert!(
        ["enabled", "disabled", "masked", "static", "alias"].contains(&state.as_str()),
        "unexpected is-enabled answer {state:?} for {unit}"
    );
    state
}

/// What systemd's answers mean for "started at boot" when the default target is multi-user
/// or graphical (both reach multi-user.target and sockets.target, the units' WantedBy=).
fn oracle(root: &Path, layout: Layout) -> (BootState, String) {
    let svc = is_enabled(root, layout.service());
    let sock = is_enabled(root, layout.socket());
    // Debian's socket (Accept=no) starts ssh.service itself, so masking the service defeats
    // it; RHEL's (Accept=yes) starts sshd@.service instances, which the mask does not touch.
    let socket_counts = match layout {
        Layout::Debian => sock == "enabled" && svc != "masked",
        Layout::Rhel => sock == "enabled",
    };
    let state = if svc == "enabled" || socket_counts {
        BootState::Enabled
    } else if svc == "masked" {
        BootState::Masked
    } else {
        BootState::Disabled
    };
    (
        state,
        format!("{}={svc} {}={sock}", layout.service(), layout.socket()),
    )
}

fn ours(root: &Path) -> services::ServiceEnablement {
    let r = Root::image(root).unwrap();
    services::gather(&r).enablement(&r, &["sshd", "ssh"])
}

/// A small deterministic generator, so that a failing case can be replayed from its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn generated_sequences(layout: Layout, seed: u64, count: usize) {
    let verbs = ["enable", "disable", "mask", "unmask"];
    let defaults = ["multi-user.target", "graphical.target"];
    let mut rng = Rng(seed);
    let mut seen_states = std::collections::BTreeSet::new();
    for case in 0..count {
        let t = systemd_tree(layout);
        let mut ops = Vec::new();
        if rng.next() % 2 == 0 {
            let d = *rng.pick(&defaults);
            systemctl(t.path(), &["set-default", d]);
            ops.push(format!("set-default {d}"));
        }
        let len = 1 + (rng.next() % 4) as usize;
        for _ in 0..len {
            let verb = *rng.pick(&verbs);
            let unit = *rng.pick(layout.op_units());
            // Failures (masking an alias, enabling a missing alias) are part of the game:
            // systemctl refuses and the tree stays as it was.
            systemctl(t.path(), &[verb, unit]);
            ops.push(format!("{verb} {unit}"));
        }
        let (want, why) = oracle(t.path(), layout);
        let got = ours(t.path());
        assert_eq!(
            got.state,
            want,
            "{layout:?} case {case} (seed {seed}): after `{}` systemctl says {why}\nours: {got:#?}",
            ops.join("; ")
        );
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        seen_states.insert(format!("{want:?}"));
    }
    // The generated cases must cover every verdict, or the comparison proves little.
    assert_eq!(
        seen_states.len(),
        3,
        "{layout:?}: only {seen_states:?} were generated"
    );
}

/// Debian's real ssh.service/ssh.socket: 100 generated enable/disable/mask/unmask/set-default
/// sequences, our verdict equal to systemctl's every time.
#[test]
fn debian_units_agree_with_systemctl() {
    generated_sequences(Layout::Debian, 0x5eed_0001, 100);
}

/// RHEL's sshd.service/sshd.socket (Accept=yes): 100 generated sequences.
#[test]
fn rhel_units_agree_with_systemctl() {
    generated_sequences(Layout::Rhel, 0x5eed_0002, 100);
}

/// Where we deliberately differ from `is-enabled`: with rescue.target as the default target,
/// systemctl still calls ssh.service "enabled" (its install link exists), but the boot does not
/// reach multi-user.target, so sshd does not start; we say so and point at the link.
#[test]
fn rescue_default_target_is_not_boot_enabled() {
    let t = systemd_tree(Layout::Debian);
    systemctl(t.path(), &["enable", "ssh.service"]);
    systemctl(t.path(), &["set-default", "rescue.target"]);
    assert_eq!(is_enabled(t.path(), "ssh.service"), "enabled");
    let got = ours(t.path());
    assert_eq!(got.state, BootState::Disabled, "{got:#?}");
    assert!(
        got.evidence
            .iter()
            .any(|e| e.contains("multi-user.target is not reached from rescue.target")),
        "{got:#?}"
    );
}

/// The remediation a disabled or masked unit gets is the command that systemctl accepts and
/// that turns systemctl's own answer into "enabled".
#[test]
fn remediation_commands_work() {
    for (layout, mask) in [
        (Layout::Debian, None),
        (Layout::Debian, Some("ssh.service")),
        // Masks the name Debian's unit would take as its alias: the unit itself is not masked,
        // but enabling it needs the mask gone first.
        (Layout::Debian, Some("sshd.service")),
        (Layout::Rhel, None),
        (Layout::Rhel, Some("sshd.service")),
    ] {
        {
            let t = systemd_tree(layout);
            if let Some(unit) = mask {
                let (ok, _) = systemctl(t.path(), &["mask", unit]);
                assert!(ok, "mask {unit}");
            }
            let got = ours(t.path());
            let fix = got.remediation.clone().expect("a remediation");
            for part in fix.split(" && ") {
                let words: Vec<&str> = part.split_whitespace().collect();
                assert_eq!(words[0], "systemctl", "{fix}");
                let (ok, _) = systemctl(t.path(), &words[1..]);
                assert!(ok, "`{part}` failed in {layout:?} with {mask:?} masked");
            }
            assert_eq!(oracle(t.path(), layout).0, BootState::Enabled, "{fix}");
            assert_eq!(ours(t.path()).state, BootState::Enabled);
        }
    }
}

/// Runs the real systemd-sysv-generator on the tree; returns the targets that want `service`.
fn generator_wants(
    root: &Path,
    init_d: &str,
    rc_base: &str,
    unit_dir: &str,
    service: &str,
) -> Vec<String> {
    let out = tempfile::tempdir().unwrap();
    let o = out.path();
    let st = Command::new(SYSV_GENERATOR)
        .args([o, o, o])
        .env(
            "SYSTEMD_UNIT_PATH",
            format!("{0}/etc/systemd/system:{0}{unit_dir}", root.display()),
        )
        .env(
            "SYSTEMD_SYSVINIT_PATH",
            format!("{}{init_d}", root.display()),
        )
        .env(
            "SYSTEMD_SYSVRCND_PATH",
            format!("{}{rc_base}", root.display()),
        )
        .env("SYSTEMD_LOG_LEVEL", "err")
        .status()
        .expect("systemd-sysv-generator runs");
    assert!(st.success());
    ["multi-user.target", "graphical.target", "rescue.target"]
        .iter()
        .filter(|t| {
            o.join(format!("{t}.wants"))
                .join(service)
                .symlink_metadata()
                .is_ok()
        })
        .map(|t| t.to_string())
        .collect()
}

/// SysV scripts under systemd: random S/K links in rc1.d-rc5.d, executable or not, with or
/// without a native unit, multi-user or graphical default, in Debian's layout (/etc/init.d,
/// /etc/rcN.d) and RHEL's (/etc/rc.d/init.d, /etc/rc.d/rcN.d). The expected verdict is what the
/// real generator generates (plus systemctl's answer for the native unit when there is one).
#[test]
fn sysv_scripts_agree_with_the_generator() {
    let deb = openssh_deb();
    let script = fs::read(deb.join("etc/init.d/ssh")).unwrap();
    let mut rng = Rng(0x5eed_0003);
    let mut seen = std::collections::BTreeSet::new();
    for case in 0..150 {
        let rhel = rng.next() % 2 == 0;
        let layout = if rhel { Layout::Rhel } else { Layout::Debian };
        let (name, init_d, rc_base) = if rhel {
            ("sshd", "/etc/rc.d/init.d", "/etc/rc.d")
        } else {
            ("ssh", "/etc/init.d", "/etc")
        };
        let t = Tree::new();
        copy_host_targets(&t, layout.unit_dir());
        t.symlink("/sbin/init", "/lib/systemd/systemd");
        t.dir("/etc/systemd/system");
        let script_path = format!("{init_d}/{name}");
        t.file(&script_path, &script);
        let executable = rng.next() % 5 != 0;
        let mode = if executable { 0o755 } else { 0o644 };
        fs::set_permissions(
            t.path().join(script_path.trim_start_matches('/')),
            fs::Permissions::from_mode(mode),
        )
        .unwrap();
        let mut desc = vec![format!("{script_path} mode {mode:o}")];
        for level in 1..=5 {
            match rng.next() % 3 {
                0 => {
                    let l = format!("{rc_base}/rc{level}.d/S02{name}");
                    t.symlink(&l, &format!("../init.d/{name}"));
                    desc.push(l);
                }
                1 => {
                    let l = format!("{rc_base}/rc{level}.d/K01{name}");
                    t.symlink(&l, &format!("../init.d/{name}"));
                    desc.push(l);
                }
                _ => {
                    t.dir(&format!("{rc_base}/rc{level}.d"));
                }
            }
        }
        let default = *rng.pick(&["multi-user.target", "graphical.target"]);
        systemctl(t.path(), &["set-default", default]);
        desc.push(format!("default {default}"));
        let native = rng.next() % 4 == 0;
        if native {
            let unit = if rhel {
                RHEL_SSHD_SERVICE.as_bytes().to_vec()
            } else {
                fs::read(deb.join("lib/systemd/system/ssh.service")).unwrap()
            };
            t.file(&format!("{}/{}", layout.unit_dir(), layout.service()), unit);
            if rng.next() % 2 == 0 {
                systemctl(t.path(), &["enable", layout.service()]);
                desc.push(format!("native {} enabled", layout.service()));
            } else {
                desc.push(format!("native {} disabled", layout.service()));
            }
        }
        let service = format!("{name}.service");
        let wants = generator_wants(t.path(), init_d, rc_base, layout.unit_dir(), &service);
        let generated = wants.iter().any(|w| {
            w == "multi-user.target" || (w == "graphical.target" && default == "graphical.target")
        });
        let native_enabled = native && is_enabled(t.path(), layout.service()) == "enabled";
        let want = if generated || native_enabled {
            BootState::Enabled
        } else {
            BootState::Disabled
        };
        let got = ours(t.path());
        assert_eq!(
            got.state,
            want,
            "case {case}: {}\ngenerator wants: {wants:?}\nours: {got:#?}",
            desc.join(", ")
        );
        seen.insert(format!("{want:?}{}", native));
    }
    assert!(seen.len() >= 4, "too little variety: {seen:?}");
}
