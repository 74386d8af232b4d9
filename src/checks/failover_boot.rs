//! Failover readiness of the boot configuration: GRUB's configuration where the distribution
//! boots from (BIOS or EFI path), a generated configuration in step with /etc/default/grub,
//! and fstab naming the root and boot file systems in a way that survives the device renaming
//! of a move to Azure.

use super::failover::{Family, TO_AZURE, family};
use super::{Applies, CheckDef, Context, Doc, Finding};
use crate::facts::grub_config::{
    self, Firmware, GrubFacts, GrubFileKind, expected_default, split_args,
};
use crate::parse::grub::DefaultSpec;

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
        run: check_grub_location,
    },
];

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
    match family(ctx.facts.os().id.as_deref()) {
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

fn check_grub_sync(ctx: &Context<'_>) -> Finding {
    let g: &GrubFacts = ctx.facts.grub_config();
    let Some(defaults) = &g.defaults else {
        return Finding::skip(
            "no /etc/default/grub: the configuration is not generated from one (GRUB legacy or hand-written)",
        );
    };
    let Some(path) = &g.effective else {
        return Finding::skip(
            "no GRUB configuration found to compare with /etc/default/grub (see failover.grub-location)",
        )
        .details(g.errors.clone());
    };
    let Some(file) = g.file(path) else {
        return Finding::skip("the boot configuration could not be read").details(g.errors.clone());
    };
    let GrubFileKind::Grub2 { config, .. } = &file.kind else {
        return Finding::skip(format!(
            "{path} is a GRUB legacy file, which /etc/default/grub does not generate"
        ));
    };
    let mut problems = Vec::new();
    let mut details = vec![format!("boot configuration: {path}")];
    match &g.default_entry {
        Some(entry) => {
            let actual = split_args(&entry.args);
            details.push(format!("default entry: {}", entry.source));
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
                    problems.push(format!(
                        "{name} (/etc/default/grub line {}) has {} but the default entry's kernel line does not",
                        s.line,
                        missing.join(" ")
                    ));
                }
            }
            details.push(format!("kernel line arguments: {}", entry.args));
        }
        None => details.push("no default entry could be determined in it".into()),
    }
    let want = expected_default(defaults.grub_default.as_ref().map(|s| s.value.as_str()));
    let have = &config.default;
    let agrees =
        *have == want || (want == DefaultSpec::Value("0".into()) && *have == DefaultSpec::Unset);
    if !agrees {
        let line = defaults
            .grub_default
            .as_ref()
            .map(|s| format!("GRUB_DEFAULT={} (line {})", s.value, s.line))
            .unwrap_or_else(|| "no GRUB_DEFAULT (grub-mkconfig writes 0)".into());
        problems.push(format!(
            "/etc/default/grub has {line} but {path} has {}",
            describe_default(have)
        ));
    }
    details.extend(g.errors.iter().cloned());
    if problems.is_empty() {
        return Finding::pass(format!("{path} agrees with /etc/default/grub")).details(details);
    }
    Finding::warn(format!(
        "/etc/default/grub was changed without regenerating {path}"
    ))
    .details(problems)
    .details(details)
    .fix(format!(
        "Apply /etc/default/grub: `{}`, then check the kernel line of the default entry.",
        mkconfig(ctx, path)
    ))
}

fn check_grub_location(ctx: &Context<'_>) -> Finding {
    let g = ctx.facts.grub_config();
    let os_id = ctx.facts.os().id.as_deref();
    let fam = family(os_id);
    let vendor = vendor_dir(os_id);
    let mut details: Vec<String> = g
        .files
        .iter()
        .map(|f| match &f.kind {
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
        })
        .collect();
    details.extend(g.errors.iter().cloned());
    let bios: Vec<&str> = g
        .files
        .iter()
        .filter(|f| !f.path.starts_with("/boot/efi/"))
        .map(|f| f.path.as_str())
        .collect();
    let efi: Vec<&grub_config::GrubFile> = g
        .files
        .iter()
        .filter(|f| f.path.starts_with("/boot/efi/"))
        .collect();
    match &g.firmware {
        Firmware::Uefi(why) => {
            details.push(format!("UEFI: {why}"));
            let in_vendor = |f: &grub_config::GrubFile| {
                vendor.is_some_and(|v| f.path.starts_with(&format!("/boot/efi/EFI/{v}/")))
            };
            let chosen = efi
                .iter()
                .copied()
                .find(|f| in_vendor(f))
                .or_else(|| efi.first().copied());
            match chosen {
                Some(f) => {
                    if let GrubFileKind::Stub { target } = &f.kind {
                        let ok = target.as_ref().is_some_and(|t| g.file(t).is_some());
                        if !ok {
                            return Finding::fail(format!(
                                "{} loads {}, which does not exist",
                                f.path,
                                target
                                    .as_deref()
                                    .unwrap_or("a configuration it does not name plainly")
                            ))
                            .details(details)
                            .fix(format!(
                                "Generate the configuration: `{}`.",
                                mkconfig(ctx, target.as_deref().unwrap_or("/boot/grub2/grub.cfg"))
                            ));
                        }
                    }
                    if !in_vendor(f) {
                        if let Some(v) = vendor {
                            return Finding::warn(format!(
                                "the EFI configuration is {}, not in the distribution's /boot/efi/EFI/{v}/",
                                f.path
                            ))
                            .details(details)
                            .fix(format!(
                                "Generate it where this distribution's boot loader reads it: `{}`.",
                                mkconfig(ctx, &format!("/boot/efi/EFI/{v}/grub.cfg"))
                            ));
                        }
                    }
                    Finding::pass(format!("UEFI boot reads {}", f.path)).details(details)
                }
                None if fam == Family::Suse && !bios.is_empty() => {
                    Finding::pass(format!("UEFI: SUSE's EFI GRUB reads {} directly", bios[0]))
                        .details(details)
                }
                None => {
                    let target = match (fam, vendor) {
                        (Family::Debian, _) => "/boot/grub/grub.cfg".to_string(),
                        (_, Some(v)) => format!("/boot/efi/EFI/{v}/grub.cfg"),
                        (_, None) => "/boot/efi/EFI/<vendor>/grub.cfg".to_string(),
                    };
                    let summary = if bios.is_empty() {
                        "UEFI machine without any GRUB configuration: hydration at failover would abort".to_string()
                    } else {
                        format!(
                            "UEFI machine, but the GRUB configuration is only at the BIOS path {}, which its boot loader does not read",
                            bios.join(", ")
                        )
                    };
                    Finding::fail(summary).details(details).fix(if fam == Family::Debian {
                        "Reinstall GRUB for EFI and regenerate: `grub-install --target=x86_64-efi && update-grub`.".to_string()
                    } else {
                        format!("Generate it in the EFI system partition: `{}`.", mkconfig(ctx, &target))
                    })
                }
            }
        }
        Firmware::Bios(why) | Firmware::Unknown(why) => {
            let unknown = matches!(g.firmware, Firmware::Unknown(_));
            details.push(if unknown {
                format!("firmware unknown: {why}")
            } else {
                format!("BIOS: {why}")
            });
            // A BIOS path that only holds a stub is no configuration.
            let usable: Vec<&str> = g
                .files
                .iter()
                .filter(|f| !f.path.starts_with("/boot/efi/"))
                .filter(|f| !matches!(f.kind, GrubFileKind::Stub { .. }))
                .map(|f| f.path.as_str())
                .collect();
            if let Some(p) = usable.first() {
                return Finding::pass(format!("BIOS boot reads {p}")).details(details);
            }
            if unknown && !efi.is_empty() {
                return Finding::pass(format!(
                    "only an EFI configuration ({}): the image boots through UEFI",
                    efi[0].path
                ))
                .details(details);
            }
            let target = if fam == Family::Debian {
                "/boot/grub/grub.cfg"
            } else {
                "/boot/grub2/grub.cfg"
            };
            Finding::fail("no GRUB configuration at /boot/grub2/grub.cfg, /boot/grub/grub.cfg, grub.conf or menu.lst: hydration at failover would abort")
                .details(details)
                .fix(format!("Generate it: `{}`.", mkconfig(ctx, target)))
        }
    }
}
