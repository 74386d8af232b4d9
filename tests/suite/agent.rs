//! The Mobility agent installer's own prerequisites (`agent.*`): a fixture root that passes and
//! one that fails for each, the failure enforced by asr-2026 and only advised (warn) by
//! asr-2016, and the live answers compared with df, findmnt and /proc/cmdline.

use std::process::Command;

use crate::common::{Tree, check, check_root, run, status, validate};
use serde_json::Value;

/// Runs one check against a fixture with a matrix, for the VMware scenario.
fn verdict(t: &Tree, id: &str, matrix: &str) -> (String, Value) {
    let (_, v) = check_root(
        t.path(),
        &[
            "--only",
            id,
            "--scenario",
            "vmware-to-azure",
            "--matrix",
            matrix,
        ],
    );
    (status(&v, id), check(&v, id).clone())
}

/// The check passes with both matrices.
fn assert_pass(t: &Tree, id: &str) -> Value {
    for m in ["asr-2016", "asr-2026"] {
        let (s, c) = verdict(t, id, m);
        assert_eq!(s, "pass", "{id} with {m}: {c:#}");
    }
    verdict(t, id, "asr-2026").1
}

/// The check fails with asr-2026 and warns with asr-2016; returns the asr-2026 finding.
fn assert_enforced(t: &Tree, id: &str) -> Value {
    let (s, c) = verdict(t, id, "asr-2026");
    assert_eq!(s, "fail", "{id} with asr-2026: {c:#}");
    assert!(
        c["remediation"].is_string(),
        "{id}: a failure says how to fix it"
    );
    let (s, w) = verdict(t, id, "asr-2016");
    assert_eq!(s, "warn", "{id} with asr-2016: {w:#}");
    assert!(w["details"].to_string().contains("advice"), "{w:#}");
    c
}

fn text(c: &Value) -> String {
    c.to_string()
}

fn rhel(version: &str) -> Tree {
    let t = Tree::new();
    t.x86_64().file(
        "/etc/redhat-release",
        format!("Red Hat Enterprise Linux Server release {version} (Maipo)\n"),
    );
    t
}

/// agent.c-locale: the `locale` program in root's PATH passes; without it the installer's
/// `locale -a | grep -iw C` finds nothing and the check fails.
#[test]
fn c_locale() {
    let t = rhel("7.2");
    t.file("/usr/bin/locale", "\x7fELF")
        .dir("/usr/lib/locale/C.utf8");
    let c = assert_pass(&t, "agent.c-locale");
    assert!(text(&c).contains("C.utf8"), "{c:#}");
    let t = rhel("7.2");
    let c = assert_enforced(&t, "agent.c-locale");
    assert!(
        c["remediation"].as_str().unwrap().contains("glibc-common"),
        "{c:#}"
    );
}

/// agent.secure-boot: SecureBoot=1 in efivarfs (or in the old sysfs `vars` layout) fails;
/// SecureBoot=0 and BIOS pass; an image without sys/firmware skips; UEFI whose variables
/// cannot be seen is an error, never a pass.
#[test]
fn secure_boot() {
    let on = Tree::new();
    on.x86_64().uefi(true);
    let c = assert_enforced(&on, "agent.secure-boot");
    assert!(text(&c).contains("SecureBoot = 1"), "{c:#}");
    let legacy = Tree::new();
    legacy.x86_64().file(
        "/sys/firmware/efi/vars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c/data",
        [1u8],
    );
    assert_enforced(&legacy, "agent.secure-boot");
    let off = Tree::new();
    off.x86_64().uefi(false);
    assert_pass(&off, "agent.secure-boot");
    let bios = Tree::new();
    bios.x86_64().bios();
    assert_pass(&bios, "agent.secure-boot");
    let image = Tree::new();
    image.x86_64();
    assert_eq!(verdict(&image, "agent.secure-boot", "asr-2026").0, "skip");
    let hidden = Tree::new();
    hidden.x86_64().dir("/sys/firmware/efi/efivars");
    assert_eq!(verdict(&hidden, "agent.secure-boot", "asr-2026").0, "error");
}

/// agent.root-free-space against `df -Pk /` on this machine: the same KiB figure, and the
/// verdict that figure calls for under each matrix (asr-2016 only advises, asr-2026 fails);
/// with --root it is not judged. Whether this disk is full or empty, both branches are checked.
#[test]
fn root_free_space_matches_df() {
    for (matrix, short) in [("asr-2016", "warn"), ("asr-2026", "fail")] {
        let r = run([
            "--only",
            "agent.root-free-space",
            "--scenario",
            "vmware-to-azure",
            "--matrix",
            matrix,
            "--format",
            "json",
        ]);
        let v = r.json();
        validate(&v);
        let c = check(&v, "agent.root-free-space");
        let avail_kib = df_available_kib();
        let ours = reported_kib(c);
        // The disk is in use: allow what other tests write meanwhile.
        assert!(
            ours.abs_diff(avail_kib) < 64 * 1024,
            "ours {ours} KiB, df {avail_kib} KiB"
        );
        // Far from the 1 GiB line the verdict is certain; near it the disk may move.
        if ours.abs_diff(1_048_576) > 64 * 1024 {
            let want = if ours >= 1_048_576 { "pass" } else { short };
            assert_eq!(c["status"], want, "{matrix}: {c:#}");
        }
    }
    let t = rhel("7.2");
    assert_eq!(verdict(&t, "agent.root-free-space", "asr-2026").0, "skip");
}

/// agent.filesystems from fstab: XFS / and /boot pass; ReiserFS / fails, and so does a vfat
/// /boot; an image without fstab skips; a captured mount table is used when there is no fstab.
#[test]
fn filesystems() {
    let t = rhel("7.2");
    t.file(
        "/etc/fstab",
        "/dev/mapper/rhel-root / xfs defaults 0 0\nUUID=abc /boot xfs defaults 0 0\n/dev/mapper/rhel-swap swap swap defaults 0 0\n",
    );
    let c = assert_pass(&t, "agent.filesystems");
    assert!(
        c["summary"].as_str().unwrap().contains("/boot is xfs"),
        "{c:#}"
    );
    let t = rhel("7.2");
    t.file("/etc/fstab", "/dev/sda2 / reiserfs acl,user_xattr 1 1\n");
    let c = assert_enforced(&t, "agent.filesystems");
    assert!(c["summary"].as_str().unwrap().contains("reiserfs"), "{c:#}");
    let t = rhel("7.2");
    t.file(
        "/etc/fstab",
        "UUID=1 / ext4 defaults 1 1\nUUID=2 /boot vfat defaults 1 2\n",
    );
    assert_enforced(&t, "agent.filesystems");
    let t = rhel("7.2");
    assert_eq!(verdict(&t, "agent.filesystems", "asr-2026").0, "skip");
    let t = rhel("7.2");
    t.mountinfo("27 1 8:2 / / rw,relatime - btrfs /dev/sda2 rw\n");
    assert_pass(&t, "agent.filesystems");
}

/// Live, agent.filesystems names the type findmnt gives for /.
#[test]
fn filesystems_live_match_findmnt() {
    let r = run([
        "--only",
        "agent.filesystems",
        "--scenario",
        "vmware-to-azure",
        "--format",
        "json",
    ]);
    let v = r.json();
    let c = check(&v, "agent.filesystems");
    let out = Command::new("findmnt")
        .args(["-n", "-o", "FSTYPE", "/"])
        .output()
        .unwrap();
    let fstype = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/ is {fstype}")),
        "findmnt says {fstype}: {c:#}"
    );
}

/// agent.grub-device-names: UUIDs and LVM names pass; /dev/sda2 in grub.cfg and /dev/sdb1 in
/// /etc/default/grub fail, naming the file and line; no GRUB configuration skips.
#[test]
fn grub_device_names() {
    let good = rhel("7.2");
    good.file(
        "/boot/grub2/grub.cfg",
        "menuentry 'RHEL' {\n\tlinux16 /vmlinuz-3.10.0-327.el7.x86_64 root=/dev/mapper/rhel-root ro resume=UUID=5 rd.lvm.lv=rhel/root\n}\n",
    )
    .file(
        "/etc/default/grub",
        "GRUB_CMDLINE_LINUX=\"rd.lvm.lv=rhel/root resume=/dev/disk/by-uuid/5 rhgb quiet\"\n",
    );
    let c = assert_pass(&good, "agent.grub-device-names");
    assert!(c["summary"].as_str().unwrap().starts_with("3 "), "{c:#}");
    let legacy = rhel("6.7");
    legacy.file(
        "/boot/grub/grub.conf",
        "default=0\ntitle RHEL\n\tkernel /vmlinuz-2.6.32-573.el6.x86_64 ro root=/dev/VolGroup00/LogVol00\n",
    )
    .symlink("/boot/grub/menu.lst", "./grub.conf");
    assert_pass(&legacy, "agent.grub-device-names");
    let bad = rhel("7.2");
    bad.file(
        "/boot/grub2/grub.cfg",
        "menuentry 'RHEL' {\n\tlinux16 /vmlinuz-3.10.0-327.el7.x86_64 root=/dev/sda2 ro\n}\n",
    );
    let c = assert_enforced(&bad, "agent.grub-device-names");
    assert!(
        text(&c).contains("/boot/grub2/grub.cfg line 1 (RHEL): root=/dev/sda2"),
        "{c:#}"
    );
    assert!(
        c["remediation"]
            .as_str()
            .unwrap()
            .contains("blkid -s UUID -o value /dev/sda2"),
        "{c:#}"
    );
    let default = rhel("7.2");
    default.file(
        "/etc/default/grub",
        "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=auto resume=/dev/sdb1 rhgb quiet\"\n",
    );
    let c = assert_enforced(&default, "agent.grub-device-names");
    assert!(text(&c).contains("/etc/default/grub line 2"), "{c:#}");
    assert!(
        c["remediation"]
            .as_str()
            .unwrap()
            .contains("GRUB_CMDLINE_LINUX"),
        "{c:#}"
    );
    let none = rhel("7.2");
    assert_eq!(
        verdict(&none, "agent.grub-device-names", "asr-2026").0,
        "skip"
    );
}

/// agent.dhcp-client per distribution: dhclient on RHEL 7, dhcpcd on SLES 11, wicked's
/// DHCPv4 supervisor on SLES 15, isc-dhcp-client's dhclient on Ubuntu; no rule for Fedora.
#[test]
fn dhcp_client() {
    let t = rhel("7.2");
    t.file("/sbin/dhclient", "\x7fELF");
    assert_pass(&t, "agent.dhcp-client");
    let t = rhel("7.2");
    let c = assert_enforced(&t, "agent.dhcp-client");
    assert_eq!(c["remediation"], "yum install dhclient");
    let t = rhel("8.4");
    let c = assert_enforced(&t, "agent.dhcp-client");
    assert_eq!(c["remediation"], "dnf install dhcp-client");
    let sles11 = Tree::new();
    sles11.x86_64().file(
        "/etc/SuSE-release",
        "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3\n",
    );
    let c = assert_enforced(&sles11, "agent.dhcp-client");
    assert!(c["summary"].as_str().unwrap().contains("dhcpcd"), "{c:#}");
    sles11.file("/sbin/dhcpcd", "\x7fELF");
    assert_pass(&sles11, "agent.dhcp-client");
    let sles15 = Tree::new();
    sles15
        .x86_64()
        .file(
            "/etc/os-release",
            "NAME=\"SLES\"\nVERSION=\"15-SP1\"\nVERSION_ID=\"15.1\"\nID=\"sles\"\n",
        )
        .file("/usr/lib/wicked/bin/wickedd-dhcp4", "\x7fELF");
    assert_pass(&sles15, "agent.dhcp-client");
    let ubuntu = Tree::new();
    ubuntu.x86_64().file(
        "/etc/os-release",
        "NAME=\"Ubuntu\"\nVERSION_ID=\"20.04\"\nID=ubuntu\n",
    );
    let c = assert_enforced(&ubuntu, "agent.dhcp-client");
    assert_eq!(c["remediation"], "apt-get install isc-dhcp-client");
    let fedora = Tree::new();
    fedora
        .x86_64()
        .file("/etc/os-release", "NAME=Fedora\nVERSION_ID=38\nID=fedora\n");
    assert_eq!(verdict(&fedora, "agent.dhcp-client", "asr-2026").0, "skip");
}

/// agent.lvm-tools: / on /dev/mapper/... (fstab), on an LV named only by rd.lvm.lv= in the
/// boot entry, or on a dm device in a captured tree needs vgdisplay; / on a partition does not.
#[test]
fn lvm_tools() {
    let t = rhel("7.2");
    t.file("/etc/fstab", "/dev/mapper/rhel-root / xfs defaults 0 0\n");
    let c = assert_enforced(&t, "agent.lvm-tools");
    assert!(c["remediation"].as_str().unwrap().contains("lvm2"), "{c:#}");
    t.symlink("/usr/sbin/vgdisplay", "lvm")
        .file("/usr/sbin/lvm", "\x7fELF");
    assert_pass(&t, "agent.lvm-tools");
    let by_uuid = rhel("6.7");
    by_uuid
        .file("/etc/fstab", "UUID=1234 / ext4 defaults 1 1\n")
        .file(
            "/boot/grub/grub.conf",
            "default=0\ntitle RHEL\n\tkernel /vmlinuz-2.6.32-573.el6.x86_64 ro root=UUID=1234 rd_LVM_LV=vg/root\n",
        );
    assert_enforced(&by_uuid, "agent.lvm-tools");
    let plain = rhel("7.2");
    plain.file("/etc/fstab", "/dev/sda1 / xfs defaults 0 0\n");
    assert_pass(&plain, "agent.lvm-tools");
    let captured = rhel("7.2");
    captured
        .mountinfo("27 1 253:0 / / rw - xfs /dev/mapper/vg-root rw\n")
        .block_disk("sda", "8:0", 1 << 34)
        .block_partition("sda", "sda2", "8:2", 1 << 33)
        .block_dm("dm-0", "253:0", 1 << 33, "vg-root", "LVM-xyz", &["sda2"]);
    let c = assert_enforced(&captured, "agent.lvm-tools");
    assert!(text(&c).contains("device-mapper volume vg-root"), "{c:#}");
}

/// agent.acpi: acpi=0 in the default boot entry fails; other entries and acpi=off do not
/// count (the installer looks for acpi=0 only); no boot entry skips.
#[test]
fn acpi() {
    let bad = rhel("6.7");
    bad.file(
        "/boot/grub/grub.conf",
        "default=0\ntitle RHEL\n\tkernel /vmlinuz-2.6.32-573.el6.x86_64 ro root=UUID=1 ACPI=0\ntitle old\n\tkernel /vmlinuz-2.6.32-504.el6.x86_64 ro root=UUID=1\n",
    );
    let c = assert_enforced(&bad, "agent.acpi");
    assert!(
        c["remediation"].as_str().unwrap().contains("grub.conf"),
        "{c:#}"
    );
    let good = rhel("6.7");
    good.file(
        "/boot/grub/grub.conf",
        "default=0\ntitle RHEL\n\tkernel /vmlinuz-2.6.32-573.el6.x86_64 ro root=UUID=1 acpi=off\ntitle old\n\tkernel /vmlinuz-2.6.32-504.el6.x86_64 ro acpi=0\n",
    );
    assert_pass(&good, "agent.acpi");
    let none = rhel("6.7");
    assert_eq!(verdict(&none, "agent.acpi", "asr-2026").0, "skip");
}

/// Live, agent.acpi judges this machine's /proc/cmdline.
#[test]
fn acpi_live_reads_proc_cmdline() {
    let v = run([
        "--only",
        "agent.acpi",
        "--scenario",
        "vmware-to-azure",
        "--format",
        "json",
    ])
    .json();
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap();
    let has = cmdline
        .split_whitespace()
        .take_while(|w| *w != "--")
        .any(|w| w.eq_ignore_ascii_case("acpi=0"));
    let c = check(&v, "agent.acpi");
    assert_eq!(c["status"], if has { "fail" } else { "pass" }, "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("/proc/cmdline"));
}

/// agent.runlevel: systemd (systemctl present) counts as 3; SysV's initdefault 3 passes and 1
/// fails; Upstart's DEFAULT_RUNLEVEL=2 passes; an image that names none skips.
#[test]
fn runlevel() {
    let t = rhel("6.7");
    t.file("/etc/inittab", "id:3:initdefault:\n");
    let c = assert_pass(&t, "agent.runlevel");
    assert!(
        c["summary"].as_str().unwrap().contains("runlevel 3"),
        "{c:#}"
    );
    let t = rhel("6.7");
    t.file("/etc/inittab", "id:1:initdefault:\n");
    assert_enforced(&t, "agent.runlevel");
    let sd = rhel("7.2");
    sd.file("/usr/bin/systemctl", "\x7fELF")
        .file("/usr/lib/systemd/systemd", "\x7fELF")
        .symlink("/sbin/init", "../usr/lib/systemd/systemd")
        .file("/usr/lib/systemd/system/graphical.target", "[Unit]\n")
        .symlink(
            "/etc/systemd/system/default.target",
            "/usr/lib/systemd/system/graphical.target",
        );
    let c = assert_pass(&sd, "agent.runlevel");
    assert!(text(&c).contains("graphical.target (runlevel 5)"), "{c:#}");
    let upstart = Tree::new();
    upstart
        .x86_64()
        .file(
            "/etc/lsb-release",
            "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=14.04\n",
        )
        .file("/sbin/init", "\x7fELF")
        .file("/sbin/initctl", "\x7fELF")
        .file(
            "/etc/init/rc-sysinit.conf",
            "start on filesystem\nenv DEFAULT_RUNLEVEL=2\n",
        );
    assert_pass(&upstart, "agent.runlevel");
    let none = rhel("6.7");
    assert_eq!(verdict(&none, "agent.runlevel", "asr-2026").0, "skip");
}

/// The installer runs in the guest only where the Mobility agent is installed: Hyper-V
/// scenarios have no agent, so every agent.* check is not applicable there; a matrix without
/// an [agent] section judges none of them.
#[test]
fn scope_and_matrix_section() {
    let t = rhel("7.2");
    let ids = "agent.c-locale,agent.secure-boot,agent.root-free-space,agent.filesystems,agent.grub-device-names,agent.dhcp-client,agent.lvm-tools,agent.acpi,agent.runlevel";
    let (_, v) = check_root(t.path(), &["--only", ids, "--scenario", "hyperv-to-azure"]);
    for c in v["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "skip", "{c:#}");
        assert!(c["summary"].as_str().unwrap().contains("not applicable"));
    }
    let m = run(["matrix", "--matrix", "asr-2026", "--format", "json"]).json();
    let mut m = m.as_object().unwrap().clone();
    assert!(m.remove("agent").is_some());
    let file = t.path().join("my-matrix.json");
    std::fs::write(&file, serde_json::to_string(&m).unwrap()).unwrap();
    let (_, v) = check_root(
        t.path(),
        &[
            "--only",
            "agent.dhcp-client",
            "--scenario",
            "vmware-to-azure",
            "--matrix",
            file.to_str().unwrap(),
        ],
    );
    let c = check(&v, "agent.dhcp-client");
    assert_eq!(c["status"], "skip", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("[agent]"));
}

/// The `Available` column of `df -Pk /`.
fn df_available_kib() -> u64 {
    let df = Command::new("df").args(["-Pk", "/"]).output().unwrap();
    let df = String::from_utf8(df.stdout).unwrap();
    df.lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected df output: {df}"))
}

/// The KiB figure of the check's first detail line, "available on /: N KiB (...)".
fn reported_kib(c: &serde_json::Value) -> u64 {
    c["details"][0]
        .as_str()
        .and_then(|d| d.strip_prefix("available on /: "))
        .and_then(|d| d.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no free-space figure in {c:#}"))
}
