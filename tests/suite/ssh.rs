//! `ssh.autostart` through the binary, against fixture roots laid out as each distribution's
//! tools leave them: CentOS 7 (systemd), RHEL 6 (Upstart running chkconfig's rc links), SLES 11
//! (SysV, insserv), Ubuntu 14.04 (Upstart job and override), Debian (systemd, masked).

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::{Tree, check, check_root, status};

fn executable(t: &Tree, p: &str) {
    t.file(p, "#!/bin/sh\n");
    fs::set_permissions(
        t.path().join(p.trim_start_matches('/')),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}

fn autostart(t: &Tree) -> serde_json::Value {
    let (_, report) = check_root(
        t.path(),
        &["--only", "ssh.autostart", "--scenario", "vmware-to-azure"],
    );
    check(&report, "ssh.autostart").clone()
}

fn centos7() -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/centos-release", "CentOS Linux release 7.2.1511 (Core)\n")
        .symlink("/sbin/init", "../lib/systemd/systemd")
        .symlink("/etc/systemd/system/default.target", "/lib/systemd/system/multi-user.target")
        .file(
            "/usr/lib/systemd/system/sshd.service",
            "[Service]\nExecStart=/usr/sbin/sshd -D $OPTIONS\n[Install]\nWantedBy=multi-user.target\n",
        )
        .file(
            "/usr/lib/systemd/system/multi-user.target",
            "[Unit]\nRequires=basic.target\n",
        )
        .symlink("/lib", "usr/lib");
    t
}

/// CentOS 7 with sshd enabled passes and says how it is started; disabled fails with
/// `systemctl enable sshd`.
#[test]
fn centos7_enabled_and_disabled() {
    let t = centos7();
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(c["remediation"], "systemctl enable sshd", "{c:#}");
    t.symlink(
        "/etc/systemd/system/multi-user.target.wants/sshd.service",
        "/usr/lib/systemd/system/sshd.service",
    );
    let c = autostart(&t);
    assert_eq!(c["status"], "pass", "{c:#}");
    let details = c["details"].to_string();
    assert!(
        details.contains("multi-user.target.wants/sshd.service"),
        "{c:#}"
    );
    assert!(details.contains("init system: systemd"), "{c:#}");
}

/// A typo'd keyword and a Subsystem defined twice (a drop-in repeating the main file's):
/// sshd refuses to start on either, so ssh.autostart fails although sshd is enabled, naming
/// each file and line with sshd's reason.
#[test]
fn unknown_keyword_and_repeated_subsystem_stop_sshd() {
    let t = centos7();
    t.symlink(
        "/etc/systemd/system/multi-user.target.wants/sshd.service",
        "/usr/lib/systemd/system/sshd.service",
    )
    .file(
        "/etc/ssh/sshd_config",
        "Subsystem sftp /usr/libexec/openssh/sftp-server\nInclude /etc/ssh/sshd_config.d/*.conf\nPasswordAuthenticaton no\n",
    )
    .file("/etc/ssh/sshd_config.d/50-sftp.conf", "Subsystem sftp internal-sftp\n");
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    let details = c["details"].to_string();
    assert!(
        details.contains(
            "/etc/ssh/sshd_config line 3: Bad configuration option: PasswordAuthenticaton"
        ),
        "{c:#}"
    );
    assert!(
        details.contains(
            "/etc/ssh/sshd_config.d/50-sftp.conf line 1: Subsystem 'sftp' already defined."
        ),
        "{c:#}"
    );
}

/// Without any sshd the failure names the package and gives the install-and-enable command.
#[test]
fn centos7_not_installed_names_the_package() {
    let t = centos7();
    fs::remove_file(t.path().join("usr/lib/systemd/system/sshd.service")).unwrap();
    let c = autostart(&t);
    assert_eq!(c["status"], "fail");
    assert!(
        c["summary"].as_str().unwrap().contains("openssh-server"),
        "{c:#}"
    );
    assert_eq!(
        c["remediation"],
        "yum install -y openssh-server && systemctl enable sshd"
    );
}

/// RHEL 6: Upstart runs the rc scripts of inittab's runlevel; chkconfig's K link in rc3.d
/// means off, `chkconfig sshd on` is the fix, an S link means on.
#[test]
fn rhel6_chkconfig_layout() {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux Server release 6.7 (Santiago)\n",
        )
        .file("/etc/inittab", "id:3:initdefault:\n")
        .file("/etc/init/rcS.conf", "start on startup\n")
        .symlink("/etc/init.d", "rc.d/init.d")
        .symlink("/etc/rc.d/rc3.d/K25sshd", "../init.d/sshd")
        .symlink("/etc/rc.d/rc5.d/S55sshd", "../init.d/sshd");
    for p in [
        "/sbin/init",
        "/sbin/initctl",
        "/sbin/chkconfig",
        "/etc/rc.d/init.d/sshd",
    ] {
        executable(&t, p);
    }
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(c["remediation"], "chkconfig sshd on");
    assert!(
        c["details"].to_string().contains("init system: Upstart"),
        "{c:#}"
    );
    fs::remove_file(t.path().join("etc/rc.d/rc3.d/K25sshd")).unwrap();
    t.symlink("/etc/rc.d/rc3.d/S55sshd", "../init.d/sshd");
    assert_eq!(autostart(&t)["status"], "pass");
}

/// SLES 11: SysV init, rc directories under /etc/init.d, the fix is `insserv sshd`.
#[test]
fn sles11_insserv_layout() {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/SuSE-release",
            "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3\n",
        )
        .file("/etc/inittab", "id:5:initdefault:\n")
        .symlink("/etc/rc.d", "init.d")
        .dir("/etc/init.d/rc3.d")
        .dir("/etc/init.d/rc5.d");
    for p in ["/sbin/init", "/sbin/insserv", "/etc/init.d/sshd"] {
        executable(&t, p);
    }
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(c["remediation"], "insserv sshd");
    t.symlink("/etc/init.d/rc5.d/S12sshd", "../sshd");
    let c = autostart(&t);
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("SysV init"));
}

/// Ubuntu 14.04: the ssh job starts on runlevel [2345]; an override saying `manual` disables
/// it, and the fix removes that line.
#[test]
fn ubuntu1404_upstart_override() {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\n")
        .file("/etc/init/rc-sysinit.conf", "env DEFAULT_RUNLEVEL=2\n")
        .file(
            "/etc/init/ssh.conf",
            "description \"OpenSSH server\"\nstart on runlevel [2345]\nstop on runlevel [!2345]\nexec /usr/sbin/sshd -D\n",
        )
        .file("/etc/init/ssh.override", "manual\n");
    for p in ["/sbin/init", "/sbin/initctl", "/etc/init.d/ssh"] {
        executable(&t, p);
    }
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert_eq!(
        c["remediation"],
        "sed -i '/^[[:space:]]*manual[[:space:]]*$/d' /etc/init/ssh.override"
    );
    fs::write(t.path().join("etc/init/ssh.override"), "").unwrap();
    assert_eq!(autostart(&t)["status"], "pass");
}

/// Debian with ssh.service masked: a failure that says masked, fixed by unmask and enable.
#[test]
fn debian_masked() {
    let t = Tree::new();
    t.x86_64()
        .file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        .symlink("/sbin/init", "/lib/systemd/systemd")
        .file(
            "/lib/systemd/system/ssh.service",
            "[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n",
        )
        .symlink(
            "/etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        )
        .symlink("/etc/systemd/system/ssh.service", "/dev/null");
    let c = autostart(&t);
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("masked"), "{c:#}");
    assert_eq!(
        c["remediation"],
        "systemctl unmask ssh && systemctl enable ssh"
    );
}

/// A file that decides but cannot be read (here /etc/inittab is a FIFO) is an error, and
/// offline the check never claims to know whether sshd runs now.
#[test]
fn unreadable_is_error_and_offline_says_nothing_of_processes() {
    let t = Tree::new();
    t.x86_64().dir("/etc/init.d");
    executable(&t, "/sbin/init");
    executable(&t, "/etc/init.d/sshd");
    nix::unistd::mkfifo(&t.path().join("etc/inittab"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let c = autostart(&t);
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(c["details"].to_string().contains("/etc/inittab"), "{c:#}");
    assert!(!c["details"].to_string().contains("runs now"), "{c:#}");
}

/// The requirement is the VMware/physical row's: other scenarios skip it.
#[test]
fn skipped_outside_vmware_and_physical() {
    let t = centos7();
    let (_, report) = check_root(
        t.path(),
        &["--only", "ssh.autostart", "--scenario", "hyperv-to-azure"],
    );
    assert_eq!(status(&report, "ssh.autostart"), "skip");
}

/// Differential against OpenSSH's own reader: `sshd -T -f FILE` (Debian's openssh-server,
/// never started as a daemon) on generated configurations with Match blocks, `Match all`,
/// an Include directory, service-name ports and lines sshd refuses (bad ports and addresses,
/// unknown keywords, missing arguments, bad yes/no values, global keywords inside Match). For each, "sshd refuses
/// this file" must equal the tool's refusals being non-empty, and when sshd accepts it the
/// ports of its listen addresses must equal the tool's ports.
#[test]
fn sshd_t_differential() {
    use std::collections::{BTreeMap, BTreeSet};
    use std::process::Command;
    let sshd = std::path::Path::new("/usr/sbin/sshd");
    assert!(
        sshd.exists(),
        "openssh-server is needed (tests/deps.d/40-ssh.sh)"
    );
    // sshd -T insists on its privilege separation directory even when it only prints.
    fs::create_dir_all("/run/sshd").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let key = format!("{d}/hk");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", &key])
        .status()
        .unwrap();
    assert!(ok.success());
    let pool = [
        "Port 22",
        "Port 2222",
        "port=2200",
        "Port http-alt",
        "Port SSH_PORT",
        "Port 0",
        "Port 70000",
        "Port",
        "ListenAddress 127.0.0.1",
        "ListenAddress 127.0.0.1:2300",
        "ListenAddress [::1]:2301",
        "AddressFamily any",
        "AddressFamily ipv4",
        "Match User x",
        "Match all",
        "Match Address 192.0.2.0/24",
        "X11Forwarding no",
        "X11Forwarding maybe",
        "PasswordAuthenticaton yes",
        "{{SSHD_EXTRA}} yes",
        "Banner",
        "Match",
        "UsePAM yes",
        "UseDNS no",
        "PermitRootLogin prohibit-password",
        "Subsystem sftp internal-sftp",
        "Subsystem sftp /usr/lib/openssh/sftp-server",
        "Subsystem",
        "ClientAliveInterval 60",
        "AddressFamily inet6",
        "ListenAddress 127.0.0.1:70000",
        "ListenAddress [::1]",
        "UsePrivilegeSeparation sandbox",
    ];
    let services = fs::read_to_string("/etc/services").unwrap_or_default();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let (mut compared, mut agreed) = (0, 0);
    let mut disagreements = Vec::new();
    for case in 0..400 {
        let pick = |next: &mut dyn FnMut(usize) -> usize, k: usize| -> Vec<&str> {
            (0..k).map(|_| pool[next(pool.len())]).collect()
        };
        let k = 1 + next(5);
        let main_lines = pick(&mut next, k);
        let k = next(3);
        let inc_lines = pick(&mut next, k);
        let inc_at = next(main_lines.len() + 1);
        let incdir = format!("{d}/c{case}");
        fs::create_dir_all(&incdir).unwrap();
        let inc_text: String = inc_lines.iter().map(|l| format!("{l}\n")).collect();
        fs::write(format!("{incdir}/10.conf"), &inc_text).unwrap();
        let mut body = String::new();
        for (i, l) in main_lines.iter().enumerate() {
            if i == inc_at {
                body.push_str(&format!("Include {incdir}/*.conf\n"));
            }
            body.push_str(l);
            body.push('\n');
        }
        if inc_at == main_lines.len() {
            body.push_str(&format!("Include {incdir}/*.conf\n"));
        }
        let main = format!("HostKey {key}\n{body}");
        let file = format!("{d}/sshd_config{case}");
        fs::write(&file, &main).unwrap();
        let out = Command::new(sshd)
            .args(["-T", "-f", &file])
            .output()
            .unwrap();
        let real_ok = out.status.success();
        let real_ports: BTreeSet<u16> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("listenaddress "))
            .filter_map(|a| a.rsplit(':').next()?.parse().ok())
            .collect();
        let mut src = BTreeMap::new();
        src.insert("/etc/ssh/sshd_config".to_string(), main.clone());
        src.insert(format!("{incdir}/10.conf"), inc_text);
        src.insert("/etc/services".to_string(), services.clone());
        let tool = asr_preflight::facts::sshd_ports::from_source(&src);
        let tool_ok = tool.refused.is_empty();
        let tool_ports: BTreeSet<u16> = tool.ports.iter().copied().collect();
        compared += 1;
        if real_ok == tool_ok && (!real_ok || real_ports == tool_ports) {
            agreed += 1;
        } else {
            disagreements.push(format!(
                "{main}--- sshd: ok={real_ok} {real_ports:?} {}--- tool: ok={tool_ok} {tool_ports:?} {:?}",
                String::from_utf8_lossy(&out.stderr),
                tool.refused
            ));
        }
    }
    // Debian's own default sshd_config (openssh-server, installed by tests/deps.d/40-ssh.sh),
    // with its sshd_config.d: real text nobody here wrote.
    let real = fs::read_to_string("/etc/ssh/sshd_config").unwrap();
    let out = Command::new(sshd)
        .args(["-T", "-f", "/etc/ssh/sshd_config"])
        .output()
        .unwrap();
    let mut src = BTreeMap::new();
    src.insert("/etc/ssh/sshd_config".to_string(), real);
    for e in fs::read_dir("/etc/ssh/sshd_config.d")
        .into_iter()
        .flatten()
        .flatten()
    {
        if let Ok(t) = fs::read_to_string(e.path()) {
            src.insert(e.path().display().to_string(), t);
        }
    }
    let tool = asr_preflight::facts::sshd_ports::from_source(&src);
    assert_eq!(
        out.status.success(),
        tool.refused.is_empty(),
        "Debian's sshd_config: {:?}",
        tool.refused
    );
    eprintln!(
        "sshd -T differential: {agreed} of {compared} generated configurations agree, and Debian's default sshd_config"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(5)].join("\n\n")
    );
}
