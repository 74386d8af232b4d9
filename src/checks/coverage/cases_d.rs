//! Coverage cases for the failover checks (`failover.*`), kept apart from the other batches'
//! tables. Kernels are module trees written as files; initramfs images are real newc archives
//! compressed with gzip, written by the `write` hook.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Case, case, probe_live};
use crate::initramfs::cpio::tests::archive;
use crate::probe::{FakeProbe, FsSpace};

/// The kernel the fake live system runs ([`probe_live`]) and another one installed beside it.
const RUNNING: &str = "3.10.0-327.el7.x86_64";
const OTHER: &str = "3.10.0-1160.el7.x86_64";

/// Where each Hyper-V driver lives in a module tree.
const HV_PATHS: &[&str] = &[
    "kernel/drivers/hv/hv_vmbus.ko.xz",
    "kernel/drivers/scsi/hv_storvsc.ko.xz",
    "kernel/drivers/net/hyperv/hv_netvsc.ko.xz",
];

/// Both kernels installed, each with an image and the three drivers as module files.
const TWO_KERNELS: &[(&str, &str)] = &[
    ("/boot/vmlinuz-3.10.0-327.el7.x86_64", "kernel image"),
    (
        "/lib/modules/3.10.0-327.el7.x86_64/kernel/drivers/hv/hv_vmbus.ko.xz",
        "",
    ),
    (
        "/lib/modules/3.10.0-327.el7.x86_64/kernel/drivers/scsi/hv_storvsc.ko.xz",
        "",
    ),
    (
        "/lib/modules/3.10.0-327.el7.x86_64/kernel/drivers/net/hyperv/hv_netvsc.ko.xz",
        "",
    ),
    ("/boot/vmlinuz-3.10.0-1160.el7.x86_64", "kernel image"),
    (
        "/lib/modules/3.10.0-1160.el7.x86_64/kernel/drivers/hv/hv_vmbus.ko.xz",
        "",
    ),
    (
        "/lib/modules/3.10.0-1160.el7.x86_64/kernel/drivers/scsi/hv_storvsc.ko.xz",
        "",
    ),
    (
        "/lib/modules/3.10.0-1160.el7.x86_64/kernel/drivers/net/hyperv/hv_netvsc.ko.xz",
        "",
    ),
];

/// One kernel with only hv_vmbus, another with an image but no module tree at all.
const KERNELS_LACKING: &[(&str, &str)] = &[
    ("/boot/vmlinuz-3.10.0-327.el7.x86_64", "kernel image"),
    (
        "/lib/modules/3.10.0-327.el7.x86_64/kernel/drivers/hv/hv_vmbus.ko.xz",
        "",
    ),
    ("/boot/vmlinuz-3.10.0-1160.el7.x86_64", "kernel image"),
];

/// Writes `/boot/initramfs-REL.img`: a gzip-compressed newc archive holding the first
/// `drivers` of the Hyper-V modules for `rel`, beside a file system module.
fn write_initramfs(root: &Path, rel: &str, drivers: usize) {
    let paths: Vec<String> = std::iter::once("kernel/fs/xfs/xfs.ko.xz")
        .chain(HV_PATHS.iter().copied().take(drivers))
        .map(|p| format!("usr/lib/modules/{rel}/{p}"))
        .collect();
    let mut files: Vec<(&str, &[u8])> = vec![("init", b"#!/bin/sh\n")];
    files.extend(paths.iter().map(|p| (p.as_str(), &b"module"[..])));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&archive(&files)).unwrap();
    let boot = root.join("boot");
    std::fs::create_dir_all(&boot).unwrap();
    std::fs::write(
        boot.join(format!("initramfs-{rel}.img")),
        gz.finish().unwrap(),
    )
    .unwrap();
}

fn images_complete(root: &Path) {
    write_initramfs(root, RUNNING, 3);
    write_initramfs(root, OTHER, 3);
}

/// The running kernel's image lacks hv_netvsc; the other's has no Hyper-V driver at all.
fn images_lacking(root: &Path) {
    write_initramfs(root, RUNNING, 2);
    write_initramfs(root, OTHER, 0);
}

/// Only the running kernel has an initramfs.
fn image_running_only(root: &Path) {
    write_initramfs(root, RUNNING, 3);
}

/// bzip2's magic: a format the reader does not unpack.
const DAMAGED_IMAGE: (&str, &str) = ("/boot/initramfs-3.10.0-327.el7.x86_64.img", "BZh91AY&SY");

const SYSTEMD: (&str, &str) = ("/sbin/init", "/lib/systemd/systemd");
const HYDRATION_TOOLS: &[(&str, &str)] = &[
    ("/usr/sbin/dracut", ""),
    ("/usr/bin/lsinitrd", ""),
    ("/usr/sbin/modinfo", ""),
    ("/usr/sbin/dhclient", ""),
];

/// Two small initramfs images in /boot for the space check.
const INITRD_IMAGES: &[(&str, &str)] = &[
    ("/boot/initramfs-3.10.0-327.el7.x86_64.img", "image one"),
    ("/boot/initramfs-3.10.0-1160.el7.x86_64.img", "image two"),
];

fn space(bytes_free: u64) -> FsSpace {
    FsSpace {
        fragment_size: 4096,
        blocks: 1 << 20,
        blocks_free: bytes_free / 4096,
        blocks_available: bytes_free / 4096,
    }
}

/// A live machine whose / and /boot (separate file systems) have the given free bytes.
fn probe_space(root_free: u64, boot_free: u64) -> FakeProbe {
    let mut p = probe_live();
    p.space.push((PathBuf::from("/"), space(root_free)));
    p.space.push((PathBuf::from("/boot"), space(boot_free)));
    p
}

fn probe_space_ample() -> FakeProbe {
    probe_space(1 << 30, 1 << 30)
}

fn probe_boot_full() -> FakeProbe {
    probe_space(1 << 30, 0)
}

fn probe_root_full() -> FakeProbe {
    probe_space(0, 1 << 30)
}

const CENTOS: (&str, &str) = ("/etc/os-release", "ID=centos\nVERSION_ID=7\n");
const ESP_FSTAB: (&str, &str) = (
    "/etc/fstab",
    "UUID=6a0f4bf4 / xfs defaults 0 0\nUUID=0C2A-0C2A /boot/efi vfat umask=0077 0 2\n",
);
const MENU: &str = "set default=\"0\"\nmenuentry 'CentOS Linux' {\n\tlinux /vmlinuz-3.10.0-327.el7.x86_64 root=UUID=6a0f4bf4 ro rhgb quiet\n\tinitrd /initramfs-3.10.0-327.el7.x86_64.img\n}\n";
const BIOS_MENU: (&str, &str) = ("/boot/grub2/grub.cfg", MENU);
/// An EFI stub that loads /boot/grub2/grub.cfg (RHEL 9's layout).
const STUB: &str = "search --no-floppy --fs-uuid --set=dev 0c2a\nset prefix=($dev)/grub2\nexport $prefix\nconfigfile $prefix/grub.cfg\n";

pub(super) const CASES: &[Case] = &[
    // failover.hyperv-drivers
    Case {
        files: TWO_KERNELS,
        ..case("failover.hyperv-drivers")
    },
    Case {
        files: KERNELS_LACKING,
        ..case("failover.hyperv-drivers")
    },
    case("failover.hyperv-drivers"),
    // failover.initramfs-drivers: live, so that the running kernel is known.
    Case {
        files: TWO_KERNELS,
        write: Some(images_complete),
        live: Some(probe_live),
        ..case("failover.initramfs-drivers")
    },
    Case {
        files: TWO_KERNELS,
        write: Some(images_lacking),
        live: Some(probe_live),
        ..case("failover.initramfs-drivers")
    },
    Case {
        files: TWO_KERNELS,
        write: Some(image_running_only),
        live: Some(probe_live),
        ..case("failover.initramfs-drivers")
    },
    Case {
        files: &[
            TWO_KERNELS[0],
            TWO_KERNELS[1],
            TWO_KERNELS[2],
            TWO_KERNELS[3],
            DAMAGED_IMAGE,
        ],
        live: Some(probe_live),
        ..case("failover.initramfs-drivers")
    },
    Case {
        live: Some(probe_live),
        ..case("failover.initramfs-drivers")
    },
    // failover.dracut-hostonly
    Case {
        files: &[("/etc/dracut.conf", "hostonly=\"no\"\n")],
        ..case("failover.dracut-hostonly")
    },
    Case {
        files: &[(
            "/etc/dracut.conf",
            "hostonly=\"yes\"\nomit_drivers+=\" hv_netvsc \"\n",
        )],
        ..case("failover.dracut-hostonly")
    },
    Case {
        files: &[("/etc/initramfs-tools/initramfs.conf", "MODULES=dep\n")],
        ..case("failover.dracut-hostonly")
    },
    // failover.hydration-tools
    Case {
        files: HYDRATION_TOOLS,
        ..case("failover.hydration-tools")
    },
    // systemd, and not one of the programs.
    Case {
        links: &[SYSTEMD],
        ..case("failover.hydration-tools")
    },
    // failover.initrd-space
    Case {
        files: INITRD_IMAGES,
        live: Some(probe_space_ample),
        ..case("failover.initrd-space")
    },
    Case {
        files: INITRD_IMAGES,
        live: Some(probe_boot_full),
        ..case("failover.initrd-space")
    },
    Case {
        files: INITRD_IMAGES,
        live: Some(probe_root_full),
        ..case("failover.initrd-space")
    },
    // statvfs answers for neither file system.
    Case {
        files: INITRD_IMAGES,
        live: Some(probe_live),
        ..case("failover.initrd-space")
    },
    // failover.fstab-devices
    Case {
        files: &[("/etc/fstab", "UUID=6a0f4bf4 / xfs defaults 0 0\n")],
        ..case("failover.fstab-devices")
    },
    Case {
        files: &[(
            "/etc/fstab",
            "/dev/sda1 / xfs defaults 0 0\n/dev/sdb1 /data xfs defaults 0 0\nsrv:/export /mnt nfs defaults 0 0\n",
        )],
        ..case("failover.fstab-devices")
    },
    Case {
        files: &[(
            "/etc/fstab",
            "UUID=6a0f4bf4 / xfs defaults 0 0\nsrv:/export /mnt nfs defaults 0 0\n",
        )],
        ..case("failover.fstab-devices")
    },
    // /etc/fstab is a directory.
    Case {
        files: &[("/etc/fstab/x", "")],
        ..case("failover.fstab-devices")
    },
    // failover.grub-sync
    Case {
        files: &[
            (
                "/etc/default/grub",
                "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX=\"rhgb quiet\"\n",
            ),
            BIOS_MENU,
        ],
        ..case("failover.grub-sync")
    },
    Case {
        files: &[
            (
                "/etc/default/grub",
                "GRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"rhgb quiet console=ttyS0\"\n",
            ),
            BIOS_MENU,
        ],
        ..case("failover.grub-sync")
    },
    // failover.grub-location
    Case {
        files: &[BIOS_MENU],
        ..case("failover.grub-location")
    },
    case("failover.grub-location"),
    Case {
        files: &[CENTOS, ESP_FSTAB, ("/boot/efi/EFI/centos/grub.cfg", MENU)],
        ..case("failover.grub-location")
    },
    Case {
        files: &[CENTOS, ESP_FSTAB, BIOS_MENU],
        ..case("failover.grub-location")
    },
    Case {
        files: &[CENTOS, ESP_FSTAB, ("/boot/efi/EFI/centos/grub.cfg", STUB)],
        ..case("failover.grub-location")
    },
    Case {
        files: &[CENTOS, ESP_FSTAB, ("/boot/efi/EFI/redhat/grub.cfg", MENU)],
        ..case("failover.grub-location")
    },
];
