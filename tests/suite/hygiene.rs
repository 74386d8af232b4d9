//! Golden-image hygiene and Azure-side guest rules, against fixture roots built from real
//! packages (Debian's chrony, systemd-timesyncd, waagent and ca-certificates, unpacked at test
//! time) and real programs as oracles: `systemctl --root` enables and disables the services,
//! `openssl` parses the certificate bundles and computes the subject hashes, `adjtimex
//! --print` reads the kernel's clock state.

use crate::common;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Tree, check, check_root, debs, status};
use asr_preflight::facts::roots::{ROOTS, RootRole};
use serde_json::Value;

// ------------------------------------------------------------------------------------------
// helpers

/// A Debian 12 systemd tree with the host's target units.
fn debian_tree() -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
        )
        .file("/etc/debian_version", "12.11\n")
        .symlink("/sbin/init", "/lib/systemd/systemd")
        .dir("/etc/systemd/system");
    copy_host_targets(&t, "/lib/systemd/system");
    t
}

/// A RHEL 7 systemd tree.
fn rhel7_tree() -> Tree {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux Server release 7.2 (Maipo)\n",
        )
        .symlink("/sbin/init", "../lib/systemd/systemd")
        .dir("/etc/systemd/system");
    copy_host_targets(&t, "/usr/lib/systemd/system");
    t
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
        debs::copy_tree(&e.path(), &dst.join(&name));
    }
}

fn systemctl(root: &Path, args: &[&str]) {
    let out = Command::new("systemctl")
        .arg(format!("--root={}", root.display()))
        .args(args)
        .env("SYSTEMD_LOG_LEVEL", "err")
        .output()
        .expect("systemctl runs");
    assert!(
        out.status.success(),
        "systemctl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_enabled(root: &Path, unit: &str) -> String {
    let out = Command::new("systemctl")
        .arg(format!("--root={}", root.display()))
        .args(["is-enabled", unit])
        .env("SYSTEMD_LOG_LEVEL", "err")
        .output()
        .expect("systemctl runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Installs a package's unit files and binaries into a tree (what dpkg would unpack).
fn install_deb(t: &Tree, pkg: &str, marker: &str, paths: &[&str]) {
    let deb = debs::unpacked(pkg, marker);
    for p in paths {
        debs::copy_tree(&deb.join(p), &t.path().join(p));
    }
}

fn only(root: &Path, ids: &str, scenario: &str) -> Value {
    let (_, v) = check_root(root, &["--only", ids, "--scenario", scenario]);
    v
}

fn details(v: &Value, id: &str) -> String {
    check(v, id)["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn text(v: &Value, id: &str, field: &str) -> String {
    check(v, id)[field].as_str().unwrap_or("").to_string()
}

// ------------------------------------------------------------------------------------------
// image.agent-clone

/// The Mobility service's files as its installer lays them out (paths and keys from the
/// installer's templates, values invented).
fn add_agent(t: &Tree) {
    t.file(
        "/usr/local/.vx_version",
        "INSTALLATION_DIR=/usr/local/ASR/Vx\nVERSION=9.60.6956.1\n",
    )
    .file(
        "/usr/local/ASR/Vx/etc/drscout.conf",
        "#\n[vxagent]\nVmPlatform=VmWare\nHostId = 8a1f0c52-7d3e-4e2b-9c61-0f2d5b7a9e11\nRcmSettingsPath=/usr/local/InMage/config/RCMInfo.conf\n",
    )
    .file(
        "/usr/local/InMage/config/RCMInfo.conf",
        "[rcm]\nServiceUri=\nManagementId=\nBiosId=4C4C4544-0042-3510-8052-B4C04F4E4E32\n",
    )
    .file("/etc/vxagent/usr/vxplatformtype.dat", "VmWare\n")
    .file(
        "/etc/systemd/system/vxagent.service",
        "[Service]\nExecStart=/etc/vxagent/bin/vxagent start\n[Install]\nWantedBy=multi-user.target\n",
    );
}

/// An image holding the agent fails and names every trace (directories, version file,
/// host identity, recorded BIOS id, the agent's service unit), with an rm command rooted in
/// the image; the same image without them passes.
#[test]
fn agent_in_image_fails_and_clean_image_passes() {
    let t = debian_tree();
    add_agent(&t);
    let v = only(t.path(), "image.agent-clone", "vmware-to-azure");
    assert_eq!(status(&v, "image.agent-clone"), "fail", "{v:#}");
    let d = details(&v, "image.agent-clone");
    for needle in [
        "/usr/local/ASR:",
        "/usr/local/InMage:",
        "/etc/vxagent:",
        "/usr/local/.vx_version:",
        "/usr/local/InMage/config/RCMInfo.conf:",
        "/usr/local/ASR/Vx/etc/drscout.conf",
        "vxagent.service",
        "agent version 9.60.6956.1",
        "host id 8a1f0c52",
        "BiosId 4C4C4544-0042-3510-8052-B4C04F4E4E32",
    ] {
        assert!(d.contains(needle), "{needle} missing from:\n{d}");
    }
    let fix = text(&v, "image.agent-clone", "remediation");
    let base = fs::canonicalize(t.path()).unwrap();
    assert!(
        fix.contains(&format!("{}/usr/local/ASR ", base.display())),
        "{fix}"
    );
    // Nested paths go with their top directory.
    assert!(!fix.contains("InMage/config/RCMInfo.conf"), "{fix}");
    assert!(fix.contains("/etc/systemd/system/vxagent.service"), "{fix}");

    let clean = debian_tree();
    let v = only(clean.path(), "image.agent-clone", "vmware-to-azure");
    assert_eq!(status(&v, "image.agent-clone"), "pass", "{v:#}");
}

/// One leftover alone is enough (a half-removed agent: only /etc/vxagent remains), and a
/// custom installation directory recorded in the version file is followed to its drscout.conf.
#[test]
fn single_leftover_and_custom_install_dir() {
    let t = debian_tree();
    t.file("/etc/vxagent/usr/vxprotdevdetails.dat", "");
    let v = only(t.path(), "image.agent-clone", "azure-to-azure");
    assert_eq!(status(&v, "image.agent-clone"), "fail", "{v:#}");
    assert!(details(&v, "image.agent-clone").contains("/etc/vxagent:"));

    let t = debian_tree();
    t.file("/usr/local/.vx_version", "INSTALLATION_DIR=/opt/asr\n")
        .file("/opt/asr/etc/drscout.conf", "[vxagent]\nHostId = abc\n");
    let v = only(t.path(), "image.agent-clone", "physical-to-azure");
    assert_eq!(status(&v, "image.agent-clone"), "fail");
    assert!(details(&v, "image.agent-clone").contains("/opt/asr/etc/drscout.conf"));
}

// ------------------------------------------------------------------------------------------
// time.sync-service

/// Debian's chrony package: enabled with `systemctl --root enable chrony` it passes (under
/// either of its names), disabled it fails with the enable command, masked it fails too;
/// systemctl's own is-enabled agrees at each step.
#[test]
fn chrony_enabled_disabled_masked() {
    let t = debian_tree();
    install_deb(
        &t,
        "chrony",
        "lib/systemd/system/chrony.service",
        &["lib/systemd/system/chrony.service", "usr/sbin/chronyd"],
    );
    systemctl(t.path(), &["enable", "chrony"]);
    assert_eq!(is_enabled(t.path(), "chrony.service"), "enabled");
    let v = only(t.path(), "time.sync-service", "vmware-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "pass", "{v:#}");
    assert!(text(&v, "time.sync-service", "summary").contains("chrony"));

    systemctl(t.path(), &["disable", "chrony"]);
    assert_eq!(is_enabled(t.path(), "chrony.service"), "disabled");
    let v = only(t.path(), "time.sync-service", "vmware-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "fail", "{v:#}");
    assert!(
        text(&v, "time.sync-service", "remediation").contains("systemctl enable chrony"),
        "{v:#}"
    );

    systemctl(t.path(), &["mask", "chrony"]);
    assert_eq!(is_enabled(t.path(), "chrony.service"), "masked");
    let v = only(t.path(), "time.sync-service", "vmware-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "fail", "{v:#}");
    assert!(text(&v, "time.sync-service", "summary").contains("masked"));
}

/// systemd-timesyncd (enabled through sysinit.target, not multi-user.target) counts.
#[test]
fn timesyncd_enabled_passes() {
    let t = debian_tree();
    install_deb(
        &t,
        "systemd-timesyncd",
        "lib/systemd/system/systemd-timesyncd.service",
        &["lib/systemd/system/systemd-timesyncd.service"],
    );
    let v = only(t.path(), "time.sync-service", "physical-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "fail", "{v:#}");
    systemctl(t.path(), &["enable", "systemd-timesyncd"]);
    assert_eq!(is_enabled(t.path(), "systemd-timesyncd.service"), "enabled");
    let v = only(t.path(), "time.sync-service", "physical-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "pass", "{v:#}");
}

/// No time service at all: RHEL 7 is told to install and enable chrony, and the check does
/// not apply to the Hyper-V scenarios (no agent in the guest).
#[test]
fn no_time_service_fails_with_install_command() {
    let t = rhel7_tree();
    let v = only(t.path(), "time.sync-service", "vmware-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "fail", "{v:#}");
    assert_eq!(
        text(&v, "time.sync-service", "remediation"),
        "yum install -y chrony && systemctl enable --now chronyd"
    );
    let v = only(t.path(), "time.sync-service", "hyperv-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "skip");
}

/// RHEL 6 (SysV init): ntpd with an S link in the default runlevel passes; without it the
/// fix creates the missing rc link.
#[test]
fn rhel6_sysv_ntpd() {
    let t = Tree::new();
    t.x86_64()
        .file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux Server release 6.7 (Santiago)\n",
        )
        .file("/sbin/init", "\x7fELF")
        .file("/etc/inittab", "id:3:initdefault:\n")
        .file(
            "/etc/rc.d/init.d/ntpd",
            "#!/bin/sh\n# chkconfig: - 58 74\n# description: ntpd\n",
        )
        .symlink("/etc/init.d", "rc.d/init.d")
        .dir("/etc/rc.d/rc3.d");
    fs::set_permissions(
        t.path().join("etc/rc.d/init.d/ntpd"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let v = only(t.path(), "time.sync-service", "vmware-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "fail", "{v:#}");
    // The services module's own fix for this layout: the rc link it lacks.
    assert!(
        text(&v, "time.sync-service", "remediation").contains("S99ntpd"),
        "{v:#}"
    );
    t.symlink("/etc/rc.d/rc3.d/S58ntpd", "../init.d/ntpd");
    let v = only(t.path(), "time.sync-service", "vmware-to-azure");
    assert_eq!(status(&v, "time.sync-service"), "pass", "{v:#}");
}

// ------------------------------------------------------------------------------------------
// time.synchronized (live)

/// The kernel's clock flag as the tool reports it live agrees with `adjtimex --print` (the
/// adjtimex program from Debian's package, run from its unpacked tree: it only reads here):
/// pass exactly when STA_UNSYNC is clear and the return value is not TIME_ERROR, and the
/// status word shown is the one adjtimex prints.
#[test]
fn live_clock_flag_agrees_with_adjtimex() {
    let deb = debs::unpacked("adjtimex", "sbin/adjtimex");
    let out = Command::new(deb.join("sbin/adjtimex"))
        .arg("--print")
        .output()
        .expect("adjtimex runs");
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let field = |name: &str| -> i64 {
        printed
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(if name == "return value" { '=' } else { ':' })?;
                (k.trim() == name).then(|| v.trim().parse::<i64>().ok())?
            })
            .unwrap_or_else(|| panic!("no {name} in adjtimex output:\n{printed}"))
    };
    let status_word = field("status");
    let ret = field("return value");
    let synced = status_word & 0x40 == 0 && ret != 5;

    let r = common::run([
        "check",
        "--only",
        "time.synchronized",
        "--scenario",
        "physical-to-azure",
        "--format",
        "json",
    ]);
    let v = r.json();
    common::validate(&v);
    let st = status(&v, "time.synchronized");
    assert_eq!(
        st,
        if synced { "pass" } else { "fail" },
        "adjtimex says status {status_word}, return {ret}:\n{v:#}"
    );
    let d = details(&v, "time.synchronized");
    assert!(
        d.contains(&format!("status 0x{status_word:04x}")),
        "{d}\nadjtimex:\n{printed}"
    );
    assert!(
        d.contains(&format!("state {ret} ")),
        "{d}\nadjtimex:\n{printed}"
    );
}

/// chrony's offset as the tool reports it live is what `chronyc -c tracking` says: Debian's
/// chronyd (unpacked, not installed) runs with `-x` (it never touches the clock) and a local
/// reference in a private mount namespace whose /run and /usr/sbin are fresh tmpfs mounts, so
/// nothing of the host changes; the tool, run in the same namespace, finds chronyc and reports
/// the reference's stratum, the offset and the leap status chronyc prints.
#[test]
fn live_chrony_offset_agrees_with_chronyc() {
    if !common::netns::is_root() {
        return;
    }
    let deb = debs::unpacked("chrony", "usr/sbin/chronyd");
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("chrony.conf");
    fs::write(
        &conf,
        "local stratum 10\ncmdport 0\nbindcmdaddress /run/chrony/chronyd.sock\npidfile /run/chrony/chronyd.pid\n",
    )
    .unwrap();
    let script = r#"
mount -t tmpfs tmpfs /run
mkdir -p /run/chrony && chmod 750 /run/chrony
mount -t tmpfs tmpfs /usr/sbin
cp "$1/usr/bin/chronyc" /usr/sbin/chronyc
"$1/usr/sbin/chronyd" -x -d -U -u root -f "$2" > "$3/chronyd.log" 2>&1 &
pid=$!
i=0
until /usr/sbin/chronyc -c tracking > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 200 ] || { kill $pid; exit 3; }; sleep 0.05
done
/usr/sbin/chronyc -c tracking > "$3/oracle"
"$4" check --only time.synchronized --scenario physical-to-azure --format json > "$3/report" || true
kill $pid
"#;
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-ec", script, "sh"])
        .arg(&deb)
        .arg(&conf)
        .arg(dir.path())
        .arg(common::bin())
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        fs::read_to_string(dir.path().join("chronyd.log")).unwrap_or_default()
    );
    let oracle = fs::read_to_string(dir.path().join("oracle")).unwrap();
    let f: Vec<&str> = oracle.trim().split(',').collect();
    let v: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("report")).unwrap()).unwrap();
    common::validate(&v);
    let d = details(&v, "time.synchronized");
    let offset: f64 = f[4].parse().unwrap();
    let want = format!(
        "chrony: reference {}, stratum {}, system clock {:.6} s off, leap status {}",
        if f[1].is_empty() { "(none)" } else { f[1] },
        f[2],
        offset.abs(),
        f[13]
    );
    assert!(d.contains(&want), "{want}\nnot in:\n{d}");
}

/// Against an image the clock check is skipped: an image has no clock, and the host's must
/// never be reported as the image's.
#[test]
fn clock_is_not_judged_in_an_image() {
    let t = debian_tree();
    let v = only(t.path(), "time.synchronized", "vmware-to-azure");
    assert_eq!(status(&v, "time.synchronized"), "skip");
}

// ------------------------------------------------------------------------------------------
// trust.root-cas

fn mozilla_dir() -> PathBuf {
    debs::unpacked(
        "ca-certificates",
        "usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt",
    )
    .join("usr/share/ca-certificates/mozilla")
}

fn mozilla_certs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(mozilla_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "crt"))
        .collect();
    v.sort();
    v
}

/// Debian's bundle as update-ca-certificates builds it (every selected certificate, in
/// order), leaving out the files for which `skip` is true.
fn debian_bundle(skip: impl Fn(&Path) -> bool) -> Vec<u8> {
    let mut out = Vec::new();
    for p in mozilla_certs() {
        if skip(&p) {
            continue;
        }
        out.extend(fs::read(&p).unwrap());
        if out.last() != Some(&b'\n') {
            out.push(b'\n');
        }
    }
    out
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Our parser reads Debian's real bundle exactly as openssl does: the same number of
/// certificates and the same common names.
#[test]
fn parser_agrees_with_openssl_on_the_real_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca-certificates.crt");
    fs::write(&bundle, debian_bundle(|_| false)).unwrap();
    let listed = openssl(&["crl2pkcs7", "-nocrl", "-certfile", bundle.to_str().unwrap()]);
    let p7 = dir.path().join("b.p7");
    fs::write(&p7, listed).unwrap();
    let printed = openssl(&[
        "pkcs7",
        "-in",
        p7.to_str().unwrap(),
        "-print_certs",
        "-noout",
    ]);
    let subjects = printed
        .lines()
        .filter(|l| l.starts_with("subject="))
        .count();
    // Common names one certificate at a time, in openssl's multi-line form.
    let theirs: BTreeSet<String> = mozilla_certs()
        .iter()
        .filter_map(|p| {
            let out = openssl(&[
                "x509",
                "-noout",
                "-subject",
                "-nameopt",
                "multiline,utf8,-esc_msb",
                "-in",
                p.to_str().unwrap(),
            ]);
            out.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == "commonName").then(|| v.trim().to_string())
            })
        })
        .collect();
    let ours = asr_preflight::parse::certs::parse_pem_bundle(&fs::read(&bundle).unwrap());
    assert!(ours.errors.is_empty(), "{:?}", ours.errors);
    assert_eq!(ours.certs.len(), subjects);
    assert_eq!(ours.certs.len(), mozilla_certs().len());
    let mine: BTreeSet<String> = ours
        .certs
        .iter()
        .filter_map(|c| c.common_name.clone())
        .collect();
    assert_eq!(mine, theirs);
}

/// The subject hashes the SUSE check looks links up by are openssl's own, for every known
/// root the package still ships.
#[test]
fn subject_hashes_agree_with_openssl() {
    let mut checked = 0;
    for p in mozilla_certs() {
        let info = asr_preflight::parse::certs::parse_pem_bundle(&fs::read(&p).unwrap());
        let Some(c) = info.certs.first() else {
            continue;
        };
        let Some(known) = ROOTS.iter().find(|r| r.matches(c)) else {
            continue;
        };
        let hash = openssl(&[
            "x509",
            "-noout",
            "-subject_hash",
            "-in",
            p.to_str().unwrap(),
        ]);
        assert_eq!(hash.trim(), known.subject_hash, "{}", known.common_name);
        checked += 1;
    }
    assert!(checked >= 2, "the current roots must be in the package");
}

/// Debian with the real bundle passes and names both current roots present; with DigiCert
/// Global Root G2 taken out of the bundle it fails naming that root and the bundle, and
/// prints the distribution's command.
#[test]
fn debian_bundle_passes_and_fails_without_g2() {
    let t = debian_tree();
    t.file(
        "/etc/ssl/certs/ca-certificates.crt",
        debian_bundle(|_| false),
    );
    let v = only(t.path(), "trust.root-cas", "azure-to-azure");
    assert_eq!(status(&v, "trust.root-cas"), "pass", "{v:#}");
    let d = details(&v, "trust.root-cas");
    assert!(d.contains("DigiCert Global Root G2: present"), "{d}");
    assert!(
        d.contains(
            "VeriSign Class 3 Public Primary Certification Authority - G5: absent, not required"
        ),
        "{d}"
    );

    let t = debian_tree();
    t.file(
        "/etc/ssl/certs/ca-certificates.crt",
        debian_bundle(|p| p.ends_with("DigiCert_Global_Root_G2.crt")),
    );
    let v = only(t.path(), "trust.root-cas", "azure-to-azure");
    assert_eq!(status(&v, "trust.root-cas"), "fail", "{v:#}");
    let s = text(&v, "trust.root-cas", "summary");
    assert!(
        s.contains("DigiCert Global Root G2 (missing from /etc/ssl/certs/ca-certificates.crt)"),
        "{s}"
    );
    assert!(!s.contains("Global Root CA"), "{s}");
    assert!(text(&v, "trust.root-cas", "remediation").contains("update-ca-certificates"));
}

/// RHEL's bundle (p11-kit writes a `# name` comment before each certificate) is read the
/// same; a RHEL tree without its bundle fails naming the path.
#[test]
fn rhel_bundle_with_comments_and_missing_bundle() {
    let t = rhel7_tree();
    let mut bundle = Vec::new();
    for p in mozilla_certs() {
        let name = p.file_stem().unwrap().to_string_lossy().replace('_', " ");
        bundle.extend(format!("# {name}\n").into_bytes());
        bundle.extend(fs::read(&p).unwrap());
        bundle.extend(b"\n");
    }
    t.file("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", bundle)
        .symlink(
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        );
    let v = only(t.path(), "trust.root-cas", "vmware-to-azure");
    assert_eq!(status(&v, "trust.root-cas"), "pass", "{v:#}");

    let t = rhel7_tree();
    let v = only(t.path(), "trust.root-cas", "vmware-to-azure");
    assert_eq!(status(&v, "trust.root-cas"), "fail", "{v:#}");
    assert!(text(&v, "trust.root-cas", "summary").contains("/etc/pki/tls/certs/ca-bundle.crt"));
    assert!(text(&v, "trust.root-cas", "remediation").contains("update-ca-trust"));
}

/// SUSE: the hash links `openssl rehash` makes in /etc/ssl/certs are what counts; with the
/// DigiCert Global Root G2 link removed (the certificate file still there) the check fails
/// naming the link.
#[test]
fn suse_hash_links_made_by_openssl_rehash() {
    let t = Tree::new();
    t.x86_64().file(
        "/etc/os-release",
        "NAME=\"SLES\"\nVERSION_ID=\"15.5\"\nID=\"sles\"\n",
    );
    for p in mozilla_certs() {
        let name = p
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".crt", ".pem");
        t.file(&format!("/etc/ssl/certs/{name}"), fs::read(&p).unwrap());
    }
    let certs_dir = t.path().join("etc/ssl/certs");
    openssl(&["rehash", certs_dir.to_str().unwrap()]);
    let v = only(t.path(), "trust.root-cas", "vmware-to-azure");
    assert_eq!(status(&v, "trust.root-cas"), "pass", "{v:#}");
    assert!(details(&v, "trust.root-cas").contains("607986c7.0 -> DigiCert_Global_Root_G2.pem"));

    fs::remove_file(certs_dir.join("607986c7.0")).unwrap();
    let v = only(t.path(), "trust.root-cas", "vmware-to-azure");
    assert_eq!(status(&v, "trust.root-cas"), "fail", "{v:#}");
    assert!(
        text(&v, "trust.root-cas", "summary").contains("/etc/ssl/certs/607986c7.0"),
        "{v:#}"
    );
}

/// The retired roots are only reported: a bundle holding just the two current roots passes.
#[test]
fn only_current_roots_needed() {
    let t = debian_tree();
    let wanted: Vec<&str> = ROOTS
        .iter()
        .filter(|r| r.role == RootRole::Current)
        .map(|r| r.common_name)
        .collect();
    t.file(
        "/etc/ssl/certs/ca-certificates.crt",
        debian_bundle(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().replace('_', " ");
            !wanted.contains(&stem.as_str())
        }),
    );
    let v = only(t.path(), "trust.root-cas", "physical-to-azure");
    assert_eq!(status(&v, "trust.root-cas"), "pass", "{v:#}");
    assert!(details(&v, "trust.root-cas").contains("2 certificates"));
}

// ------------------------------------------------------------------------------------------
// azure.vm-agent

fn add_waagent(t: &Tree) {
    install_deb(
        t,
        "waagent",
        "lib/systemd/system/walinuxagent.service",
        &[
            "lib/systemd/system/walinuxagent.service",
            "usr/sbin/waagent",
            "usr/lib/python3/dist-packages",
            "etc/waagent.conf",
        ],
    );
}

/// Debian's waagent package: enabled, the check passes against the image and reports the
/// package's version (2.x from azurelinuxagent/common/version.py); disabled it fails with
/// the enable command; without the package it fails with the install command; other
/// scenarios skip it.
#[test]
fn waagent_from_the_debian_package() {
    let t = debian_tree();
    add_waagent(&t);
    systemctl(t.path(), &["enable", "walinuxagent"]);
    assert_eq!(is_enabled(t.path(), "walinuxagent.service"), "enabled");
    let v = only(t.path(), "azure.vm-agent", "azure-to-azure");
    assert_eq!(status(&v, "azure.vm-agent"), "pass", "{v:#}");
    let s = text(&v, "azure.vm-agent", "summary");
    let version_py = fs::read_to_string(
        t.path()
            .join("usr/lib/python3/dist-packages/azurelinuxagent/common/version.py"),
    )
    .unwrap();
    let expected = version_py
        .lines()
        .find_map(|l| l.strip_prefix("AGENT_VERSION = "))
        .unwrap()
        .trim_matches('\'');
    assert!(s.contains(&format!("VM agent {expected} ")), "{s}");

    systemctl(t.path(), &["disable", "walinuxagent"]);
    let v = only(t.path(), "azure.vm-agent", "azure-to-azure");
    assert_eq!(status(&v, "azure.vm-agent"), "fail", "{v:#}");
    assert!(text(&v, "azure.vm-agent", "remediation").contains("systemctl enable walinuxagent"));

    let bare = debian_tree();
    let v = only(bare.path(), "azure.vm-agent", "azure-to-azure");
    assert_eq!(status(&v, "azure.vm-agent"), "fail");
    assert_eq!(
        text(&v, "azure.vm-agent", "remediation"),
        "apt-get install waagent"
    );
    let v = only(bare.path(), "azure.vm-agent", "vmware-to-azure");
    assert_eq!(status(&v, "azure.vm-agent"), "skip");
}

/// The version comes from the package metadata directory when version.py is absent, and
/// versions the agent downloaded for itself are listed.
#[test]
fn waagent_version_from_egg_info_and_auto_update() {
    let t = rhel7_tree();
    t.file(
        "/usr/lib/python3.6/site-packages/WALinuxAgent-2.2.46-py3.6.egg-info/PKG-INFO",
        "Name: WALinuxAgent\n",
    )
    .file("/usr/sbin/waagent", "#!/usr/bin/python3\nimport azurelinuxagent.agent\n")
    .file(
        "/usr/lib/systemd/system/waagent.service",
        "[Service]\nExecStart=/usr/bin/python3 -u /usr/sbin/waagent -daemon\n[Install]\nWantedBy=multi-user.target\n",
    )
    .dir("/var/lib/waagent/WALinuxAgent-2.9.1.1");
    systemctl(t.path(), &["enable", "waagent"]);
    let v = only(t.path(), "azure.vm-agent", "azure-to-azure");
    assert_eq!(status(&v, "azure.vm-agent"), "pass", "{v:#}");
    let d = details(&v, "azure.vm-agent");
    assert!(d.contains("version 2.2.46 (from /usr/lib/python3.6/site-packages/WALinuxAgent-2.2.46-py3.6.egg-info)"), "{d}");
    assert!(d.contains("(/var/lib/waagent): 2.9.1.1"), "{d}");
}

/// Live process matching with the real /proc: a python3 running a script named waagent is
/// the agent (its command name is the interpreter's), a python3 running anything else is not.
#[test]
fn live_agent_process_found_by_its_script() {
    use asr_preflight::probe::{LiveProbe, Probe};
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("waagent");
    fs::write(&script, "import time\ntime.sleep(60)\n").unwrap();
    let other = dir.path().join("other.py");
    fs::write(&other, "import time\ntime.sleep(60)\n").unwrap();
    // Debian's interpreter itself: a wrapper found first in PATH (pyenv's shims are bash
    // scripts named python3) would show a python comm before the interpreter has started.
    let python = "/usr/bin/python3";
    let mut agent = Command::new(python)
        .arg("-u")
        .arg(&script)
        .arg("-daemon")
        .spawn()
        .expect("python3 runs");
    let mut decoy = Command::new(python).arg(&other).spawn().unwrap();
    // Wait until both processes run the interpreter (their executable is python's) with their
    // arguments in place: exec switches the executable and command name before it copies the
    // arguments, so under load /proc/PID/cmdline can still be empty for a moment.
    let runs_python = |pid: u32| {
        fs::read_link(format!("/proc/{pid}/exe"))
            .ok()
            .and_then(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().starts_with("python"))
            })
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let list = loop {
        let list = LiveProbe::default().processes().unwrap();
        let ready = [agent.id(), decoy.id()].iter().all(|pid| {
            runs_python(*pid)
                && LiveProbe::default()
                    .cmdline(*pid)
                    .is_ok_and(|c| !c.is_empty())
                && list
                    .iter()
                    .any(|p| p.pid == *pid && p.comm.starts_with(b"python"))
        });
        if ready || std::time::Instant::now() > deadline {
            break list;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let root = asr_preflight::root::Root::image(dir.path()).unwrap();
    let f = asr_preflight::facts::waagent::gather(&root, Some(&LiveProbe::default()), Some(&list));
    let running = f.running.unwrap();
    // On failure, what the probe saw of the two processes.
    let seen = |pid: u32| {
        let comm = list
            .iter()
            .find(|p| p.pid == pid)
            .map(|p| String::from_utf8_lossy(&p.comm).into_owned());
        (pid, comm, LiveProbe::default().cmdline(pid).ok())
    };
    let why = format!(
        "running {running:?}; agent {:?}; decoy {:?}",
        seen(agent.id()),
        seen(decoy.id())
    );
    let _ = agent.kill();
    let _ = decoy.kill();
    let _ = agent.wait();
    let _ = decoy.wait();
    assert!(running.contains(&agent.id()), "{why}");
    assert!(!running.contains(&decoy.id()), "{why}");
}

// ------------------------------------------------------------------------------------------
// the golden image

/// A golden image with every hygiene fault at once (a copied Mobility service, no time
/// service, a CA bundle without DigiCert Global Root G2, no VM agent, an IPv6-only adapter,
/// bonded adapters, and in its captured sys/block a 4K-native disk and NVMe, iSCSI and
/// multipath disks) reports each of them in one run, and the live-only clock check says why
/// it is not judged.
#[test]
fn golden_image_reports_every_fault_in_one_run() {
    // A captured tree: its sys/block holds the disk zoo (4K-native, NVMe, iSCSI, multipath).
    let t = disk_zoo();
    add_agent(&t);
    t.file(
        "/etc/ssl/certs/ca-certificates.crt",
        debian_bundle(|p| p.ends_with("DigiCert_Global_Root_G2.crt")),
    );
    // eth0 comes up with IPv6 only; eth1 and eth2 are bonded.
    t.file(
        "/etc/network/interfaces",
        "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet6 static\n    address 2001:db8::5/64\n\nauto bond0\niface bond0 inet dhcp\n    bond-slaves eth1 eth2\n    bond-mode active-backup\n",
    );
    let (code, v) = check_root(t.path(), &["--scenario", "azure-to-azure"]);
    assert_eq!(code, 1);
    for id in [
        "image.agent-clone",
        "time.sync-service",
        "trust.root-cas",
        "azure.vm-agent",
        "nic.ipv4",
        "disk.a2a-types",
    ] {
        assert_eq!(status(&v, id), "fail", "{id}: {:#}", check(&v, id));
    }
    assert_eq!(status(&v, "time.synchronized"), "skip");
    // Teaming is a VMware/physical rule: the same image judged for VMware warns about it.
    let (_, v) = check_root(t.path(), &["--scenario", "vmware-to-azure"]);
    assert_eq!(
        status(&v, "nic.teaming"),
        "warn",
        "{:#}",
        check(&v, "nic.teaming")
    );
    for id in [
        "image.agent-clone",
        "time.sync-service",
        "trust.root-cas",
        "nic.ipv4",
    ] {
        assert_eq!(status(&v, id), "fail", "{id}: {:#}", check(&v, id));
    }
}

// ------------------------------------------------------------------------------------------
// nic.ipv4, nic.teaming

/// A RHEL 7 image whose ifcfg files bring up eth0 with a static IPv4 address and eth1 with
/// IPv6 only: eth1 fails, named with its file; made DHCP for IPv4 it passes. A port of a bond
/// is not counted (its master holds the address) and the bond is warned as teaming.
#[test]
fn ipv4_per_adapter_and_teaming_in_an_image() {
    let t = rhel7_tree();
    let dir = "/etc/sysconfig/network-scripts";
    t.file(
        &format!("{dir}/ifcfg-eth0"),
        "DEVICE=eth0\nBOOTPROTO=none\nIPADDR=198.51.100.10\nPREFIX=24\nONBOOT=yes\n",
    )
    .file(
        &format!("{dir}/ifcfg-eth1"),
        "DEVICE=eth1\nBOOTPROTO=none\nIPV6INIT=yes\nIPV6ADDR=2001:db8::10/64\nONBOOT=yes\n",
    );
    let v = only(t.path(), "nic.ipv4,nic.teaming", "vmware-to-azure");
    assert_eq!(status(&v, "nic.ipv4"), "fail", "{v:#}");
    assert_eq!(
        text(&v, "nic.ipv4", "summary"),
        "adapter up without an IPv4 address: eth1"
    );
    assert!(
        details(&v, "nic.ipv4")
            .contains("eth1: only IPv6 (1 address), /etc/sysconfig/network-scripts/ifcfg-eth1"),
        "{v:#}"
    );
    assert_eq!(status(&v, "nic.teaming"), "pass", "{v:#}");

    t.file(
        &format!("{dir}/ifcfg-eth1"),
        "DEVICE=eth1\nBOOTPROTO=dhcp\nIPV6INIT=yes\nIPV6ADDR=2001:db8::10/64\nONBOOT=yes\n",
    );
    let v = only(t.path(), "nic.ipv4", "vmware-to-azure");
    assert_eq!(status(&v, "nic.ipv4"), "pass", "{v:#}");

    t.file(
        &format!("{dir}/ifcfg-eth1"),
        "DEVICE=eth1\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n",
    )
    .file(
        &format!("{dir}/ifcfg-bond0"),
        "DEVICE=bond0\nTYPE=Bond\nBONDING_OPTS=\"mode=active-backup miimon=100\"\nIPADDR=198.51.100.20\nPREFIX=24\nONBOOT=yes\n",
    );
    let v = only(t.path(), "nic.ipv4,nic.teaming", "vmware-to-azure");
    assert_eq!(status(&v, "nic.ipv4"), "pass", "{v:#}");
    assert!(
        details(&v, "nic.ipv4").contains("not counted: eth1 (port of bond0"),
        "{v:#}"
    );
    assert_eq!(status(&v, "nic.teaming"), "warn", "{v:#}");
    let d = details(&v, "nic.teaming");
    assert!(
        d.contains(
            "bond0: TYPE=Bond (line 2), BONDING_OPTS=mode=active-backup miimon=100 (line 3)"
        ),
        "{d}"
    );
    assert!(d.contains("eth1: MASTER=bond0 with SLAVE=yes"), "{d}");
}

/// Live, in a network namespace the test makes: an adapter up with only IPv6 fails the
/// check, named; with an IPv4 address added it passes; a down adapter is not counted.
#[test]
fn ipv4_per_adapter_live_in_a_namespace() {
    use common::netns::{Netns, is_root};
    if !is_root() {
        return;
    }
    let a = Netns::new("hyv4");
    let b = Netns::new("hyv4p");
    a.ip("link set lo up");
    a.veth("eth0", &b, &["198.51.100.10/24"], true);
    a.veth("eth1", &b, &[], true);
    a.ip("addr add 2001:db8::10/64 dev eth1 nodad");
    a.veth("eth2", &b, &[], false);
    let args = [
        "--only",
        "nic.ipv4,nic.teaming",
        "--scenario",
        "physical-to-azure",
    ];
    let (_, v) = a.report(b"hyv4", &args);
    assert_eq!(status(&v, "nic.ipv4"), "fail", "{v:#}");
    assert_eq!(
        text(&v, "nic.ipv4", "summary"),
        "adapter up without an IPv4 address: eth1"
    );
    assert!(
        details(&v, "nic.ipv4").contains("not counted: eth2 (down)"),
        "{v:#}"
    );
    assert_eq!(status(&v, "nic.teaming"), "pass", "{v:#}");
    a.ip("addr add 203.0.113.11/24 dev eth1");
    let (_, v) = a.report(b"hyv4", &args);
    assert_eq!(status(&v, "nic.ipv4"), "pass", "{v:#}");
    assert!(
        details(&v, "nic.ipv4").contains("eth1: 203.0.113.11"),
        "{v:#}"
    );
}

// ------------------------------------------------------------------------------------------
// disk.sector-size, disk.a2a-types

/// A captured machine with one disk of each kind: sda (512/512), sdb 4K-native, sdc 512e,
/// nvme0n1 under an NVMe controller, sdd on an iSCSI session, and a multipath map dm-0 over
/// the two paths sde and sdf.
fn disk_zoo() -> Tree {
    const G: u64 = 1 << 30;
    let t = debian_tree();
    let sectors = |t: &Tree, name: &str, logical: u32, physical: u32| {
        let q = format!("/sys/block/{name}/queue");
        t.file(&format!("{q}/logical_block_size"), format!("{logical}\n"))
            .file(&format!("{q}/physical_block_size"), format!("{physical}\n"));
    };
    t.block_disk("sda", "8:0", 64 * G);
    sectors(&t, "sda", 512, 512);
    t.block_disk("sdb", "8:16", 16 * G);
    sectors(&t, "sdb", 4096, 4096);
    t.block_disk("sdc", "8:32", 16 * G);
    sectors(&t, "sdc", 512, 4096);
    let nvme = "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/nvme/nvme0/nvme0n1";
    t.file(&format!("{nvme}/size"), format!("{}\n", 32 * G / 512))
        .file(&format!("{nvme}/dev"), "259:0\n")
        .file(&format!("{nvme}/removable"), "0\n")
        .symlink(
            "/sys/block/nvme0n1",
            &format!("..{}", nvme.trim_start_matches("/sys")),
        );
    sectors(&t, "nvme0n1", 512, 512);
    let iscsi = "/sys/devices/platform/host3/session1/target3:0:0/3:0:0:1/block/sdd";
    t.file(&format!("{iscsi}/size"), format!("{}\n", 8 * G / 512))
        .file(&format!("{iscsi}/dev"), "8:48\n")
        .file(&format!("{iscsi}/removable"), "0\n")
        // device -> the SCSI device 3:0:0:1, whose host 3 is an iSCSI host.
        .file(
            "/sys/devices/platform/host3/session1/target3:0:0/3:0:0:1/type",
            "0\n",
        )
        .symlink(&format!("{iscsi}/device"), "../../../3:0:0:1")
        .symlink(
            "/sys/block/sdd",
            &format!("..{}", iscsi.trim_start_matches("/sys")),
        )
        .dir("/sys/class/iscsi_host/host3");
    sectors(&t, "sdd", 512, 512);
    t.block_disk("sde", "8:64", 20 * G)
        .block_disk("sdf", "8:80", 20 * G);
    sectors(&t, "sde", 512, 512);
    sectors(&t, "sdf", 512, 512);
    t.block_dm(
        "dm-0",
        "253:0",
        20 * G,
        "mpatha",
        "mpath-3600a098038303053453f463045727a41",
        &["sde", "sdf"],
    );
    sectors(&t, "dm-0", 512, 512);
    // lsblk finds devices by number through sys/dev/block, as on a real system.
    for (num, name) in [
        ("8:0", "sda"),
        ("8:16", "sdb"),
        ("8:32", "sdc"),
        ("259:0", "nvme0n1"),
        ("8:48", "sdd"),
        ("8:64", "sde"),
        ("8:80", "sdf"),
        ("253:0", "dm-0"),
    ] {
        t.symlink(
            &format!("/sys/dev/block/{num}"),
            &format!("../../block/{name}"),
        );
    }
    t
}

/// Sector sizes and attachments agree with lsblk reading the same tree (`--sysroot`): the
/// logical and physical sector sizes of every disk, and lsblk's transport (nvme, iscsi) for
/// the disks we call NVMe and iSCSI.
#[test]
fn disk_kinds_agree_with_lsblk() {
    use asr_preflight::facts::disk_hw::{self, Attachment};
    use asr_preflight::facts::storage;
    let t = disk_zoo();
    let root = asr_preflight::root::Root::image(t.path()).unwrap();
    let st = storage::gather(&root);
    let hw = disk_hw::gather(&root, &st);
    assert!(hw.errors.is_empty(), "{:?}", hw.errors);
    let out = Command::new("lsblk")
        .arg("--sysroot")
        .arg(t.path())
        .args(["-d", "-J", "-o", "NAME,TRAN,LOG-SEC,PHY-SEC"])
        .output()
        .expect("lsblk runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut compared = 0;
    for dev in v["blockdevices"].as_array().unwrap() {
        let name = dev["name"].as_str().unwrap();
        let Some(ours) = hw
            .disks
            .iter()
            .find(|d| d.name == name || d.name.ends_with(&format!("({name})")))
        else {
            continue;
        };
        let num = |k: &str| {
            dev[k]
                .as_u64()
                .or_else(|| dev[k].as_str().and_then(|s| s.parse().ok()))
        };
        assert_eq!(ours.logical_sector.map(u64::from), num("log-sec"), "{name}");
        assert_eq!(
            ours.physical_sector.map(u64::from),
            num("phy-sec"),
            "{name}"
        );
        let tran = dev["tran"].as_str().unwrap_or("");
        match ours.attachment {
            Attachment::Nvme => assert_eq!(tran, "nvme", "{name}"),
            Attachment::Iscsi => assert_eq!(tran, "iscsi", "{name}"),
            _ => assert!(tran != "nvme" && tran != "iscsi", "{name}: {tran}"),
        }
        compared += 1;
    }
    // sde and sdf are paths of the multipath map, which lsblk -d does not list.
    assert_eq!(compared, 5, "{v:#}");
    let kinds: Vec<(String, Attachment)> = hw
        .disks
        .iter()
        .map(|d| (d.name.clone(), d.attachment))
        .collect();
    assert!(
        kinds.contains(&("nvme0n1".into(), Attachment::Nvme)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("sdd".into(), Attachment::Iscsi)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("mpatha (dm-0)".into(), Attachment::Multipath)),
        "{kinds:?}"
    );
}

/// The zoo against the checks: sdb fails the sector rule (sdc, 512e, is only reported);
/// for Azure-to-Azure the NVMe, iSCSI and multipath disks fail, each named with its evidence.
/// The fix of each fault passes: only 512-byte disks, only SCSI disks.
#[test]
fn disk_rules_fault_and_fix() {
    let t = disk_zoo();
    let v = only(t.path(), "disk.sector-size", "vmware-to-azure");
    assert_eq!(status(&v, "disk.sector-size"), "fail", "{v:#}");
    assert_eq!(
        text(&v, "disk.sector-size", "summary"),
        "4K-native disk: sdb"
    );
    assert!(details(&v, "disk.sector-size").contains("sdb: logical sector 4096 bytes"));
    let v = only(t.path(), "disk.a2a-types", "azure-to-azure");
    assert_eq!(status(&v, "disk.a2a-types"), "fail", "{v:#}");
    let s = text(&v, "disk.a2a-types", "summary");
    for needle in [
        "nvme0n1",
        "sdd",
        "mpatha (dm-0)",
        "NVMe",
        "iSCSI",
        "device-mapper multipath",
    ] {
        assert!(s.contains(needle), "{needle}: {s}");
    }
    assert!(details(&v, "disk.a2a-types").contains("session1"), "{v:#}");
    assert!(!s.contains("sda"), "{s}");

    const G: u64 = 1 << 30;
    let fixed = debian_tree();
    for (name, num) in [("sda", "8:0"), ("sdc", "8:32")] {
        fixed.block_disk(name, num, 64 * G);
        let q = format!("/sys/block/{name}/queue");
        fixed
            .file(&format!("{q}/logical_block_size"), "512\n")
            .file(
                &format!("{q}/physical_block_size"),
                if name == "sdc" { "4096\n" } else { "512\n" },
            );
    }
    let v = only(fixed.path(), "disk.sector-size", "physical-to-azure");
    assert_eq!(status(&v, "disk.sector-size"), "pass", "{v:#}");
    assert!(details(&v, "disk.sector-size").contains("512e"), "{v:#}");
    let v = only(fixed.path(), "disk.a2a-types", "azure-to-azure");
    assert_eq!(status(&v, "disk.a2a-types"), "pass", "{v:#}");
    // An image without sys/block: not judged.
    let v = only(debian_tree().path(), "disk.sector-size", "vmware-to-azure");
    assert_eq!(status(&v, "disk.sector-size"), "skip");
}

/// util-linux's real NVMe host snapshot: the NVMe disk is found as lsblk finds it.
#[test]
fn real_nvme_snapshot_fails_for_azure_to_azure() {
    let out = Command::new(common::repo().join("tests/data/util-linux-dumps.sh"))
        .arg(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("testdata"))
        .output()
        .expect("run tests/data/util-linux-dumps.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).join("simple-nvme");
    let v = only(&dir, "disk.a2a-types,disk.sector-size", "azure-to-azure");
    assert_eq!(status(&v, "disk.a2a-types"), "fail", "{v:#}");
    assert!(
        text(&v, "disk.a2a-types", "summary").contains("nvme0n1 (NVMe)"),
        "{v:#}"
    );
    let v = only(&dir, "disk.sector-size", "vmware-to-azure");
    assert_eq!(status(&v, "disk.sector-size"), "pass", "{v:#}");
}

/// The integration tests are one binary (`autotests = false`): a test file that is not a module
/// of tests/suite/main.rs, or one left at the top of tests/, would silently never run.
#[test]
fn every_test_file_is_in_the_suite() {
    let tests = common::repo().join("tests");
    let stray: Vec<String> = fs::read_dir(&tests)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        stray.is_empty(),
        "move these into tests/suite/ and declare them in main.rs: {stray:?}"
    );
    let main = fs::read_to_string(tests.join("suite/main.rs")).unwrap();
    let declared: BTreeSet<String> = main
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod "))
        .filter_map(|l| l.strip_suffix(';'))
        .map(str::to_string)
        .collect();
    let mut missing = Vec::new();
    for e in fs::read_dir(tests.join("suite")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let module = if p.is_dir() && p.join("mod.rs").exists() {
            name
        } else if let Some(stem) = name.strip_suffix(".rs") {
            stem.to_string()
        } else {
            continue;
        };
        if module != "main" && !declared.contains(&module) {
            missing.push(module);
        }
    }
    assert!(
        missing.is_empty(),
        "tests/suite files not declared in main.rs: {missing:?}"
    );
    assert!(declared.len() > 25, "{declared:?}");
}
