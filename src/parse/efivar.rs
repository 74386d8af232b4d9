//! UEFI variables as Linux exposes them: efivarfs files (`/sys/firmware/efi/efivars/NAME-GUID`)
//! start with the 4-byte attribute word before the data; the older sysfs interface
//! (`/sys/firmware/efi/vars/NAME-GUID/data`, kernels before 3.8) holds the data alone.

/// The GUID of the EFI global variables (SecureBoot, SetupMode, ...).
pub const GLOBAL_GUID: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";

/// The first data byte of an efivarfs file.
pub fn efivarfs_byte(file: &[u8]) -> Option<u8> {
    file.get(4).copied()
}

/// The first data byte of a legacy sysfs `data` file.
pub fn sysfs_data_byte(file: &[u8]) -> Option<u8> {
    file.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SecureBoot=1 as efivarfs shows it (attributes 0x06: boot service and runtime access).
    #[test]
    fn reads_after_attributes() {
        assert_eq!(efivarfs_byte(&[6, 0, 0, 0, 1]), Some(1));
        assert_eq!(efivarfs_byte(&[6, 0, 0, 0, 0]), Some(0));
        assert_eq!(efivarfs_byte(&[6, 0, 0, 0]), None);
        assert_eq!(sysfs_data_byte(&[1]), Some(1));
        assert_eq!(sysfs_data_byte(&[]), None);
    }
}
