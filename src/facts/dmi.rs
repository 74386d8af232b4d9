//! The firmware's description of the machine (DMI/SMBIOS), read from `sys/class/dmi/id` under
//! the root: present on a running system and in fixture trees, absent in an offline image.

use crate::facts::FactError;
use std::path::Path;

use crate::root::Root;

/// The chassis asset tag Azure sets on every virtual machine it runs.
pub const AZURE_ASSET_TAG: &str = "7783-7084-3265-9085-8269-3286-77";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DmiFacts {
    pub sys_vendor: Option<String>,
    pub product_name: Option<String>,
    pub chassis_asset_tag: Option<String>,
    pub product_uuid: Option<String>,
    /// Whether the directory exists at all (an image has none).
    pub available: bool,
    pub errors: Vec<FactError>,
}

/// What kind of (virtual) machine DMI says this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Azure,
    HyperV,
    VMware,
    Other,
}

impl DmiFacts {
    pub fn platform(&self) -> Platform {
        let vendor = self.sys_vendor.as_deref().unwrap_or("");
        let product = self.product_name.as_deref().unwrap_or("");
        if self.chassis_asset_tag.as_deref() == Some(AZURE_ASSET_TAG) {
            Platform::Azure
        } else if vendor.starts_with("VMware") || product.starts_with("VMware") {
            Platform::VMware
        } else if vendor == "Microsoft Corporation" && product == "Virtual Machine" {
            Platform::HyperV
        } else {
            Platform::Other
        }
    }
}

pub fn gather(root: &Root) -> DmiFacts {
    let dir = Path::new("/sys/class/dmi/id");
    let mut facts = DmiFacts {
        available: matches!(root.kind(dir), Ok(Some(_))),
        ..DmiFacts::default()
    };
    if !facts.available {
        return facts;
    }
    let mut read = |name: &str| match root.read_bytes_capped(&dir.join(name), 4096) {
        Ok(b) => Some(String::from_utf8_lossy(&b).trim().to_string()).filter(|s| !s.is_empty()),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            facts.errors.push(e.into());
            None
        }
    };
    let sys_vendor = read("sys_vendor");
    let product_name = read("product_name");
    let chassis_asset_tag = read("chassis_asset_tag");
    let product_uuid = read("product_uuid");
    DmiFacts {
        sys_vendor,
        product_name,
        chassis_asset_tag,
        product_uuid,
        ..facts
    }
}
