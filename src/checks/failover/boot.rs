//! Failover readiness of the boot configuration: GRUB's configuration where the distribution
//! boots from (BIOS or EFI path), a generated configuration in step with /etc/default/grub,
//! and fstab naming the root and boot file systems in a way that survives the device renaming
//! of a move to Azure.

use super::TO_AZURE;
use crate::checks::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::boot::BootFacts;
use crate::facts::grub_config::{
    DefaultEntry, DefaultGrub, Firmware, GrubFacts, GrubFile, GrubFileKind, expected_default,
    split_args,
};
use crate::facts::os::Family;
use crate::parse::fstab::{self, FstabEntry};
use crate::parse::grub::DefaultSpec;
use crate::text::escape_bytes;

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "failover.grub-sync",
        title: "GRUB configuration regenerated after /etc/default/grub changed",
        applies: Applies::Only(TO_AZURE),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The generated GRUB configuration must reflect /etc/default/grub: every argument of GRUB_CMDLINE_LINUX (and GRUB_CMDLINE_LINUX_DEFAULT) on the default entry's kernel line, and GRUB_DEFAULT matching the configuration's `set default`.",
            why: "Editing /etc/default/grub changes nothing until grub2-mkconfig or update-grub regenerates grub.cfg. A fix made there (root= by UUID instead of /dev/sdX, an LVM name for rd.lvm.lv) that was never applied leaves the agent's GRUB checks and the first boot in Azure looking at the old kernel line.",
            fix: "Regenerate the configuration the machine boots from: `grub2-mkconfig -o /boot/grub2/grub.cfg` (UEFI RHEL family: `-o /boot/efi/EFI/redhat/grub.cfg`), `update-grub` on Debian and Ubuntu.",
            reference: "reference/asr-errors.md section 2 item 4 (grub2-mkconfig/update-grub after editing /etc/default/grub) and section 3 (grub hygiene)",
            prevents: &[
                "95320",
                "151126",
                "151124",
                "GrubDeviceNameChange",
                "DeviceNotExist",
            ],
        },
        codes: &[
            Code::warn(
                "cmdline-not-applied",
                "an argument of GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT is not on the default entry's kernel line",
            ),
            Code::warn(
                "default-not-applied",
                "GRUB_DEFAULT does not match the generated configuration's `set default`",
            ),
        ],
        run: check_grub_sync,
    },
    CheckDef {
        id: "failover.grub-location",
        title: "GRUB configuration where the machine boots from",
        applies: Applies::Only(TO_AZURE),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The GRUB configuration must be where the distribution's boot loader reads it: /boot/grub2/grub.cfg or /boot/grub/grub.cfg (GRUB legacy: /boot/grub/grub.conf or menu.lst) on BIOS machines; on UEFI machines the vendor directory of the EFI system partition (/boot/efi/EFI/<vendor>/grub.cfg, or a stub there that loads the one under /boot).",
            why: "Hydration at failover edits the boot configuration and aborts when it finds none; a configuration regenerated into the BIOS path on a UEFI machine is never read, so the failed-over VM boots with stale arguments (on UEFI RHEL and Oracle Linux 7 the serial console is then missing in Azure).",
            fix: "Generate the configuration at the right place: UEFI RHEL family `grub2-mkconfig -o /boot/efi/EFI/redhat/grub.cfg` (CentOS: EFI/centos), BIOS `grub2-mkconfig -o /boot/grub2/grub.cfg`, Debian and Ubuntu `update-grub`.",
            reference: "reference/asr-errors.md section 1d (170010: grub config missing; no serial console after UEFI failover) and section 3 (grub file at the distro's BIOS/EFI path)",
            prevents: &["170010", "no serial console after UEFI failover"],
        },
        codes: &[
            Code::fail(
                "no-config",
                "no GRUB configuration at any path the boot loader reads",
            ),
            Code::fail(
                "bios-path-only",
                "a UEFI machine whose GRUB configuration is only at a BIOS path, which its boot loader does not read",
            ),
            Code::fail(
                "stub-target-missing",
                "the EFI stub loads a configuration that does not exist",
            ),
            Code::warn(
                "not-in-vendor-dir",
                "the EFI configuration is not in the distribution's own directory under /boot/efi/EFI",
            ),
        ],
        run: check_grub_location,
    },
    CheckDef {
        id: "failover.fstab-devices",
        title: "fstab names file systems in a way that survives failover",
        applies: Applies::Only(TO_AZURE),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "/etc/fstab must mount / and /boot by UUID, LABEL or LVM name rather than by kernel device name (/dev/sdX, /dev/vdX, /dev/xvdX, /dev/nvmeXnY); other entries that use kernel device names should carry `nofail`; network file systems (NFS, CIFS) are listed because hydration comments them out.",
            why: "Disks are renamed when the machine comes up in Azure (an extra temporary disk appears, controllers change), so /dev/sdb may become /dev/sdc: a root or /boot entry by device name stops the boot in emergency mode, a data disk entry without nofail does the same. Hydration at failover comments out NFS and CIFS entries, so shares the applications need are not mounted after failover.",
            fix: "Replace device names with `UUID=` (from `blkid -s UUID -o value /dev/sdXN`) or the LVM path; add `nofail` to data disk entries; plan to remount network shares after failover.",
            reference: "reference/asr-errors.md section 2 item 9 (fstab device names break boot after renaming; nofail advice) and section 3 (fstab: root/boot by UUID; NFS/CIFS entries get commented); reference/asr-matrix.md section 5 (device name change not supported)",
            prevents: &[
                "failed-over VM stops in emergency mode (device names change in Azure)",
                "network file systems commented out by hydration",
            ],
        },
        codes: &[
            Code::error("cannot-read", "/etc/fstab could not be read"),
            Code::fail(
                "boot-device-name",
                "/ or /boot is mounted by kernel device name (/dev/sdX, /dev/vdX, ...), which changes in Azure",
            ),
            Code::warn(
                "device-name-without-nofail",
                "another entry names its device by kernel device name and has no nofail",
            ),
            Code::warn(
                "network-filesystem",
                "a network file system entry, which hydration comments out at failover",
            ),
        ],
        run: check_fstab_devices,
    },
];

/// File system types served over the network.
const NETWORK_FS: &[&str] = &[
    "nfs",
    "nfs4",
    "cifs",
    "smbfs",
    "smb3",
    "glusterfs",
    "ceph",
    "fuse.sshfs",
    "sshfs",
    "davfs",
    "fuse.glusterfs",
    "lustre",
    "9p",
    "afs",
];

fn is_network(e: &FstabEntry) -> bool {
    NETWORK_FS
        .iter()
        .any(|t| t.as_bytes() == e.vfstype.as_slice())
        || (e.spec.starts_with(b"//") && e.spec.len() > 2)
        || (!e.spec.starts_with(b"/") && e.spec.windows(2).any(|w| w == b":/"))
}

/// Names a disk by the kernel's name for it (`/dev/sda2`), which changes in Azure.
fn kernel_device_name(spec: &[u8]) -> bool {
    let s = String::from_utf8_lossy(spec);
    s.starts_with("/dev/") && !crate::checks::agent::device_name_ok(&s)
}

/// An fstab entry as a detail line.
fn fstab_line(e: &FstabEntry) -> String {
    format!(
        "/etc/fstab line {}: {} {} {} {}",
        e.line,
        escape_bytes(&e.spec),
        escape_bytes(&e.file),
        escape_bytes(&e.vfstype),
        escape_bytes(&e.options)
    )
}

/// The edit that names an entry's disk by UUID, with the UUID when it is known.
fn uuid_fix(boot: &BootFacts, e: &FstabEntry) -> String {
    let dev = String::from_utf8_lossy(&e.spec);
    let name = dev.trim_start_matches("/dev/");
    match boot.uuid_of(name) {
        Some(u) => format!("line {}: `UUID={u}` instead of {dev}", e.line),
        None => format!(
            "line {}: `UUID=` + the output of `blkid -s UUID -o value {dev}` instead of {dev}",
            e.line
        ),
    }
}

/// The fstab entries that would trouble the first boot in Azure, by kind.
#[derive(Default)]
struct FstabSurvey {
    /// / or /boot by kernel device name.
    critical: Vec<String>,
    /// Other entries by kernel device name without nofail or noauto.
    others: Vec<String>,
    /// Network file systems, which hydration comments out.
    network: Vec<String>,
    fixes: Vec<String>,
    details: Vec<String>,
}

/// How / and /boot are named.
fn survey_boot_mounts(boot: &BootFacts, entries: &[FstabEntry], s: &mut FstabSurvey) {
    for mp in [&b"/"[..], b"/boot"] {
        match fstab::mounted_at(entries, mp) {
            Some(e) if kernel_device_name(&e.spec) => {
                s.critical.push(fstab_line(e));
                s.fixes.push(uuid_fix(boot, e));
            }
            Some(e) => s.details.push(format!("{} (stable name)", fstab_line(e))),
            None if mp == b"/" => s
                .details
                .push("no fstab entry for / (mounted from the kernel command line)".into()),
            None => {}
        }
    }
}

/// The other entries: network file systems, and device names a missing disk would stop
/// the boot at.
fn survey_other_mounts(entries: &[FstabEntry], s: &mut FstabSurvey) {
    for e in entries {
        if e.file == b"/" || e.file == b"/boot" {
            continue;
        }
        if is_network(e) {
            s.network.push(fstab_line(e));
            continue;
        }
        let has = |o: &[u8]| e.options.split(|b| *b == b',').any(|x| x == o);
        if kernel_device_name(&e.spec) && !has(b"nofail") && !has(b"noauto") {
            s.others.push(fstab_line(e));
            s.fixes.push(format!(
                "line {}: add `nofail` to the options (or use UUID=)",
                e.line
            ));
        }
    }
}

/// The summary of the worst kind found; `None` when nothing was found.
fn fstab_summary(s: &FstabSurvey) -> Option<Finding> {
    if !s.critical.is_empty() {
        return Some(
            Finding::fail(format!(
                "{} mounted by kernel device name: the failed-over VM may not find it",
                if s.critical.len() == 2 {
                    "/ and /boot are"
                } else {
                    "a boot file system is"
                }
            ))
            .code("boot-device-name"),
        );
    }
    if s.others.is_empty() && s.network.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    if !s.others.is_empty() {
        parts.push(format!(
            "{} entries by kernel device name without nofail",
            s.others.len()
        ));
    }
    if !s.network.is_empty() {
        parts.push(format!(
            "{} network file systems that hydration comments out",
            s.network.len()
        ));
    }
    let code = if s.others.is_empty() {
        "network-filesystem"
    } else {
        "device-name-without-nofail"
    };
    Some(Finding::warn(parts.join("; ")).code(code))
}

/// The fstab edits, and the reminder that network file systems come back by hand.
fn fstab_fix(s: &FstabSurvey) -> String {
    let mut fix = String::new();
    if !s.fixes.is_empty() {
        fix.push_str(&format!("Edit /etc/fstab: {}.", s.fixes.join("; ")));
    }
    if !s.network.is_empty() {
        if !fix.is_empty() {
            fix.push(' ');
        }
        fix.push_str("After failover, re-enable the network file system entries and make the servers reachable from Azure.");
    }
    fix
}

fn check_fstab_devices(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let mounts = ctx.facts.mounts();
    let Some(entries) = &mounts.fstab else {
        if !mounts.errors.is_empty() {
            return Ok(Finding::error("could not read /etc/fstab")
                .code("cannot-read")
                .details(mounts.errors.clone()));
        }
        return Ok(Finding::skip("no /etc/fstab"));
    };
    let mut s = FstabSurvey::default();
    survey_boot_mounts(ctx.facts.boot(), entries, &mut s);
    survey_other_mounts(entries, &mut s);
    let Some(mut f) = fstab_summary(&s) else {
        return Ok(Finding::pass("/ and /boot not by kernel device name; no device-name entries without nofail; no network file systems")
            .details(s.details));
    };
    // One problem line per entry, each with its code.
    for (status, code, lines) in [
        (Status::Fail, "boot-device-name", &s.critical),
        (Status::Warn, "device-name-without-nofail", &s.others),
        (Status::Warn, "network-filesystem", &s.network),
    ] {
        for l in lines {
            f = f.problem(status, code, l.clone());
        }
    }
    let fix = fstab_fix(&s);
    Ok(
        f.details(s.critical.iter().map(|c| format!("boot-critical: {c}")))
            .details(s.others.iter().map(|c| format!("without nofail: {c}")))
            .details(
                s.network
                    .iter()
                    .map(|c| format!("network file system (commented out at failover): {c}")),
            )
            .details(s.details)
            .fix(fix),
    )
}

/// The EFI vendor directory a distribution installs GRUB into.
fn vendor_dir(os_id: Option<&str>) -> Option<&'static str> {
    Some(match os_id? {
        "rhel" | "ol" => "redhat",
        "centos" => "centos",
        "almalinux" => "almalinux",
        "rocky" => "rocky",
        "fedora" => "fedora",
        "sles" | "sled" => "sles",
        "opensuse" | "opensuse-leap" => "opensuse",
        "debian" => "debian",
        "ubuntu" => "ubuntu",
        _ => return None,
    })
}

/// The command that regenerates the configuration at `path`.
fn mkconfig(ctx: &Context<'_>, path: &str) -> String {
    match ctx.facts.os().family {
        Family::Debian => "update-grub".to_string(),
        _ => format!("grub2-mkconfig -o {path}"),
    }
}

fn describe_default(d: &DefaultSpec) -> String {
    match d {
        DefaultSpec::Unset => "no `set default` (first entry)".into(),
        DefaultSpec::Saved => "set default=\"${saved_entry}\"".into(),
        DefaultSpec::Value(v) => format!("set default=\"{v}\""),
    }
}

/// The arguments /etc/default/grub's kernel command lines add that the default entry's
/// kernel line lacks: one problem per setting.
fn cmdline_problems(defaults: &DefaultGrub, entry: &DefaultEntry) -> Vec<(&'static str, String)> {
    let actual = split_args(&entry.args);
    let mut problems = Vec::new();
    for (name, setting) in [
        ("GRUB_CMDLINE_LINUX", &defaults.cmdline_linux),
        (
            "GRUB_CMDLINE_LINUX_DEFAULT",
            &defaults.cmdline_linux_default,
        ),
    ] {
        let Some(s) = setting else { continue };
        let missing: Vec<String> = split_args(&s.value)
            .into_iter()
            // Shell expansions are resolved by grub-mkconfig; they cannot be compared.
            .filter(|a| !a.contains('$'))
            .filter(|a| !actual.contains(a))
            .collect();
        if !missing.is_empty() {
            problems.push((
                "cmdline-not-applied",
                format!(
                    "{name} (/etc/default/grub line {}) has {} but the default entry's kernel line does not",
                    s.line,
                    missing.join(" ")
                ),
            ));
        }
    }
    problems
}

/// The problem when the generated `set default` is not what GRUB_DEFAULT asks for.
fn default_problem(
    defaults: &DefaultGrub,
    have: &DefaultSpec,
    path: &str,
) -> Option<(&'static str, String)> {
    let want = expected_default(defaults.grub_default.as_ref().map(|s| s.value.as_str()));
    let agrees =
        *have == want || (want == DefaultSpec::Value("0".into()) && *have == DefaultSpec::Unset);
    if agrees {
        return None;
    }
    let line = defaults
        .grub_default
        .as_ref()
        .map(|s| format!("GRUB_DEFAULT={} (line {})", s.value, s.line))
        .unwrap_or_else(|| "no GRUB_DEFAULT (grub-mkconfig writes 0)".into());
    Some((
        "default-not-applied",
        format!(
            "/etc/default/grub has {line} but {path} has {}",
            describe_default(have)
        ),
    ))
}

fn check_grub_sync(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let g: &GrubFacts = ctx.facts.grub_config();
    let Some(defaults) = &g.defaults else {
        return Ok(Finding::skip(
            "no /etc/default/grub: the configuration is not generated from one (GRUB legacy or hand-written)",
        ));
    };
    let Some(path) = &g.effective else {
        return Ok(Finding::skip(
            "no GRUB configuration found to compare with /etc/default/grub (see failover.grub-location)",
        )
        .details(g.errors.clone()));
    };
    let Some(file) = g.file(path) else {
        return Ok(
            Finding::skip("the boot configuration could not be read").details(g.errors.clone())
        );
    };
    let GrubFileKind::Grub2 { config, .. } = &file.kind else {
        return Ok(Finding::skip(format!(
            "{path} is a GRUB legacy file, which /etc/default/grub does not generate"
        )));
    };
    let mut problems = Vec::new();
    let mut details = vec![format!("boot configuration: {path}")];
    match &g.default_entry {
        Some(entry) => {
            details.push(format!("default entry: {}", entry.source));
            problems.extend(cmdline_problems(defaults, entry));
            details.push(format!("kernel line arguments: {}", entry.args));
        }
        None => details.push("no default entry could be determined in it".into()),
    }
    problems.extend(default_problem(defaults, &config.default, path));
    details.extend(g.errors.iter().map(ToString::to_string));
    if problems.is_empty() {
        return Ok(Finding::pass(format!("{path} agrees with /etc/default/grub")).details(details));
    }
    let mut f = Finding::warn(format!(
        "/etc/default/grub was changed without regenerating {path}"
    ))
    .code(problems[0].0);
    for (code, text) in &problems {
        f = f.problem(Status::Warn, code, text.clone());
    }
    Ok(f.details(problems.into_iter().map(|p| p.1))
        .details(details)
        .fix(format!(
            "Apply /etc/default/grub: `{}`, then check the kernel line of the default entry.",
            mkconfig(ctx, path)
        )))
}

/// One GRUB file as a detail line: what kind it is.
fn grub_file_line(f: &GrubFile) -> String {
    match &f.kind {
        GrubFileKind::Grub2 { blscfg: true, .. } => {
            format!("{}: GRUB 2 with BLS entries", f.path)
        }
        GrubFileKind::Grub2 { config, .. } => {
            format!("{}: GRUB 2, {} entries", f.path, config.entries.len())
        }
        GrubFileKind::Legacy { config } => {
            format!("{}: GRUB legacy, {} entries", f.path, config.entries.len())
        }
        GrubFileKind::Stub { target } => format!(
            "{}: stub loading {}",
            f.path,
            target
                .as_deref()
                .unwrap_or("(a file it does not name plainly)")
        ),
    }
}

/// What the grub-location check looks at: the facts, the GRUB files found at the BIOS and
/// the EFI paths, and the detail lines so far.
struct GrubPlaces<'a> {
    g: &'a GrubFacts,
    fam: Family,
    vendor: Option<&'static str>,
    bios: Vec<&'a str>,
    efi: Vec<&'a GrubFile>,
    details: Vec<String>,
}

/// UEFI: the configuration in the distribution's EFI directory (or, failing that, the first
/// EFI one) is what boots.
fn judge_uefi(ctx: &Context<'_>, p: GrubPlaces<'_>) -> Finding {
    let in_vendor = |f: &GrubFile| {
        p.vendor
            .is_some_and(|v| f.path.starts_with(&format!("/boot/efi/EFI/{v}/")))
    };
    let chosen = p
        .efi
        .iter()
        .copied()
        .find(|f| in_vendor(f))
        .or_else(|| p.efi.first().copied());
    match chosen {
        Some(f) => judge_efi_file(ctx, &p, f, in_vendor(f)),
        None if p.fam == Family::Suse && !p.bios.is_empty() => Finding::pass(format!(
            "UEFI: SUSE's EFI GRUB reads {} directly",
            p.bios[0]
        ))
        .details(p.details),
        None => no_efi_config(ctx, p),
    }
}

/// The EFI configuration UEFI boots: a stub must load a file that exists, and it should be
/// in the distribution's own directory.
fn judge_efi_file(ctx: &Context<'_>, p: &GrubPlaces<'_>, f: &GrubFile, in_vendor: bool) -> Finding {
    if let GrubFileKind::Stub { target } = &f.kind {
        if target.as_ref().is_none_or(|t| p.g.file(t).is_none()) {
            return Finding::fail(format!(
                "{} loads {}, which does not exist",
                f.path,
                target
                    .as_deref()
                    .unwrap_or("a configuration it does not name plainly")
            ))
            .code("stub-target-missing")
            .details(p.details.clone())
            .fix(format!(
                "Generate the configuration: `{}`.",
                mkconfig(ctx, target.as_deref().unwrap_or("/boot/grub2/grub.cfg"))
            ));
        }
    }
    if let (false, Some(v)) = (in_vendor, p.vendor) {
        return Finding::warn(format!(
            "the EFI configuration is {}, not in the distribution's /boot/efi/EFI/{v}/",
            f.path
        ))
        .code("not-in-vendor-dir")
        .details(p.details.clone())
        .fix(format!(
            "Generate it where this distribution's boot loader reads it: `{}`.",
            mkconfig(ctx, &format!("/boot/efi/EFI/{v}/grub.cfg"))
        ));
    }
    Finding::pass(format!("UEFI boot reads {}", f.path)).details(p.details.clone())
}

/// A UEFI machine with no EFI configuration: none at all, or only at the BIOS path.
fn no_efi_config(ctx: &Context<'_>, p: GrubPlaces<'_>) -> Finding {
    let target = match (p.fam, p.vendor) {
        (Family::Debian, _) => "/boot/grub/grub.cfg".to_string(),
        (_, Some(v)) => format!("/boot/efi/EFI/{v}/grub.cfg"),
        (_, None) => "/boot/efi/EFI/<vendor>/grub.cfg".to_string(),
    };
    let (code, summary) = if p.bios.is_empty() {
        (
            "no-config",
            "UEFI machine without any GRUB configuration: hydration at failover would abort"
                .to_string(),
        )
    } else {
        (
            "bios-path-only",
            format!(
                "UEFI machine, but the GRUB configuration is only at the BIOS path {}, which its boot loader does not read",
                p.bios.join(", ")
            ),
        )
    };
    Finding::fail(summary).code(code).details(p.details).fix(if p.fam == Family::Debian {
        "Reinstall GRUB for EFI and regenerate: `grub-install --target=x86_64-efi && update-grub`.".to_string()
    } else {
        format!("Generate it in the EFI system partition: `{}`.", mkconfig(ctx, &target))
    })
}

/// BIOS, or firmware an image does not tell: a full configuration at a BIOS path boots; an
/// image with only an EFI one boots through UEFI.
fn judge_bios(ctx: &Context<'_>, p: GrubPlaces<'_>, unknown: bool) -> Finding {
    // A BIOS path that only holds a stub is no configuration.
    let usable =
        p.g.files
            .iter()
            .filter(|f| !f.path.starts_with("/boot/efi/"))
            .find(|f| !matches!(f.kind, GrubFileKind::Stub { .. }));
    if let Some(f) = usable {
        return Finding::pass(format!("BIOS boot reads {}", f.path)).details(p.details);
    }
    if unknown && !p.efi.is_empty() {
        return Finding::pass(format!(
            "only an EFI configuration ({}): the image boots through UEFI",
            p.efi[0].path
        ))
        .details(p.details);
    }
    let target = if p.fam == Family::Debian {
        "/boot/grub/grub.cfg"
    } else {
        "/boot/grub2/grub.cfg"
    };
    Finding::fail("no GRUB configuration at /boot/grub2/grub.cfg, /boot/grub/grub.cfg, grub.conf or menu.lst: hydration at failover would abort")
        .code("no-config")
        .details(p.details)
        .fix(format!("Generate it: `{}`.", mkconfig(ctx, target)))
}

fn check_grub_location(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let g = ctx.facts.grub_config();
    let mut details: Vec<String> = g.files.iter().map(grub_file_line).collect();
    details.extend(g.errors.iter().map(ToString::to_string));
    let (efi, bios): (Vec<&GrubFile>, Vec<&GrubFile>) = g
        .files
        .iter()
        .partition(|f| f.path.starts_with("/boot/efi/"));
    let mut places = GrubPlaces {
        g,
        fam: ctx.facts.os().family,
        vendor: vendor_dir(ctx.facts.os().id.as_deref()),
        bios: bios.iter().map(|f| f.path.as_str()).collect(),
        efi,
        details,
    };
    Ok(match &g.firmware {
        Firmware::Uefi(why) => {
            places.details.push(format!("UEFI: {why}"));
            judge_uefi(ctx, places)
        }
        Firmware::Bios(why) => {
            places.details.push(format!("BIOS: {why}"));
            judge_bios(ctx, places, false)
        }
        Firmware::Unknown(why) => {
            places.details.push(format!("firmware unknown: {why}"));
            judge_bios(ctx, places, true)
        }
    })
}
