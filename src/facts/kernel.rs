//! Which kernel the target runs: live, the running kernel; in an image, the kernel its boot
//! loader starts by default (BLS entries, GRUB 2, GRUB legacy), else the newest module tree.
//! Also the kernels installed under `/lib/modules`.

use crate::facts::FactError;
use std::path::Path;

use super::grub_files::{Flavor, GrubFiles};
use crate::parse::grub::{self, GrubConfig};
use crate::parse::kernel_release::flavor;
use crate::parse::version;
use crate::probe::Probe;
use crate::root::Root;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelFacts {
    pub release: Option<String>,
    pub flavor: Option<String>,
    /// What decided, e.g. `running kernel (uname)` or `default entry of /boot/grub/grub.conf`.
    pub source: String,
    /// Kernel command line of the default boot entry, where a boot configuration was read.
    pub boot_args: Option<String>,
    /// Module trees under /lib/modules, oldest first.
    pub installed: Vec<String>,
    pub errors: Vec<FactError>,
}

pub fn gather(root: &Root, probe: Option<&dyn Probe>, grub_files: &GrubFiles) -> KernelFacts {
    let mut errors = Vec::new();
    let installed = installed_kernels(root, &mut errors);
    let (release, source, boot_args) = match probe {
        Some(p) => match p.uname() {
            Ok(u) => (Some(u.release), "running kernel (uname)".to_string(), None),
            Err(e) => {
                errors.push(e.into());
                (None, "running kernel (uname failed)".to_string(), None)
            }
        },
        None => default_boot_kernel(root, grub_files, &installed, &mut errors),
    };
    KernelFacts {
        flavor: release.as_deref().and_then(flavor),
        release,
        source,
        boot_args,
        installed,
        errors,
    }
}

fn installed_kernels(root: &Root, errors: &mut Vec<FactError>) -> Vec<String> {
    let mut out: Vec<String> = match root.read_dir_optional(Path::new("/lib/modules")) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| e.kind == crate::root::FileKind::Dir)
            .filter_map(|e| e.name.into_string().ok())
            .filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
            .collect(),
        Err(e) => {
            errors.push(e.into());
            Vec::new()
        }
    };
    out.sort_by(|a, b| version::compare(a, b));
    out
}

type Choice = (Option<String>, String, Option<String>);

fn default_boot_kernel(
    root: &Root,
    grub_files: &GrubFiles,
    installed: &[String],
    errors: &mut Vec<FactError>,
) -> Choice {
    let saved = saved_entry(root, errors);
    if let Some(choice) = from_bls(root, saved.as_deref(), errors) {
        return choice;
    }
    let mut grub2_paths = vec![
        "/boot/grub2/grub.cfg".to_string(),
        "/boot/grub/grub.cfg".to_string(),
    ];
    if let Ok(efi) = root.read_dir_optional(Path::new("/boot/efi/EFI")) {
        for e in efi {
            if let Some(name) = e.name.to_str() {
                grub2_paths.push(format!("/boot/efi/EFI/{name}/grub.cfg"));
            }
        }
    }
    let legacy = [
        "/boot/grub/grub.conf",
        "/boot/grub/menu.lst",
        "/etc/grub.conf",
    ];
    let candidates = grub2_paths
        .iter()
        .map(|p| (p.as_str(), true))
        .chain(legacy.iter().map(|p| (*p, false)));
    for (path, is_grub2) in candidates {
        let flavor = if is_grub2 {
            Flavor::Grub2
        } else {
            Flavor::Legacy
        };
        let parsed = match grub_files.get(root, path, flavor) {
            Ok(Some(p)) => p,
            Ok(None) => continue,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let cfg: &GrubConfig = match &parsed.config {
            Ok(c) => c,
            Err(e) => {
                errors.push(FactError::unparsable(path, None, e));
                continue;
            }
        };
        let Some(entry) = grub::select_default(cfg, saved.as_deref()) else {
            continue;
        };
        let release = entry
            .kernel
            .as_deref()
            .and_then(|k| release_of_image(root, k));
        if release.is_some() {
            return (
                release,
                format!("default entry of {path} ('{}')", entry.title()),
                Some(entry.args.clone()),
            );
        }
    }
    match installed.last() {
        Some(newest) => (
            Some(newest.clone()),
            "newest kernel under /lib/modules (no boot loader entry found)".into(),
            None,
        ),
        None => (
            None,
            "no boot loader entry and no /lib/modules".into(),
            None,
        ),
    }
}

/// grubenv's `saved_entry`, from the first grubenv that exists.
fn saved_entry(root: &Root, errors: &mut Vec<FactError>) -> Option<String> {
    for path in ["/boot/grub2/grubenv", "/boot/grub/grubenv"] {
        match root.read_optional(Path::new(path)) {
            Ok(Some(text)) => {
                return grub::parse_grubenv(&text)
                    .into_iter()
                    .find(|(k, _)| k == "saved_entry")
                    .map(|(_, v)| v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e.into()),
        }
    }
    None
}

fn from_bls(root: &Root, saved: Option<&str>, errors: &mut Vec<FactError>) -> Option<Choice> {
    let parsed = super::grub_config::read_bls_entries(root, errors)?;
    let release_of = super::grub_config::bls_release;
    let chosen = saved
        .and_then(|s| parsed.iter().find(|(stem, _)| stem == s))
        .map(|c| (c, "saved entry"))
        .or_else(|| {
            parsed
                .iter()
                .filter(|(_, b)| release_of(b).is_some())
                .max_by(|a, b| {
                    version::compare(&release_of(&a.1).unwrap(), &release_of(&b.1).unwrap())
                })
                .map(|c| (c, "newest entry"))
        })?;
    let ((stem, bls), how) = chosen;
    Some((
        release_of(bls),
        format!("{how} of /boot/loader/entries ({stem}.conf)"),
        Some(bls.options.clone()),
    ))
}

/// The release a kernel image path names, following a version-less `/boot/vmlinuz` link.
fn release_of_image(root: &Root, image: &str) -> Option<String> {
    if let Some(r) = grub::release_from_image(image) {
        return Some(r);
    }
    let in_boot = if image.starts_with("/boot/") {
        image.to_string()
    } else {
        format!("/boot/{}", image.trim_start_matches('/'))
    };
    let target = root.read_link(Path::new(&in_boot)).ok()?;
    grub::release_from_image(&target.to_string_lossy())
}
