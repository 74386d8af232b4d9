//! The boot loader configuration as failover sees it: which GRUB configuration files exist
//! (BIOS paths under /boot, EFI paths under /boot/efi/EFI/<vendor>, small EFI "stub" files that
//! only load the real one), whether the machine boots through UEFI, the default entry of the
//! configuration that boots and its kernel arguments (Boot Loader Specification entries and
//! grubenv's `kernelopts` included), and what /etc/default/grub asks for, which only takes
//! effect once `grub2-mkconfig` or `update-grub` regenerates the configuration.

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::firmware::{Firmware as FirmwareKind, FirmwareFacts};
use super::grub_files::{Flavor, GrubFiles};
use crate::parse::fstab::FstabEntry;
use crate::parse::grub::{self, DefaultSpec, GrubConfig};
use crate::parse::{shell_vars, version};
use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

/// GRUB files at the BIOS locations, in the order distributions use them.
pub const BIOS_FILES: &[&str] = &[
    "/boot/grub2/grub.cfg",
    "/boot/grub/grub.cfg",
    "/boot/grub/grub.conf",
    "/boot/grub/menu.lst",
];

/// What one GRUB file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrubFileKind {
    /// A full GRUB 2 configuration.
    Grub2 { config: GrubConfig, blscfg: bool },
    /// GRUB legacy (grub.conf, menu.lst).
    Legacy { config: GrubConfig },
    /// An EFI stub that loads another configuration (`configfile $prefix/grub.cfg`); the
    /// target as a path in the root, when it could be worked out.
    Stub { target: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrubFile {
    pub path: String,
    pub kind: GrubFileKind,
}

/// How the machine boots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Firmware {
    Uefi(String),
    Bios(String),
    /// An image that tells neither (no /sys, no EFI system partition in fstab).
    Unknown(String),
}

/// An /etc/default/grub setting with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefaultGrub {
    pub cmdline_linux: Option<Setting>,
    pub cmdline_linux_default: Option<Setting>,
    pub grub_default: Option<Setting>,
}

/// The default entry of the configuration that boots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultEntry {
    /// Where it was read: `/boot/grub2/grub.cfg ('CentOS ...')`, a BLS file.
    pub source: String,
    pub kernel: Option<String>,
    /// Its kernel arguments, `$kernelopts` expanded.
    pub args: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrubFacts {
    pub firmware: Firmware,
    /// Every GRUB file found: BIOS locations first, then EFI vendor directories.
    pub files: Vec<GrubFile>,
    /// The vendor directories under /boot/efi/EFI (BOOT excluded).
    pub efi_dirs: Vec<String>,
    /// /etc/default/grub, when present.
    pub defaults: Option<DefaultGrub>,
    /// The file whose menu boots (a stub's target followed), when one was found.
    pub effective: Option<String>,
    pub default_entry: Option<DefaultEntry>,
    pub errors: Vec<FactError>,
}

impl GrubFacts {
    pub fn file(&self, path: &str) -> Option<&GrubFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// `firmware` says what a running system boots with; `fstab` lets an image tell by its EFI
/// system partition.
pub fn gather(
    root: &Root,
    grub_files: &GrubFiles,
    firmware_facts: &FirmwareFacts,
    fstab: Option<&[FstabEntry]>,
) -> GrubFacts {
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for path in BIOS_FILES {
        if let Some(f) = read_grub(root, grub_files, path, &mut errors) {
            files.push(f);
        }
    }
    let mut efi_dirs = Vec::new();
    match root.read_dir_optional(Path::new("/boot/efi/EFI")) {
        Ok(entries) => {
            for e in entries {
                if e.kind != FileKind::Dir {
                    continue;
                }
                let name = escape_bytes(e.name.as_bytes());
                if name.eq_ignore_ascii_case("boot") {
                    continue;
                }
                for file in ["grub.cfg", "grub.conf"] {
                    let path = format!("/boot/efi/EFI/{name}/{file}");
                    if let Some(f) = read_grub(root, grub_files, &path, &mut errors) {
                        files.push(f);
                    }
                }
                efi_dirs.push(name);
            }
        }
        Err(e) => errors.push(e.into()),
    }
    let firmware = firmware(firmware_facts, fstab, &efi_dirs);
    let defaults = match root.read_optional(Path::new("/etc/default/grub")) {
        Ok(Some(text)) => Some(default_grub(&text)),
        Ok(None) => None,
        Err(e) => {
            errors.push(e.into());
            None
        }
    };
    let effective = effective(&firmware, &files);
    let default_entry = effective
        .as_deref()
        .and_then(|p| files.iter().find(|f| f.path == p))
        .and_then(|f| default_entry(root, f, &mut errors));
    GrubFacts {
        firmware,
        files,
        efi_dirs,
        defaults,
        effective,
        default_entry,
        errors,
    }
}

fn read_grub(
    root: &Root,
    grub_files: &GrubFiles,
    path: &str,
    errors: &mut Vec<FactError>,
) -> Option<GrubFile> {
    let legacy = path.ends_with(".conf") || path.ends_with("menu.lst");
    let flavor = if legacy {
        Flavor::Legacy
    } else {
        Flavor::Grub2
    };
    let parsed = match grub_files.get(root, path, flavor) {
        Ok(Some(p)) => p,
        Ok(None) => return None,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let text = parsed.text.as_str();
    let config = match &parsed.config {
        Ok(c) => c.clone(),
        Err(e) => {
            errors.push(FactError::unparsable(path, None, e));
            return None;
        }
    };
    let kind = if legacy {
        GrubFileKind::Legacy { config }
    } else {
        let blscfg = text.lines().any(|l| l.trim() == "blscfg");
        let loads_other = text
            .lines()
            .any(|l| l.trim_start().starts_with("configfile"));
        if config.entries.is_empty() && !blscfg && loads_other {
            GrubFileKind::Stub {
                target: stub_target(text),
            }
        } else {
            GrubFileKind::Grub2 { config, blscfg }
        }
    };
    Some(GrubFile {
        path: path.to_string(),
        kind,
    })
}

/// Where an EFI stub's `configfile` leads. The prefix is relative to the file system GRUB
/// searched for: `($root)'/boot/grub'` on a machine without a /boot partition, `($dev)/grub2`
/// when /boot is a partition of its own.
pub fn stub_target(text: &str) -> Option<String> {
    let mut prefix: Option<String> = None;
    let mut config: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("set prefix=") {
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            let path = match v.find(')') {
                Some(i) => &v[i + 1..],
                None => v,
            };
            prefix = Some(path.replace(['\'', '"'], ""));
        } else if let Some(v) = line.strip_prefix("configfile") {
            config = Some(v.trim().trim_matches(|c| c == '"' || c == '\'').to_string());
        }
    }
    let config = config?;
    let path = match (
        config
            .strip_prefix("$prefix")
            .or_else(|| config.strip_prefix("${prefix}")),
        prefix,
    ) {
        (Some(rest), Some(p)) => format!("{}{rest}", p.trim_end_matches('/')),
        (Some(_), None) => return None,
        (None, _) => match config.find(')') {
            Some(i) => config[i + 1..].to_string(),
            None => config,
        },
    };
    if path.starts_with("/boot/") {
        Some(path)
    } else {
        Some(format!("/boot{path}"))
    }
}

fn firmware(facts: &FirmwareFacts, fstab: Option<&[FstabEntry]>, efi_dirs: &[String]) -> Firmware {
    match facts.firmware {
        FirmwareKind::Uefi => return Firmware::Uefi(facts.source.clone()),
        FirmwareKind::Bios => return Firmware::Bios(facts.source.clone()),
        FirmwareKind::Unknown => {}
    }
    if let Some(esp) = fstab
        .unwrap_or_default()
        .iter()
        .find(|e| e.file == b"/boot/efi" || e.file == b"/efi")
    {
        return Firmware::Uefi(format!(
            "/etc/fstab line {} mounts an EFI system partition at {}",
            esp.line,
            escape_bytes(&esp.file)
        ));
    }
    if efi_dirs.is_empty() {
        Firmware::Bios("no /sys/firmware and no EFI system partition in /etc/fstab or /boot/efi/EFI: BIOS boot assumed".into())
    } else {
        Firmware::Unknown(format!(
            "no /sys/firmware and no EFI system partition in /etc/fstab, but /boot/efi/EFI has {}",
            efi_dirs.join(", ")
        ))
    }
}

fn default_grub(text: &str) -> DefaultGrub {
    let vars = shell_vars::parse(text);
    let last = |key: &str| {
        vars.iter().rev().find(|a| a.key == key).map(|a| Setting {
            value: a.value.clone(),
            line: a.line,
        })
    };
    DefaultGrub {
        cmdline_linux: last("GRUB_CMDLINE_LINUX"),
        cmdline_linux_default: last("GRUB_CMDLINE_LINUX_DEFAULT"),
        grub_default: last("GRUB_DEFAULT"),
    }
}

/// The configuration whose menu boots: on UEFI the vendor directory's file (a stub's target
/// followed), else the first BIOS location that holds a menu.
fn effective(fw: &Firmware, files: &[GrubFile]) -> Option<String> {
    let follow = |f: &GrubFile| -> Option<String> {
        match &f.kind {
            GrubFileKind::Stub { target } => target
                .as_ref()
                .filter(|t| files.iter().any(|g| &g.path == *t))
                .cloned(),
            _ => Some(f.path.clone()),
        }
    };
    if matches!(fw, Firmware::Uefi(_)) {
        if let Some(p) = files
            .iter()
            .filter(|f| f.path.starts_with("/boot/efi/"))
            .find_map(follow)
        {
            return Some(p);
        }
    }
    files
        .iter()
        .filter(|f| !f.path.starts_with("/boot/efi/"))
        .find_map(follow)
}

fn default_entry(root: &Root, f: &GrubFile, errors: &mut Vec<FactError>) -> Option<DefaultEntry> {
    let env = grubenv(root, errors);
    let saved = env
        .iter()
        .find(|(k, _)| k == "saved_entry")
        .map(|(_, v)| v.clone());
    let (config, blscfg) = match &f.kind {
        GrubFileKind::Grub2 { config, blscfg } => (config, *blscfg),
        GrubFileKind::Legacy { config } => (config, false),
        GrubFileKind::Stub { .. } => return None,
    };
    // blscfg menus come first in grub.cfg; hand-written entries follow them.
    if blscfg {
        if let Some(e) = bls_default(root, saved.as_deref(), &env, errors) {
            return Some(e);
        }
    }
    grub::select_default(config, saved.as_deref()).map(|e| DefaultEntry {
        source: format!("{} ('{}')", f.path, e.title()),
        kernel: e.kernel.clone(),
        args: expand(&e.args, &env),
    })
}

fn grubenv(root: &Root, errors: &mut Vec<FactError>) -> Vec<(String, String)> {
    for path in ["/boot/grub2/grubenv", "/boot/grub/grubenv"] {
        match root.read_optional(Path::new(path)) {
            Ok(Some(text)) => return grub::parse_grubenv(&text),
            Ok(None) => {}
            Err(e) => errors.push(e.into()),
        }
    }
    Vec::new()
}

/// `$kernelopts` and `${kernelopts}` (RHEL 8's BLS entries) from grubenv.
fn expand(args: &str, env: &[(String, String)]) -> String {
    let mut out = args.to_string();
    for (k, v) in env {
        out = out
            .replace(&format!("${{{k}}}"), v)
            .replace(&format!("${k}"), v);
    }
    out
}

/// BLS: the saved entry, else the newest kernel's entry (GRUB's blscfg sorts them that way).
fn bls_default(
    root: &Root,
    saved: Option<&str>,
    env: &[(String, String)],
    errors: &mut Vec<FactError>,
) -> Option<DefaultEntry> {
    let parsed = read_bls_entries(root, errors)?;
    let release = |b: &grub::BlsEntry| bls_release(b).unwrap_or_default();
    let chosen = saved
        .and_then(|s| parsed.iter().find(|(stem, _)| stem == s))
        .or_else(|| {
            parsed
                .iter()
                .max_by(|a, b| version::compare(&release(&a.1), &release(&b.1)))
        })?;
    Some(DefaultEntry {
        source: format!("/boot/loader/entries/{}.conf", chosen.0),
        kernel: chosen.1.linux.clone(),
        args: expand(&chosen.1.options, env),
    })
}

/// The Boot Loader Specification entries of /boot/loader/entries as (file stem, entry);
/// `None` when the directory cannot be read (the reason is added to `errors`).
pub(crate) fn read_bls_entries(
    root: &Root,
    errors: &mut Vec<FactError>,
) -> Option<Vec<(String, grub::BlsEntry)>> {
    let dir = Path::new("/boot/loader/entries");
    let entries = match root.read_dir_optional(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(e.into());
            return None;
        }
    };
    let mut parsed = Vec::new();
    for e in entries {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".conf") else {
            continue;
        };
        match root.read_text(&dir.join(name)) {
            Ok(text) => parsed.push((stem.to_string(), grub::parse_bls(&text))),
            Err(e) => errors.push(e.into()),
        }
    }
    Some(parsed)
}

/// The kernel release a BLS entry boots: its `version`, else the one its `linux` image names.
pub(crate) fn bls_release(b: &grub::BlsEntry) -> Option<String> {
    b.version
        .clone()
        .or_else(|| b.linux.as_deref().and_then(grub::release_from_image))
}

/// Kernel arguments as words, quotes honoured (`a="b c"` is one word).
pub fn split_args(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut has = false;
    for c in args.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                has = true;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// What `set default` a generated grub.cfg has for a GRUB_DEFAULT value.
pub fn expected_default(grub_default: Option<&str>) -> DefaultSpec {
    match grub_default {
        Some("saved") => DefaultSpec::Saved,
        Some(v) => DefaultSpec::Value(v.to_string()),
        None => DefaultSpec::Value("0".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debian's and RHEL 9's EFI stubs lead to the configuration under /boot.
    #[test]
    fn stubs() {
        let debian = "search.fs_uuid 1234 root hd0,gpt2\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n";
        assert_eq!(stub_target(debian).as_deref(), Some("/boot/grub/grub.cfg"));
        let rhel9 = "search --no-floppy --fs-uuid --set=dev 0c2a\nset prefix=($dev)/grub2\nexport $prefix\nconfigfile $prefix/grub.cfg\n";
        assert_eq!(stub_target(rhel9).as_deref(), Some("/boot/grub2/grub.cfg"));
        assert_eq!(
            stub_target("configfile (hd0,1)/boot/grub2/grub.cfg").as_deref(),
            Some("/boot/grub2/grub.cfg")
        );
        assert_eq!(stub_target("insmod part_gpt\n"), None);
    }

    /// Arguments split on blanks outside quotes; `$kernelopts` expands from grubenv.
    #[test]
    fn args() {
        assert_eq!(
            split_args(" ro  root=UUID=1 a=\"b c\" quiet"),
            ["ro", "root=UUID=1", "a=\"b c\"", "quiet"]
        );
        let env = vec![("kernelopts".to_string(), "root=/dev/x ro".to_string())];
        assert_eq!(expand("$kernelopts rhgb", &env), "root=/dev/x ro rhgb");
        assert_eq!(expand("${kernelopts}", &env), "root=/dev/x ro");
    }

    /// GRUB_DEFAULT=saved, a number, or unset (grub-mkconfig then writes 0).
    #[test]
    fn defaults() {
        assert_eq!(expected_default(Some("saved")), DefaultSpec::Saved);
        assert_eq!(expected_default(None), DefaultSpec::Value("0".into()));
        assert_eq!(
            expected_default(Some("1>2")),
            DefaultSpec::Value("1>2".into())
        );
    }
}
