//! The machine's firmware: BIOS or UEFI, and whether UEFI Secure Boot is on, from
//! `sys/firmware` under the root (a running system always has it; an offline image does not,
//! and then both are unknown).

use crate::facts::FactError;
use std::path::Path;

use crate::parse::efivar;
use crate::root::Root;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    Bios,
    Uefi,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirmwareFacts {
    pub firmware: Firmware,
    /// The SecureBoot variable: `Some(true)` on, `Some(false)` off or absent on UEFI (firmware
    /// without Secure Boot), `None` when not known (BIOS has none; an image tells nothing).
    pub secure_boot: Option<bool>,
    /// The file that decided, for the details.
    pub source: String,
    pub errors: Vec<FactError>,
}

pub fn gather(root: &Root) -> FirmwareFacts {
    let mut facts = FirmwareFacts {
        firmware: Firmware::Unknown,
        secure_boot: None,
        source: "no /sys/firmware (not a running system)".into(),
        errors: Vec::new(),
    };
    if !root.exists(Path::new("/sys/firmware")) {
        return facts;
    }
    if !root.exists(Path::new("/sys/firmware/efi")) {
        facts.firmware = Firmware::Bios;
        facts.source = "/sys/firmware has no efi directory".into();
        return facts;
    }
    facts.firmware = Firmware::Uefi;
    let var = format!("SecureBoot-{}", efivar::GLOBAL_GUID);
    let efivarfs = format!("/sys/firmware/efi/efivars/{var}");
    let legacy = format!("/sys/firmware/efi/vars/{var}/data");
    for (path, decode) in [
        (
            efivarfs.as_str(),
            efivar::efivarfs_byte as fn(&[u8]) -> Option<u8>,
        ),
        (legacy.as_str(), efivar::sysfs_data_byte),
    ] {
        match root.read_bytes_capped(Path::new(path), 4096) {
            Ok(b) => {
                facts.source = path.to_string();
                match decode(&b) {
                    Some(v) => facts.secure_boot = Some(v == 1),
                    None => facts.errors.push(FactError::unparsable(
                        path,
                        None,
                        format!("too short ({} bytes)", b.len()),
                    )),
                }
                return facts;
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                facts.errors.push(e.into());
                return facts;
            }
        }
    }
    // No variable: either the firmware has no Secure Boot, or the variables cannot be seen.
    let listed = |dir: &str| {
        root.read_dir_optional(Path::new(dir))
            .map(|v| !v.is_empty())
            .unwrap_or(false)
    };
    if listed("/sys/firmware/efi/efivars") || listed("/sys/firmware/efi/vars") {
        facts.secure_boot = Some(false);
        facts.source = format!("UEFI variables readable, no {var}");
    } else {
        facts.errors.push(FactError::at(
            "/sys/firmware/efi/efivars",
            "no UEFI variables visible (efivarfs not mounted?)",
        ));
    }
    facts
}
