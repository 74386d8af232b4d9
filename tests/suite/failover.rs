//! Failover readiness (`kernel.*` and `failover.*`) against fixture roots built here: real
//! initramfs images made with the system's cpio and compressors (with and without the Hyper-V
//! drivers, with an early-microcode archive in front), module trees with modules.builtin, each
//! hydration tool present or missing, dracut and initramfs-tools configurations, fstab and GRUB
//! variants; then Debian's own kernel package as a real module tree nobody here wrote, and the
//! live system.

use crate::common;
use std::path::Path;
use std::process::Command;

use crate::common::{Tree, check, check_root, pipe, run, status};
use serde_json::Value;

const EL7: &str = "3.10.0-327.el7.x86_64";
const EL7_NEW: &str = "3.10.0-1160.el7.x86_64";
const HV: &[&str] = &["hv_vmbus", "hv_storvsc", "hv_netvsc"];

/// Where each Hyper-V driver lives in a kernel's module tree.
fn module_path(driver: &str) -> &'static str {
    match driver {
        "hv_vmbus" => "kernel/drivers/hv",
        "hv_storvsc" => "kernel/drivers/scsi",
        "hv_netvsc" => "kernel/drivers/net/hyperv",
        _ => "kernel/drivers/misc",
    }
}

/// A real initramfs: a newc archive of an initramfs tree for kernel `rel` holding the given
/// driver modules, made by `cpio`, compressed by `compress`, with an uncompressed microcode
/// archive in front when asked.
fn initramfs(rel: &str, drivers: &[&str], compress: &[&str], microcode: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let put = |p: &str, data: &[u8]| {
        let h = dir.path().join(p);
        std::fs::create_dir_all(h.parent().unwrap()).unwrap();
        std::fs::write(h, data).unwrap();
    };
    put("init", b"#!/bin/sh\n");
    put("usr/bin/sh", b"");
    put(
        &format!("usr/lib/modules/{rel}/kernel/fs/xfs/xfs.ko.xz"),
        b"xfs",
    );
    put(
        &format!("usr/lib/modules/{rel}/kernel/drivers/scsi/vmw_pvscsi.ko.xz"),
        b"pvscsi",
    );
    for d in drivers {
        put(
            &format!("usr/lib/modules/{rel}/{}/{d}.ko.xz", module_path(d)),
            d.as_bytes(),
        );
    }
    let cpio = |d: &Path| {
        let list = pipe(&["sh", "-c", "find . | LC_ALL=C sort"], b"", Some(d));
        pipe(&["cpio", "-o", "-H", "newc", "--quiet"], &list, Some(d))
    };
    let main = cpio(dir.path());
    let mut out = Vec::new();
    if microcode {
        let early = tempfile::tempdir().unwrap();
        let p = early.path().join("kernel/x86/microcode");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("GenuineIntel.bin"), [0x5au8; 2048]).unwrap();
        out.extend(cpio(early.path()));
    }
    out.extend(if compress.is_empty() {
        main
    } else {
        pipe(compress, &main, None)
    });
    out
}

/// CentOS 7.2 booting `EL7` by default, with `EL7_NEW` installed beside it; both with module
/// trees holding the Hyper-V drivers, xz-compressed initramfs images (early microcode in front)
/// holding them too, the hydration tools, systemd, a UUID fstab and a GRUB 2 configuration in
/// step with /etc/default/grub. Every failover check passes on it; tests take one thing away.
fn centos7() -> Tree {
    let t = Tree::new();
    t.x86_64();
    t.file(
        "/etc/centos-release",
        "CentOS Linux release 7.2.1511 (Core)\n",
    )
    .file(
        "/etc/redhat-release",
        "CentOS Linux release 7.2.1511 (Core)\n",
    )
    .file(
        "/etc/os-release",
        "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nVERSION_ID=\"7\"\n",
    )
    .file("/etc/hostname", "guest01\n");
    for rel in [EL7, EL7_NEW] {
        kernel(&t, rel, HV, &[]);
        t.file(
            &format!("/boot/initramfs-{rel}.img"),
            initramfs(rel, HV, &["xz", "--check=crc32", "--lzma2=dict=1MiB"], true),
        );
    }
    for tool in ["dracut", "lsinitrd", "modinfo", "dhclient"] {
        t.file(&format!("/usr/sbin/{tool}"), "");
    }
    t.file("/usr/bin/systemctl", "")
        .file("/usr/lib/systemd/systemd", "")
        .symlink("/sbin/init", "../usr/lib/systemd/systemd");
    t.file(
        "/etc/fstab",
        "UUID=6a0f4bf4-7a0e-4b37-9d3c-0b1d9a6f1e51 / xfs defaults 0 0\nUUID=0c2a0c2a /boot xfs defaults 0 0\n",
    );
    t.file(
        "/etc/default/grub",
        "GRUB_TIMEOUT=5\nGRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rd.lvm.lv=centos/root rhgb quiet\"\n",
    );
    t.file(
        "/boot/grub2/grubenv",
        format!("# GRUB Environment Block\nsaved_entry=CentOS Linux ({EL7}) 7 (Core)\n"),
    );
    t.file(
        "/boot/grub2/grub.cfg",
        grub_cfg(
            "root=/dev/mapper/centos-root ro crashkernel=auto rd.lvm.lv=centos/root rhgb quiet",
        ),
    );
    t
}

/// A RHEL 7 style grub.cfg with an entry per kernel, each with `args`.
fn grub_cfg(args: &str) -> String {
    let mut s = String::from(
        "if [ \"${next_entry}\" ] ; then\n   set default=\"${next_entry}\"\nelse\n   set default=\"${saved_entry}\"\nfi\n",
    );
    for rel in [EL7_NEW, EL7] {
        s.push_str(&format!(
            "menuentry 'CentOS Linux ({rel}) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-{rel}-advanced-x' {{\n\tlinux16 /vmlinuz-{rel} {args}\n\tinitrd16 /initramfs-{rel}.img\n}}\n"
        ));
    }
    s
}

/// A kernel: its image, and a module tree with the given drivers as files and built-ins.
fn kernel(t: &Tree, rel: &str, modules: &[&str], builtin: &[&str]) {
    t.file(&format!("/boot/vmlinuz-{rel}"), "kernel image");
    t.file(&format!("/lib/modules/{rel}/kernel/fs/xfs/xfs.ko.xz"), "");
    for d in modules {
        t.file(
            &format!("/lib/modules/{rel}/{}/{d}.ko.xz", module_path(d)),
            "",
        );
    }
    let list: String = builtin
        .iter()
        .map(|d| format!("{}/{d}.ko\n", module_path(d)))
        .collect();
    t.file(
        &format!("/lib/modules/{rel}/modules.builtin"),
        format!("kernel/fs/ext4/ext4.ko\n{list}"),
    );
}

fn report(t: &Tree, ids: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--only", ids, "--scenario", "vmware-to-azure"];
    args.extend_from_slice(extra);
    check_root(t.path(), &args)
}

const ALL: &str = "kernel.installed-supported,kernel.modules-dir,failover.hyperv-drivers,failover.initramfs-drivers,failover.dracut-hostonly,failover.hydration-tools,failover.initrd-space,failover.fstab-devices,failover.grub-sync,failover.grub-location";

fn details(v: &Value, id: &str) -> String {
    let c = check(v, id);
    format!("{} | {} | {}", c["summary"], c["details"], c["remediation"])
}

/// The JSON report's problem lines of a check: (code, status) in report order.
fn findings(v: &Value, id: &str) -> Vec<(String, String)> {
    check(v, id)["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A user matrix whose CentOS 7 row accepts every `.el7` kernel (as asr-2026 did before the
/// 2026 documents dropped CentOS), so that kernel.installed-supported can pass.
fn centos7_matrix(dir: &std::path::Path) -> String {
    let path = dir.join("centos7.toml");
    std::fs::write(
        &path,
        "name='centos7'\ndescription='CentOS 7, any el7 kernel'\nsource='test'\n[scenarios.vmware-to-azure]\npolicy='listed'\nsource='test'\n[[os]]\nid='centos'\nname='CentOS'\nversions=['7.0..7.9']\nkernels=[{pattern='\\.el7\\.x86_64$', description='any CentOS 7 kernel'}]\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// The complete image passes every failover check (under a matrix whose CentOS 7 row accepts
/// both kernels) except the space check, which an image cannot answer and skips with the total
/// it needs; the report says which initramfs segments were read.
#[test]
fn complete_image_passes() {
    let t = centos7();
    let dir = tempfile::tempdir().unwrap();
    let matrix = centos7_matrix(dir.path());
    let (code, v) = report(&t, ALL, &["--matrix", &matrix]);
    for id in ALL.split(',').filter(|id| *id != "failover.initrd-space") {
        assert_eq!(status(&v, id), "pass", "{id}: {}", details(&v, id));
    }
    assert_eq!(status(&v, "failover.initrd-space"), "skip");
    let total: u64 = [EL7, EL7_NEW]
        .iter()
        .map(|r| {
            std::fs::metadata(t.path().join(format!("boot/initramfs-{r}.img")))
                .unwrap()
                .len()
        })
        .sum();
    let d = details(&v, "failover.initrd-space");
    assert!(
        d.contains(&format!("{:.1} MiB", total as f64 / 1048576.0)),
        "{total}: {d}"
    );
    assert!(d.contains("for 2 initramfs images"), "{d}");
    assert_eq!(code, 0);
    let d = details(&v, "failover.initramfs-drivers");
    assert!(d.contains("uncompressed at byte 0, xz at byte"), "{d}");
    assert!(d.contains(&format!("{EL7} (default boot)")), "{d}");
}

/// Under the seed's matrix, CentOS 7.2 has no kernel constraint; an Oracle Linux 6.5 image with
/// an installed UEK R2 kernel beside its default RHCK one warns and names the removal command.
#[test]
fn installed_kernel_not_supported_warns() {
    let t = Tree::new();
    t.x86_64();
    t.file("/etc/oracle-release", "Oracle Linux Server release 6.5\n")
        .file("/etc/redhat-release", "Red Hat Enterprise Linux Server release 6.5 (Santiago)\n")
        .file(
            "/boot/grub/grub.conf",
            "default=0\ntitle OL (2.6.32-431.el6.x86_64)\n\tkernel /vmlinuz-2.6.32-431.el6.x86_64 ro root=UUID=1\n",
        );
    kernel(&t, "2.6.32-431.el6.x86_64", HV, &[]);
    kernel(&t, "2.6.39-400.17.1.el6uek.x86_64", HV, &[]);
    let (_, v) = report(&t, "kernel.installed-supported", &[]);
    assert_eq!(status(&v, "kernel.installed-supported"), "warn", "{v:#}");
    let d = details(&v, "kernel.installed-supported");
    assert!(d.contains("1 of 2 installed kernels"), "{d}");
    assert!(
        d.contains("yum remove kernel-2.6.39-400.17.1.el6uek.x86_64"),
        "{d}"
    );
    assert!(d.contains("2.6.32-431.el6.x86_64 (default boot)"), "{d}");
    // Without the UEK R2 kernel, all pass.
    std::fs::remove_file(t.path().join("boot/vmlinuz-2.6.39-400.17.1.el6uek.x86_64")).unwrap();
    std::fs::remove_dir_all(
        t.path()
            .join("lib/modules/2.6.39-400.17.1.el6uek.x86_64/kernel"),
    )
    .unwrap();
    let (_, v) = report(&t, "kernel.installed-supported", &[]);
    assert_eq!(status(&v, "kernel.installed-supported"), "pass", "{v:#}");
    assert!(details(&v, "kernel.installed-supported").contains("leftover directory"));
}

/// The default kernel's module directory: present, without kernel/, or missing.
#[test]
fn modules_dir_of_default_kernel() {
    let t = centos7();
    let (_, v) = report(&t, "kernel.modules-dir", &[]);
    assert_eq!(status(&v, "kernel.modules-dir"), "pass");
    std::fs::remove_dir_all(t.path().join(format!("lib/modules/{EL7}/kernel"))).unwrap();
    let (code, v) = report(&t, "kernel.modules-dir", &[]);
    assert_eq!(status(&v, "kernel.modules-dir"), "fail");
    assert!(details(&v, "kernel.modules-dir").contains("no kernel/ directory"));
    assert_eq!(code, 1);
    std::fs::remove_dir_all(t.path().join(format!("lib/modules/{EL7}"))).unwrap();
    let (_, v) = report(&t, "kernel.modules-dir", &[]);
    assert_eq!(status(&v, "kernel.modules-dir"), "fail");
    let d = details(&v, "kernel.modules-dir");
    assert!(
        d.contains("does not exist") && d.contains(&format!("yum reinstall kernel-{EL7}")),
        "{d}"
    );
}

/// Drivers: a missing module in any installed kernel fails; built-in ones count; a kernel with
/// an image but no module directory fails.
#[test]
fn hyperv_drivers_per_kernel() {
    let t = centos7();
    std::fs::remove_file(t.path().join(format!(
        "lib/modules/{EL7_NEW}/kernel/drivers/net/hyperv/hv_netvsc.ko.xz"
    )))
    .unwrap();
    let (_, v) = report(&t, "failover.hyperv-drivers", &[]);
    assert_eq!(status(&v, "failover.hyperv-drivers"), "fail");
    let d = details(&v, "failover.hyperv-drivers");
    assert!(d.contains(&format!("{EL7_NEW}: missing hv_netvsc")), "{d}");
    assert!(d.contains(&format!("yum remove kernel-{EL7_NEW}")), "{d}");
    // Built in instead: passes.
    t.file(
        &format!("/lib/modules/{EL7_NEW}/modules.builtin"),
        "kernel/drivers/net/hyperv/hv_netvsc.ko\n",
    );
    let (_, v) = report(&t, "failover.hyperv-drivers", &[]);
    assert_eq!(
        status(&v, "failover.hyperv-drivers"),
        "pass",
        "{}",
        details(&v, "failover.hyperv-drivers")
    );
    assert!(details(&v, "failover.hyperv-drivers").contains("hv_netvsc built in"));
    // A third kernel with only an image.
    t.file("/boot/vmlinuz-3.10.0-1062.el7.x86_64", "k");
    let (_, v) = report(&t, "failover.hyperv-drivers", &[]);
    assert_eq!(status(&v, "failover.hyperv-drivers"), "fail");
    assert!(
        details(&v, "failover.hyperv-drivers").contains("no /lib/modules/3.10.0-1062.el7.x86_64")
    );
}

/// Each compressor distributions use (and none), with and without a microcode prefix: the
/// drivers are found; the default kernel's image without them fails, another kernel's warns.
#[test]
fn initramfs_drivers_every_compressor() {
    let compressors: &[&[&str]] = &[
        &["gzip", "-n", "-9"],
        &["xz", "--check=crc32", "--lzma2=dict=1MiB"],
        &["xz", "--format=lzma"],
        &["lz4", "-l", "-9"],
        &["zstd", "-q", "-19"],
        &[],
    ];
    let t = centos7();
    for comp in compressors {
        for microcode in [false, true] {
            let label = format!("{comp:?} microcode={microcode}");
            t.file(
                &format!("/boot/initramfs-{EL7}.img"),
                initramfs(EL7, HV, comp, microcode),
            );
            t.file(
                &format!("/boot/initramfs-{EL7_NEW}.img"),
                initramfs(EL7_NEW, HV, comp, microcode),
            );
            let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
            assert_eq!(
                status(&v, "failover.initramfs-drivers"),
                "pass",
                "{label}: {}",
                details(&v, "failover.initramfs-drivers")
            );
            t.file(
                &format!("/boot/initramfs-{EL7}.img"),
                initramfs(EL7, &["hv_vmbus"], comp, microcode),
            );
            let (code, v) = report(&t, "failover.initramfs-drivers", &[]);
            assert_eq!(status(&v, "failover.initramfs-drivers"), "fail", "{label}");
            assert_eq!(code, 1);
            let d = details(&v, "failover.initramfs-drivers");
            assert!(d.contains("missing hv_storvsc, hv_netvsc"), "{label}: {d}");
            assert!(
                d.contains(&format!("dracut -f /boot/initramfs-{EL7}.img {EL7}")),
                "{label}: {d}"
            );
            t.file(
                &format!("/boot/initramfs-{EL7}.img"),
                initramfs(EL7, HV, comp, microcode),
            );
            t.file(
                &format!("/boot/initramfs-{EL7_NEW}.img"),
                initramfs(EL7_NEW, &[], comp, microcode),
            );
            let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
            assert_eq!(status(&v, "failover.initramfs-drivers"), "warn", "{label}");
        }
    }
}

/// Built-in drivers need not be in the initramfs; a damaged image is an error naming it; a
/// kernel without any initramfs warns; an image built for another kernel is pointed out.
#[test]
fn initramfs_special_cases() {
    let t = centos7();
    t.file(
        &format!("/lib/modules/{EL7}/modules.builtin"),
        "kernel/drivers/hv/hv_vmbus.ko\nkernel/drivers/scsi/hv_storvsc.ko\nkernel/drivers/net/hyperv/hv_netvsc.ko\n",
    );
    t.file(
        &format!("/boot/initramfs-{EL7}.img"),
        initramfs(EL7, &[], &["gzip"], false),
    );
    let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
    assert_eq!(
        status(&v, "failover.initramfs-drivers"),
        "pass",
        "{}",
        details(&v, "failover.initramfs-drivers")
    );
    let mut broken = initramfs(EL7_NEW, HV, &["gzip"], false);
    let n = broken.len();
    broken.truncate(n / 2);
    t.file(&format!("/boot/initramfs-{EL7_NEW}.img"), broken);
    let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
    assert_eq!(status(&v, "failover.initramfs-drivers"), "error");
    assert!(
        details(&v, "failover.initramfs-drivers")
            .contains(&format!("/boot/initramfs-{EL7_NEW}.img"))
    );
    std::fs::remove_file(t.path().join(format!("boot/initramfs-{EL7_NEW}.img"))).unwrap();
    let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
    assert_eq!(status(&v, "failover.initramfs-drivers"), "warn");
    assert!(
        details(&v, "failover.initramfs-drivers").contains(&format!("no initramfs for {EL7_NEW}"))
    );
    t.file(
        &format!("/boot/initramfs-{EL7_NEW}.img"),
        initramfs(EL7, HV, &["zstd"], false),
    );
    let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
    assert!(
        details(&v, "failover.initramfs-drivers")
            .contains(&format!("its modules are for {EL7}, not this kernel"))
    );
}

/// dracut host-only without the drivers added warns; adding them passes; omitting one warns;
/// initramfs-tools' MODULES=dep likewise; no generator at all skips.
#[test]
fn dracut_hostonly_variants() {
    let t = centos7();
    let id = "failover.dracut-hostonly";
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
    t.file(
        "/usr/lib/dracut/dracut.conf.d/01-dist.conf",
        "hostonly=\"yes\"\n",
    );
    let (code, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "warn");
    assert_eq!(code, 0, "a warning alone leaves the machine ready");
    let d = details(&v, id);
    assert!(d.contains("01-dist.conf line 1"), "{d}");
    assert!(
        d.contains("add_drivers+=\\\" hv_vmbus hv_netvsc hv_storvsc \\\""),
        "{d}"
    );
    let (code, _) = report(&t, id, &["--strict"]);
    assert_eq!(code, 1, "--strict counts the warning");
    t.file(
        "/etc/dracut.conf.d/azure.conf",
        "add_drivers+=\" hv_vmbus hv_netvsc hv_storvsc \"\n",
    );
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
    t.file(
        "/etc/dracut.conf.d/zz-omit.conf",
        "omit_drivers+=\" hv_netvsc \"\n",
    );
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "warn");
    assert!(details(&v, id).contains("omit_drivers leaves out hv_netvsc"));

    let d = Tree::new();
    d.x86_64();
    d.file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")
        .file("/etc/initramfs-tools/initramfs.conf", "MODULES=most\n");
    let (_, v) = report(&d, id, &[]);
    assert_eq!(status(&v, id), "pass");
    d.file("/etc/initramfs-tools/conf.d/host", "MODULES=dep\n");
    let (_, v) = report(&d, id, &[]);
    assert_eq!(status(&v, id), "warn");
    assert!(details(&v, id).contains("update-initramfs -u -k all"));
    d.file(
        "/etc/initramfs-tools/modules",
        "hv_vmbus\nhv_storvsc\nhv_netvsc\n",
    );
    let (_, v) = report(&d, id, &[]);
    assert_eq!(status(&v, id), "pass");
    let bare = Tree::new();
    bare.x86_64();
    let (_, v) = report(&bare, id, &[]);
    assert_eq!(status(&v, id), "skip");
}

/// Every tool missing in turn fails and is named; systemctl is only needed with systemd;
/// initramfs-tools' programs stand in for dracut's on Debian.
#[test]
fn hydration_tools_each_missing() {
    let id = "failover.hydration-tools";
    for (tool, named, finding) in [
        (
            "/usr/sbin/dracut",
            "dracut or mkinitrd",
            "no-initramfs-builder",
        ),
        ("/usr/sbin/lsinitrd", "lsinitrd", "no-initramfs-lister"),
        ("/usr/sbin/modinfo", "modinfo", "no-modinfo"),
        ("/usr/sbin/dhclient", "dhclient or dhcpcd", "no-dhcp-client"),
        ("/usr/bin/systemctl", "systemctl", "no-systemctl"),
    ] {
        let t = centos7();
        std::fs::remove_file(t.path().join(tool.trim_start_matches('/'))).unwrap();
        let (code, v) = report(&t, id, &[]);
        assert_eq!(status(&v, id), "fail", "{tool}");
        assert_eq!(code, 1);
        let d = details(&v, id);
        assert!(d.contains(&format!("missing {named}")), "{tool}: {d}");
        assert!(d.contains("yum install dracut kmod dhclient"), "{d}");
        assert_eq!(
            findings(&v, id),
            [(format!("{id}/{finding}"), "fail".to_string())],
            "{tool}"
        );
    }
    // mkinitrd and dhcpcd, in /sbin, stand in for dracut and dhclient.
    let t = centos7();
    for p in ["usr/sbin/dracut", "usr/sbin/dhclient"] {
        std::fs::remove_file(t.path().join(p)).unwrap();
    }
    t.file("/sbin/mkinitrd", "").file("/sbin/dhcpcd", "");
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
    // Without systemd, systemctl is not needed.
    std::fs::remove_file(t.path().join("usr/bin/systemctl")).unwrap();
    std::fs::remove_file(t.path().join("sbin/init")).unwrap();
    std::fs::remove_file(t.path().join("usr/lib/systemd/systemd")).unwrap();
    t.file("/sbin/init", "")
        .file("/etc/inittab", "id:3:initdefault:\n");
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
    let d = Tree::new();
    d.x86_64();
    d.file("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    for p in [
        "/usr/sbin/update-initramfs",
        "/usr/bin/lsinitramfs",
        "/sbin/modinfo",
        "/sbin/dhclient",
    ] {
        d.file(p, "");
    }
    let (_, v) = report(&d, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
}

/// /etc/default/grub edits not applied: a missing argument and a GRUB_DEFAULT that disagrees
/// with `set default` warn with the regeneration command; BLS entries with `$kernelopts`.
#[test]
fn grub_sync_variants() {
    let id = "failover.grub-sync";
    let t = centos7();
    t.file(
        "/etc/default/grub",
        "GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"crashkernel=auto rd.lvm.lv=centos/root rhgb quiet console=ttyS0,115200\"\n",
    );
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "warn");
    let d = details(&v, id);
    assert!(
        d.contains("has console=ttyS0,115200 but the default entry"),
        "{d}"
    );
    assert!(d.contains("grub2-mkconfig -o /boot/grub2/grub.cfg"), "{d}");
    t.file(
        "/etc/default/grub",
        "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"rhgb quiet\"\n",
    );
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "warn");
    assert!(
        details(&v, id).contains("GRUB_DEFAULT=0 (line 1)"),
        "{}",
        details(&v, id)
    );
    // RHEL 8: BLS entries whose options come from grubenv's kernelopts.
    let b = centos7();
    b.file(
        "/boot/grub2/grub.cfg",
        "set default=\"${saved_entry}\"\ninsmod blscfg\nblscfg\n",
    );
    b.file(
        "/boot/grub2/grubenv",
        "saved_entry=abc-4.18.0-305.30.1.el8_4.x86_64\nkernelopts=root=/dev/mapper/rhel-root ro crashkernel=auto\n",
    );
    b.file(
        "/boot/loader/entries/abc-4.18.0-305.30.1.el8_4.x86_64.conf",
        "title RHEL\nversion 4.18.0-305.30.1.el8_4.x86_64\nlinux /vmlinuz-4.18.0-305.30.1.el8_4.x86_64\noptions $kernelopts\n",
    );
    b.file(
        "/etc/default/grub",
        "GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"crashkernel=auto\"\n",
    );
    let (_, v) = report(&b, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
    b.file(
        "/etc/default/grub",
        "GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"crashkernel=auto resume=UUID=5\"\n",
    );
    let (_, v) = report(&b, id, &[]);
    assert_eq!(status(&v, id), "warn");
    assert!(details(&v, id).contains("resume=UUID=5"));
}

/// UEFI machines read the EFI vendor directory: a configuration only at the BIOS path fails
/// with the EFI regeneration command; a stub leading to /boot/grub2 passes; a stub leading
/// nowhere fails; no configuration at all fails.
#[test]
fn grub_location_variants() {
    let id = "failover.grub-location";
    let t = centos7();
    t.file(
        "/etc/fstab",
        "UUID=1 / xfs defaults 0 0\nUUID=2 /boot/efi vfat umask=0077 0 2\n",
    );
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "fail");
    let d = details(&v, id);
    assert!(
        d.contains("only at the BIOS path /boot/grub2/grub.cfg"),
        "{d}"
    );
    assert!(
        d.contains("grub2-mkconfig -o /boot/efi/EFI/centos/grub.cfg"),
        "{d}"
    );
    t.file(
        "/boot/efi/EFI/centos/grub.cfg",
        "search --no-floppy --fs-uuid --set=dev 2\nset prefix=($dev)/grub2\nexport $prefix\nconfigfile $prefix/grub.cfg\n",
    );
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
    assert!(details(&v, id).contains("stub loading /boot/grub2/grub.cfg"));
    std::fs::remove_file(t.path().join("boot/grub2/grub.cfg")).unwrap();
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "fail");
    assert!(details(&v, id).contains("which does not exist"));
    t.file("/boot/efi/EFI/centos/grub.cfg", grub_cfg("root=UUID=1 ro"));
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "pass");
    let bare = centos7();
    std::fs::remove_file(bare.path().join("boot/grub2/grub.cfg")).unwrap();
    let (_, v) = report(&bare, id, &[]);
    assert_eq!(status(&v, id), "fail");
    assert!(details(&v, id).contains("hydration at failover would abort"));
}

/// fstab: / or /boot by kernel device name fails with the exact replacement; other device-name
/// entries without nofail and network file systems warn; stable names pass.
#[test]
fn fstab_device_variants() {
    let id = "failover.fstab-devices";
    let t = centos7();
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "pass", "{}", details(&v, id));
    t.file(
        "/etc/fstab",
        "# root by mapper name\n/dev/mapper/centos-root / xfs defaults 0 0\n/dev/sda1 /boot xfs defaults 0 0\n/dev/sdb1 /data ext4 defaults 0 2\n/dev/sdc1 /logs ext4 defaults,nofail 0 2\nfiler:/export /mnt/share nfs4 defaults,_netdev 0 0\n//win/share /mnt/win cifs credentials=/root/c 0 0\n/dev/sdd1 swap swap defaults 0 0\n",
    );
    let (code, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "fail");
    assert_eq!(code, 1);
    let d = details(&v, id);
    assert!(
        d.contains("boot-critical: /etc/fstab line 3: /dev/sda1 /boot xfs"),
        "{d}"
    );
    assert!(d.contains("blkid -s UUID -o value /dev/sda1"), "{d}");
    assert!(
        d.contains("without nofail: /etc/fstab line 4: /dev/sdb1 /data"),
        "{d}"
    );
    assert!(
        d.contains("without nofail: /etc/fstab line 8: /dev/sdd1 swap"),
        "{d}"
    );
    assert!(
        !d.contains("without nofail: /etc/fstab line 5"),
        "nofail entry flagged: {d}"
    );
    assert!(d.contains("line 6: filer:/export /mnt/share nfs4"), "{d}");
    assert!(d.contains("line 7: //win/share /mnt/win cifs"), "{d}");
    assert!(
        d.contains("/etc/fstab line 2: /dev/mapper/centos-root / xfs defaults (stable name)"),
        "{d}"
    );
    // One problem line per entry, each with its code and status.
    let line = |code: &str, status: &str| (format!("{id}/{code}"), status.to_string());
    assert_eq!(
        findings(&v, id),
        [
            line("boot-device-name", "fail"),
            line("device-name-without-nofail", "warn"),
            line("device-name-without-nofail", "warn"),
            line("network-filesystem", "warn"),
            line("network-filesystem", "warn"),
        ]
    );
    t.file(
        "/etc/fstab",
        "UUID=1 / xfs defaults 0 0\nLABEL=boot /boot xfs defaults 0 0\n/dev/sdb1 /data ext4 defaults 0 2\nfiler:/x /y nfs defaults 0 0\n",
    );
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "warn");
    let d = details(&v, id);
    assert!(
        d.contains("1 entries by kernel device name without nofail; 1 network file systems"),
        "{d}"
    );
    std::fs::remove_file(t.path().join("etc/fstab")).unwrap();
    let (_, v) = report(&t, id, &[]);
    assert_eq!(status(&v, id), "skip");
}

/// The human report shows the error codes a failing check prevents, next to it.
#[test]
fn human_report_shows_prevented_codes() {
    let t = centos7();
    std::fs::remove_file(t.path().join("usr/sbin/modinfo")).unwrap();
    let r = run([
        "check",
        "--root",
        t.path().to_str().unwrap(),
        "--only",
        "failover.hydration-tools,failover.grub-location",
        "--scenario",
        "vmware-to-azure",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("prevents 170010 (E_RECOVERY_* (required tools missing))"),
        "{}",
        r.stdout
    );
    // Passing checks show no codes.
    assert_eq!(r.stdout.matches("prevents").count(), 1, "{}", r.stdout);
}

/// Scenarios without hydration skip the hydration checks; the Hyper-V to own site scenario
/// skips every failover-to-Azure check.
#[test]
fn scenario_applicability() {
    let t = centos7();
    let (_, v) = check_root(
        t.path(),
        &["--only", ALL, "--scenario", "hyperv-vmm-to-site"],
    );
    for id in [
        "failover.hyperv-drivers",
        "failover.initramfs-drivers",
        "failover.hydration-tools",
        "failover.grub-sync",
        "kernel.modules-dir",
    ] {
        assert_eq!(status(&v, id), "skip", "{id}");
    }
    let (_, v) = check_root(t.path(), &["--only", ALL, "--scenario", "azure-to-azure"]);
    assert_eq!(status(&v, "failover.hydration-tools"), "skip");
    assert_eq!(status(&v, "failover.hyperv-drivers"), "pass");
}

/// Debian's own kernel package (downloaded by tests/deps.d/70-failover.sh): its real module
/// tree has the three drivers as modules at the paths kmod would find; an initramfs made from
/// its real module files with cpio and zstd (as initramfs-tools does) is read, and one without
/// them fails.
#[test]
fn real_debian_kernel_package() {
    let cache = Path::new("/var/cache/asr-preflight-testdata/linux-image");
    let release = std::fs::read_to_string(cache.join("release"))
        .expect("run tests/install-deps.sh (tests/deps.d/70-failover.sh) first")
        .trim()
        .to_string();
    // Hard links into a root beside the cache: the package's files, untouched.
    let base = cache.join("roots");
    std::fs::create_dir_all(&base).unwrap();
    let root = tempfile::tempdir_in(&base).unwrap();
    let st = Command::new("cp")
        .args(["-al", "--"])
        .arg(cache.join("root/boot"))
        .arg(cache.join("root/lib"))
        .arg(root.path())
        .status()
        .unwrap();
    assert!(st.success());
    let t = Tree { dir: root };
    t.x86_64();
    t.file(
        "/etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    );
    let (_, v) = report(&t, "failover.hyperv-drivers,kernel.modules-dir", &[]);
    assert_eq!(
        status(&v, "failover.hyperv-drivers"),
        "pass",
        "{}",
        details(&v, "failover.hyperv-drivers")
    );
    let d = details(&v, "failover.hyperv-drivers");
    assert!(d.contains("hv_vmbus kernel/drivers/hv/hv_vmbus.ko"), "{d}");
    assert!(
        d.contains("hv_storvsc kernel/drivers/scsi/hv_storvsc.ko"),
        "{d}"
    );
    assert!(
        d.contains("hv_netvsc kernel/drivers/net/hyperv/hv_netvsc.ko"),
        "{d}"
    );
    assert_eq!(status(&v, "kernel.modules-dir"), "pass");

    // An initramfs of the package's real module files, laid out as initramfs-tools does.
    let stage = tempfile::tempdir().unwrap();
    let modules = t.path().join("lib/modules").join(&release);
    let make = |with_hv: bool| {
        let dst = stage.path().join(if with_hv { "hv" } else { "nohv" });
        for rel in [
            "kernel/drivers/hv/hv_vmbus.ko",
            "kernel/drivers/scsi/hv_storvsc.ko",
            "kernel/drivers/net/hyperv/hv_netvsc.ko",
            "kernel/drivers/scsi/vmw_pvscsi.ko",
        ] {
            if !with_hv && rel.contains("/hv_") {
                continue;
            }
            let to = dst.join("usr/lib/modules").join(&release).join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(modules.join(rel), to).unwrap();
        }
        std::fs::copy(
            modules.join("modules.builtin"),
            dst.join("usr/lib/modules")
                .join(&release)
                .join("modules.builtin"),
        )
        .unwrap();
        let list = pipe(&["sh", "-c", "find . | LC_ALL=C sort"], b"", Some(&dst));
        let cpio = pipe(&["cpio", "-o", "-H", "newc", "--quiet"], &list, Some(&dst));
        pipe(&["zstd", "-q", "-1", "-T0"], &cpio, None)
    };
    let image = format!("/boot/initrd.img-{release}");
    t.file(&image, make(true));
    let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
    assert_eq!(
        status(&v, "failover.initramfs-drivers"),
        "pass",
        "{}",
        details(&v, "failover.initramfs-drivers")
    );
    assert!(details(&v, "failover.initramfs-drivers").contains("zstd at byte 0"));
    t.file(&image, make(false));
    let (_, v) = report(&t, "failover.initramfs-drivers", &[]);
    assert_eq!(status(&v, "failover.initramfs-drivers"), "fail");
    let d = details(&v, "failover.initramfs-drivers");
    assert!(
        d.contains(&format!("update-initramfs -u -k {release}")) || d.contains("mkinitrd"),
        "{d}"
    );
}

/// Live: the module-directory check agrees with the file system about `uname -r`, and the
/// kernel and initramfs checks run against the real /boot and /lib/modules without failing to
/// run (whatever this machine holds: a container may have no kernel at all).
#[test]
fn live_system() {
    let r = run([
        "check",
        "--format",
        "json",
        "--scenario",
        "vmware-to-azure",
        "--only",
        ALL,
    ]);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    let v = r.json();
    common::validate(&v);
    let uname =
        String::from_utf8(Command::new("uname").arg("-r").output().unwrap().stdout).unwrap();
    let has_tree = Path::new("/lib/modules")
        .join(uname.trim())
        .join("kernel")
        .is_dir();
    assert_eq!(
        status(&v, "kernel.modules-dir") == "pass",
        has_tree,
        "{v:#}"
    );
    let has_kernel = std::fs::read_dir("/boot")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("vmlinuz-"))
        })
        .unwrap_or(false)
        || has_tree;
    if !has_kernel {
        assert_eq!(status(&v, "failover.hyperv-drivers"), "error");
    }
    // The space check measures live; its total is the sum of /boot/initr* (links followed).
    let total: u64 = std::fs::read_dir("/boot")
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("initr"))
                .filter_map(|e| std::fs::metadata(e.path()).ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    let space = check(&v, "failover.initrd-space");
    if total == 0 {
        assert_eq!(space["status"], "pass", "{space:#}");
    } else {
        assert!(
            space["status"] == "pass" || space["status"] == "fail",
            "{space:#}"
        );
        let shown = format!("{:.1} MiB", total as f64 / 1048576.0);
        assert!(space.to_string().contains(&shown), "{shown}: {space:#}");
    }
    for id in ALL.split(',') {
        assert!(
            !check(&v, id)["summary"].as_str().unwrap().is_empty(),
            "{id}"
        );
    }
}
