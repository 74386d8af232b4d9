//! Fake sysfs and procfs pieces for fixture roots: `sys/block` entries laid out as the kernel
//! lays them out (whole devices with `size` in 512-byte sectors, `dev`, `removable`,
//! partitions as subdirectories, device-mapper `dm/` and `slaves/`), firmware directories, and a
//! captured `proc/self/mountinfo`.

use super::Tree;

impl Tree {
    /// A whole disk `name` of `bytes`, with device number `devnum` ("8:0"), reached through a
    /// `sys/block/NAME -> ../devices/...` link as on a real system.
    pub fn block_disk(&self, name: &str, devnum: &str, bytes: u64) -> &Tree {
        let dev = format!("/sys/devices/pci0000:00/0000:00:10.0/host0/block/{name}");
        self.file(&format!("{dev}/size"), format!("{}\n", bytes / 512))
            .file(&format!("{dev}/dev"), format!("{devnum}\n"))
            .file(&format!("{dev}/removable"), "0\n")
            .file(&format!("{dev}/device/type"), "0\n")
            .symlink(
                &format!("/sys/block/{name}"),
                &format!("../devices/pci0000:00/0000:00:10.0/host0/block/{name}"),
            )
    }

    /// A virtual block device (loop, zram, ram, md, sr, fd) directly under sys/block.
    pub fn block_virtual(&self, name: &str, devnum: &str, bytes: u64) -> &Tree {
        self.file(
            &format!("/sys/block/{name}/size"),
            format!("{}\n", bytes / 512),
        )
        .file(&format!("/sys/block/{name}/dev"), format!("{devnum}\n"))
        .file(&format!("/sys/block/{name}/removable"), "0\n")
    }

    /// Partition `part` of disk `disk`.
    pub fn block_partition(&self, disk: &str, part: &str, devnum: &str, bytes: u64) -> &Tree {
        let base = format!("/sys/block/{disk}/{part}");
        self.file(&format!("{base}/partition"), "1\n")
            .file(&format!("{base}/dev"), format!("{devnum}\n"))
            .file(&format!("{base}/size"), format!("{}\n", bytes / 512))
    }

    /// A device-mapper device `dm-N` named `dm_name` with uuid `uuid` over `slaves`.
    pub fn block_dm(
        &self,
        kname: &str,
        devnum: &str,
        bytes: u64,
        dm_name: &str,
        uuid: &str,
        slaves: &[&str],
    ) -> &Tree {
        self.block_virtual(kname, devnum, bytes)
            .file(
                &format!("/sys/block/{kname}/dm/name"),
                format!("{dm_name}\n"),
            )
            .file(&format!("/sys/block/{kname}/dm/uuid"), format!("{uuid}\n"));
        self.dir(&format!("/sys/block/{kname}/slaves"));
        for s in slaves {
            self.symlink(
                &format!("/sys/block/{kname}/slaves/{s}"),
                &format!("../../{s}"),
            );
        }
        self
    }

    /// A captured mount table: `proc/self` as a plain directory holding `mountinfo`.
    pub fn mountinfo(&self, text: &str) -> &Tree {
        self.file("/proc/self/mountinfo", text)
    }

    /// BIOS firmware as a running system shows it: sys/firmware without efi.
    pub fn bios(&self) -> &Tree {
        self.dir("/sys/firmware/acpi")
    }

    /// UEFI firmware with the SecureBoot variable set to `on` (efivarfs layout).
    pub fn uefi(&self, secure_boot: bool) -> &Tree {
        self.file(
            "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
            [6u8, 0, 0, 0, secure_boot as u8],
        )
    }
}
