//! Failover readiness: what Site Recovery's "hydration" of a Linux disk needs so that the
//! machine boots in Azure. Hydration aborts (error 170010) when a kernel lacks the Hyper-V
//! drivers, when a tool it runs is missing or when the boot configuration is not where it
//! looks; fstab device names and a boot configuration out of step with its source break the
//! first boot after failover. The agent's installer also copies and rebuilds every initramfs,
//! which needs room.

pub mod boot;

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::hydration::{DracutConfig, InitramfsToolsConfig};
use crate::facts::initramfs::{Contents, InitramfsFacts};
use crate::facts::kernel_inventory::{HYPERV_DRIVERS, InstalledKernel, KernelInventory};
use crate::facts::os::Family;
use crate::facts::services::InitSystem;
use crate::facts::space::SpaceAt;
use crate::scenario::Scenario;

/// Scenarios whose failover boots the machine in Azure.
pub const TO_AZURE: &[Scenario] = &[
    Scenario::VmwareToAzure,
    Scenario::PhysicalToAzure,
    Scenario::HypervToAzure,
    Scenario::HypervVmmToAzure,
    Scenario::AzureToAzure,
];

/// Scenarios whose failover hydrates the disk (machines that never ran on Hyper-V or Azure).
pub const HYDRATED: &[Scenario] = &[Scenario::VmwareToAzure, Scenario::PhysicalToAzure];

const HYD_REF: &str = "reference/asr-errors.md section 1d (170010, hydration) and section 3 (\"Hyper-V drivers for every installed kernel + in initramfs\"); seeds/000, Replicated machine prerequisites (\"VMs should conform with Azure prerequisites\")";

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "failover.hyperv-drivers",
        title: "Hyper-V drivers for every installed kernel",
        applies: Applies::Only(TO_AZURE),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "Every installed kernel must have the Hyper-V drivers an Azure VM boots with: hv_vmbus, hv_storvsc and hv_netvsc, as module files under /lib/modules/RELEASE or compiled into the kernel (modules.builtin).",
            why: "An Azure VM's disks and network sit on the Hyper-V VMBus. At failover, hydration checks each installed kernel for these drivers (as `modinfo -k` would) and aborts when one is missing, so the failover fails; a kernel without them cannot see its root disk in Azure either.",
            fix: "Install kernels that ship the drivers (every current distribution kernel does; RHEL/CentOS 6 before 6.4 and 5.x need Microsoft's Linux Integration Services) or remove the kernels that lack them.",
            reference: HYD_REF,
            prevents: &[
                "170010",
                "E_RECOVERY_HV_DRIVERS_MISSING",
                "LisDriversAvailable",
            ],
        },
        codes: &[
            Code::error(
                "no-kernel",
                "no installed kernel was found in /boot or /lib/modules",
            ),
            Code::fail(
                "no-module-tree",
                "an installed kernel has no /lib/modules directory, so its drivers cannot be found",
            ),
            Code::fail(
                "drivers-missing",
                "an installed kernel has hv_vmbus, hv_storvsc or hv_netvsc neither as a module file nor built in",
            ),
        ],
        run: check_hyperv_drivers,
    },
    CheckDef {
        id: "failover.initramfs-drivers",
        title: "Hyper-V drivers inside every initramfs",
        applies: Applies::Only(TO_AZURE),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "Each installed kernel's initramfs must contain hv_vmbus, hv_storvsc and hv_netvsc (unless the kernel has them built in), so that the root disk is found when the machine first boots on Azure's Hyper-V hosts.",
            why: "The initramfs mounts the root file system; a host-only image built on VMware or physical hardware holds only that hardware's storage drivers, and in Azure the root disk never appears (boot stops in the dracut or initramfs emergency shell). The agent's prerequisite check looks for hv_storvsc in the initramfs on RHEL 5 and 6 for the same reason.",
            fix: "Add the drivers to the generator's configuration and rebuild every initramfs: dracut `add_drivers+=\" hv_vmbus hv_netvsc hv_storvsc \"` in /etc/dracut.conf.d/azure.conf then `dracut -f --kver RELEASE`; initramfs-tools: the three names in /etc/initramfs-tools/modules then `update-initramfs -u -k all`.",
            reference: HYD_REF,
            prevents: &[
                "170010",
                "E_RECOVERY_HV_DRIVERS_MISSING",
                "LisDriversAvailable",
            ],
        },
        codes: &[
            Code::error(
                "no-kernel",
                "no installed kernel was found in /boot or /lib/modules",
            ),
            Code::error(
                "cannot-read-image",
                "an initramfs image could not be read or unpacked",
            ),
            Code::fail(
                "boot-kernel-lacks-drivers",
                "the initramfs of the kernel that boots lacks a Hyper-V driver",
            ),
            Code::warn(
                "other-kernel-lacks-drivers",
                "the initramfs of another installed kernel lacks a Hyper-V driver",
            ),
            Code::warn(
                "no-initramfs",
                "a kernel that loads the Hyper-V drivers as modules has no initramfs",
            ),
        ],
        run: check_initramfs_drivers,
    },
    CheckDef {
        id: "failover.dracut-hostonly",
        title: "Initramfs generator keeps the Hyper-V drivers",
        applies: Applies::Only(HYDRATED),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The initramfs generator must not be limited to the current hardware without the Hyper-V drivers added explicitly: dracut `hostonly=\"yes\"` (dracut.conf, dracut.conf.d) or initramfs-tools `MODULES=dep`, without hv_vmbus, hv_storvsc and hv_netvsc in add_drivers or /etc/initramfs-tools/modules, and no Hyper-V driver in omit_drivers.",
            why: "A host-only initramfs contains only what the machine needs on its current hardware; even if the drivers are inside today, the next kernel update rebuilds the image without them and the failed-over VM cannot find its root disk.",
            fix: "Add the drivers explicitly: `echo 'add_drivers+=\" hv_vmbus hv_netvsc hv_storvsc \"' > /etc/dracut.conf.d/azure.conf`, or list them in /etc/initramfs-tools/modules; then rebuild (`dracut -f --regenerate-all`, `update-initramfs -u -k all`).",
            reference: "reference/asr-errors.md section 3 (\"dracut hostonly=\\\"yes\\\" drops them\"); reference/asr-errors.md section 1d (170010)",
            prevents: &["170010", "E_RECOVERY_HV_DRIVERS_MISSING"],
        },
        codes: &[
            Code::warn(
                "hostonly-without-drivers",
                "dracut builds host-only images and the Hyper-V drivers are not in add_drivers",
            ),
            Code::warn(
                "omitted-driver",
                "dracut's omit_drivers leaves out a Hyper-V driver",
            ),
            Code::warn(
                "modules-dep-without-drivers",
                "initramfs-tools has MODULES=dep and /etc/initramfs-tools/modules does not list the Hyper-V drivers",
            ),
        ],
        run: check_dracut_hostonly,
    },
    CheckDef {
        id: "failover.hydration-tools",
        title: "Programs failover hydration runs are installed",
        applies: Applies::Only(HYDRATED),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The programs hydration runs on the disk at failover must be installed: dracut or mkinitrd, lsinitrd, modinfo, dhclient or dhcpcd, and systemctl on systemd machines (on Debian and Ubuntu, initramfs-tools' update-initramfs and lsinitramfs count for dracut and lsinitrd).",
            why: "Hydration verifies its tools before it rebuilds the initramfs with the Hyper-V drivers and switches the network to DHCP; when one is missing it aborts and the failover fails with 170010.",
            fix: "Install the missing packages: RHEL family `yum install dracut kmod dhclient`, SLES `zypper install dracut kmod dhcp-client`, Debian/Ubuntu `apt-get install initramfs-tools kmod isc-dhcp-client`.",
            reference: "reference/asr-errors.md section 1d (170010: tools missing) and section 3 (\"Hydration tools present\")",
            prevents: &["170010", "E_RECOVERY_* (required tools missing)"],
        },
        codes: &[
            Code::fail(
                "no-initramfs-builder",
                "no initramfs builder (dracut, mkinitrd; update-initramfs on Debian) is installed",
            ),
            Code::fail(
                "no-initramfs-lister",
                "no initramfs lister (lsinitrd; lsinitramfs on Debian) is installed",
            ),
            Code::fail("no-modinfo", "modinfo (kmod) is not installed"),
            Code::fail(
                "no-dhcp-client",
                "no DHCP client (dhclient, dhcpcd; wicked on SUSE) is installed",
            ),
            Code::fail(
                "no-systemctl",
                "the machine boots with systemd but systemctl is not installed",
            ),
        ],
        run: check_hydration_tools,
    },
    CheckDef {
        id: "failover.initrd-space",
        title: "Room to back up and rebuild every initramfs",
        applies: Applies::Only(super::kernel::AGENT_SCENARIOS),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "/boot and / must each have free space for a copy of every /boot/initr* image: the agent's installer copies them all aside (to /etc/vxagent/orig_initrd_images) and then rebuilds them in /boot with its driver added.",
            why: "When the copy or the rebuild runs out of space the installation stops (installer exit codes 162 and 164) and the machine cannot be protected; a half-written initramfs in /boot can also leave a kernel unbootable.",
            fix: "Free space in /boot (remove kernels that are no longer needed, with their initramfs images) and on / (package caches, logs), or grow the file systems.",
            reference: "reference/asr-errors.md section 1a (install exit 162 / 164) and section 3 (\"/boot and / room for initrd backup+rebuild\")",
            prevents: &[
                "installer exit 162",
                "installer exit 164",
                "initrd backup or regeneration failure",
            ],
        },
        codes: &[
            Code::fail(
                "not-enough-space-boot",
                "/boot has less free space than copies of every initramfs take",
            ),
            Code::fail(
                "not-enough-space-root",
                "/ has less free space than copies of every initramfs take (with the rebuilt one when /boot is on it)",
            ),
            Code::error(
                "cannot-measure",
                "the free space of /boot or / could not be measured",
            ),
        ],
        run: check_initrd_space,
    },
];

fn default_release<'a>(ctx: &Context<'a>) -> Option<&'a str> {
    ctx.facts.kernel().release.as_deref()
}

fn tag(ctx: &Context<'_>, k: &InstalledKernel) -> String {
    if Some(k.release.as_str()) == default_release(ctx) {
        let what = if ctx.facts.is_live() {
            "running"
        } else {
            "default boot"
        };
        format!("{} ({what})", k.release)
    } else {
        k.release.clone()
    }
}

fn no_kernels(ctx: &Context<'_>) -> Finding {
    Finding::error(
        "no installed kernel found: /boot has no vmlinuz-* and /lib/modules no module tree",
    )
    .code("no-kernel")
    .details(ctx.facts.kernel_inventory().errors.clone())
}

/// The finding with one problem line of `status` per (code, text).
fn with_problems(f: Finding, status: Status, problems: Vec<(&'static str, String)>) -> Finding {
    problems
        .into_iter()
        .fold(f, |f, (code, text)| f.problem(status, code, text))
}

/// The commands that remove the given kernels, leaving out the one in use.
fn removal_cmds<'a>(ctx: &Context<'_>, releases: impl Iterator<Item = &'a str>) -> Vec<String> {
    let family = ctx.facts.os().family;
    releases
        .filter(|r| Some(*r) != default_release(ctx))
        .map(|r| format!("`{}`", super::kernel::remove_kernel_cmd(family, r)))
        .collect()
}

/// How each driver a kernel has is present: built in, or the module file.
fn present_drivers(k: &InstalledKernel) -> Vec<String> {
    k.drivers
        .iter()
        .filter(|d| d.present())
        .map(|d| {
            if d.builtin {
                format!("{} built in", d.name)
            } else {
                format!("{} {}", d.name, d.module.as_deref().unwrap_or(""))
            }
        })
        .collect()
}

/// One kernel's Hyper-V drivers: its problem (code and line) when it lacks some, and its
/// detail lines.
fn judge_kernel_drivers(
    ctx: &Context<'_>,
    k: &InstalledKernel,
) -> (Option<(&'static str, String)>, Vec<String>) {
    let name = tag(ctx, k);
    if !k.modules_dir {
        let line = format!(
            "{name}: no /lib/modules/{}: its drivers cannot be found",
            k.release
        );
        return (Some(("no-module-tree", line.clone())), vec![line]);
    }
    let missing = k.missing_drivers();
    let (problem, mut details) = if missing.is_empty() {
        (
            None,
            vec![format!("{name}: {}", present_drivers(k).join(", "))],
        )
    } else {
        let mut line = format!("{name}: missing {}", missing.join(", "));
        if !k.builtin_known {
            line.push_str(" (no modules.builtin, so built-in drivers cannot be seen)");
        }
        (Some(("drivers-missing", line.clone())), vec![line])
    };
    details.extend(k.errors.iter().map(ToString::to_string));
    (problem, details)
}

fn check_hyperv_drivers(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let inv = ctx.facts.kernel_inventory();
    let kernels: Vec<&InstalledKernel> = inv.installed().collect();
    if kernels.is_empty() {
        return Ok(no_kernels(ctx));
    }
    let mut bad = Vec::new();
    // Each kernel without the drivers, with its code and line.
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let mut details = Vec::new();
    for k in &kernels {
        let (problem, lines) = judge_kernel_drivers(ctx, k);
        if let Some(p) = problem {
            bad.push(k.release.as_str());
            problems.push(p);
        }
        details.extend(lines);
    }
    details.extend(inv.errors.iter().map(ToString::to_string));
    if bad.is_empty() {
        return Ok(Finding::pass(format!(
            "hv_vmbus, hv_storvsc and hv_netvsc exist for all {} installed kernels",
            kernels.len()
        ))
        .details(details));
    }
    let removals = removal_cmds(ctx, bad.iter().copied());
    let mut fix = "Install a kernel that ships the Hyper-V drivers (current distribution kernels do; RHEL/CentOS 5 and early 6 need Microsoft's Linux Integration Services)".to_string();
    if !removals.is_empty() {
        fix.push_str(&format!(
            ", and remove the kernels that lack them: {}",
            removals.join(", ")
        ));
    }
    fix.push('.');
    let f = Finding::fail(format!(
        "{} of {} installed kernels lack Hyper-V drivers: hydration at failover would abort",
        bad.len(),
        kernels.len()
    ))
    .code(problems[0].0);
    Ok(with_problems(f, Status::Fail, problems)
        .details(details)
        .fix(fix))
}

/// The command that rebuilds one kernel's initramfs with the Hyper-V drivers.
fn rebuild_cmd(ctx: &Context<'_>, k: &InstalledKernel) -> String {
    let h = ctx.facts.hydration();
    let image = k
        .initramfs
        .as_ref()
        .map(|(p, _)| p.clone())
        .unwrap_or_else(|| format!("/boot/initramfs-{}.img", k.release));
    if h.tool("dracut").is_some() {
        format!(
            "echo 'add_drivers+=\" hv_vmbus hv_netvsc hv_storvsc \"' > /etc/dracut.conf.d/azure.conf && dracut -f {image} {}",
            k.release
        )
    } else if h.tool("update-initramfs").is_some() || h.initramfs_tools.is_some() {
        format!(
            "printf 'hv_vmbus\\nhv_storvsc\\nhv_netvsc\\n' >> /etc/initramfs-tools/modules && update-initramfs -u -k {}",
            k.release
        )
    } else if ctx.facts.os().family == Family::Suse {
        format!(
            "add hv_vmbus hv_storvsc hv_netvsc to INITRD_MODULES in /etc/sysconfig/kernel, then `mkinitrd -k /boot/vmlinuz-{0} -i {image}`",
            k.release
        )
    } else {
        format!(
            "mkinitrd --with=hv_vmbus --with=hv_storvsc --with=hv_netvsc -f {image} {}",
            k.release
        )
    }
}

/// What the initramfs images of the installed kernels showed, kernel by kernel.
#[derive(Default)]
struct ImageSurvey {
    details: Vec<String>,
    /// Images that could not be read or unpacked.
    errors: Vec<String>,
    /// Kernels that load the drivers as modules and have no image.
    no_image: Vec<String>,
    /// A rebuild command for each image that lacks drivers.
    fixes: Vec<String>,
    /// Each kernel's problem: its status, code and line.
    problems: Vec<(Status, &'static str, String)>,
}

impl ImageSurvey {
    fn has(&self, code: &str) -> bool {
        self.problems.iter().any(|p| p.1 == code)
    }
}

/// Where an image was read and how far, for its detail line.
fn image_line(name: &str, img: &InitramfsFacts, c: &Contents) -> String {
    if c.stopped_early {
        format!(
            "{name}: {} ({}; read up to entry {}, where every driver needed had been seen)",
            img.path, c.segments, c.entries
        )
    } else {
        format!(
            "{name}: {} ({}; {} entries)",
            img.path, c.segments, c.entries
        )
    }
}

/// Looks into one kernel's initramfs for the drivers the kernel does not have built in.
fn survey_image(
    ctx: &Context<'_>,
    k: &InstalledKernel,
    images: &[InitramfsFacts],
    s: &mut ImageSurvey,
) {
    let name = tag(ctx, k);
    let needed: Vec<&str> = HYPERV_DRIVERS
        .iter()
        .copied()
        .filter(|d| !k.driver(d).is_some_and(|x| x.builtin))
        .collect();
    let Some(img) = images.iter().find(|i| i.release == k.release) else {
        if needed.is_empty() {
            s.details.push(format!(
                "{name}: no initramfs, and the drivers are built in"
            ));
        } else {
            s.no_image.push(k.release.clone());
            let line = format!(
                "{name}: no initramfs found (/boot/initramfs-{0}.img, initrd-{0}, initrd.img-{0})",
                k.release
            );
            s.problems
                .push((Status::Warn, "no-initramfs", line.clone()));
            s.details.push(line);
        }
        return;
    };
    let c: &Contents = match &img.contents {
        Ok(c) => c,
        Err(e) => {
            s.errors.push(format!("{name}: {e}"));
            return;
        }
    };
    let absent: Vec<&str> = needed.iter().copied().filter(|d| !c.has(d)).collect();
    let mut line = image_line(&name, img, c);
    if absent.is_empty() {
        line.push_str(": drivers present");
    } else {
        line.push_str(&format!(": missing {}", absent.join(", ")));
        let missing = format!("{name}: {} lacks {}", img.path, absent.join(", "));
        if Some(k.release.as_str()) == default_release(ctx) {
            s.problems
                .push((Status::Fail, "boot-kernel-lacks-drivers", missing));
        } else {
            s.problems
                .push((Status::Warn, "other-kernel-lacks-drivers", missing));
        }
        s.fixes.push(rebuild_cmd(ctx, k));
    }
    if !c.module_releases.is_empty() && !c.module_releases.contains(&k.release) {
        line.push_str(&format!(
            "; its modules are for {}, not this kernel",
            c.module_releases.join(", ")
        ));
    }
    s.details.push(line);
}

/// Images that could not be read make the whole check an error: what they lack is unknown.
fn unreadable_images(errors: Vec<String>, details: Vec<String>) -> Finding {
    let f = Finding::error(format!(
        "{} initramfs image(s) could not be read",
        errors.len()
    ))
    .code("cannot-read-image");
    errors
        .iter()
        .fold(f, |f, e| {
            f.problem(Status::Error, "cannot-read-image", e.clone())
        })
        .details(errors)
        .details(details)
}

/// The finding once every image was read: the worst problem states the summary.
fn judge_images(s: ImageSurvey, kernels: usize) -> Finding {
    let finding = if s.has("boot-kernel-lacks-drivers") {
        Finding::fail(
            "the initramfs of the kernel that boots lacks Hyper-V drivers: the failed-over VM would not find its root disk",
        )
        .code("boot-kernel-lacks-drivers")
    } else if s.has("other-kernel-lacks-drivers") {
        Finding::warn("the initramfs of another installed kernel lacks Hyper-V drivers")
            .code("other-kernel-lacks-drivers")
    } else if !s.no_image.is_empty() {
        Finding::warn(format!(
            "no initramfs for {}: that kernel cannot boot in Azure",
            s.no_image.join(", ")
        ))
        .code("no-initramfs")
    } else {
        return Finding::pass(format!(
            "every initramfs of the {kernels} installed kernels holds hv_vmbus, hv_storvsc and hv_netvsc"
        ))
        .details(s.details);
    };
    let finding = s
        .problems
        .into_iter()
        .fold(finding, |f, (status, code, text)| {
            f.problem(status, code, text)
        })
        .details(s.details);
    if s.fixes.is_empty() {
        return finding.fix("Build an initramfs for each kernel that should stay installed (`dracut -f --kver RELEASE` or `update-initramfs -c -k RELEASE`), or remove the kernel.");
    }
    finding.fix(format!(
        "Rebuild with the Hyper-V drivers: {}",
        s.fixes
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

fn check_initramfs_drivers(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let inv = ctx.facts.kernel_inventory();
    let kernels: Vec<&InstalledKernel> = inv.installed().collect();
    if kernels.is_empty() {
        return Ok(no_kernels(ctx));
    }
    let images = ctx.facts.initramfs();
    let mut survey = ImageSurvey::default();
    for k in &kernels {
        survey_image(ctx, k, images, &mut survey);
    }
    survey
        .details
        .extend(inv.errors.iter().map(ToString::to_string));
    if !survey.errors.is_empty() {
        return Ok(unreadable_images(survey.errors, survey.details));
    }
    Ok(judge_images(survey, kernels.len()))
}

/// What the initramfs generators' configuration showed.
#[derive(Default)]
struct GeneratorSurvey {
    /// Each setting that would drop a driver: its code and line.
    problems: Vec<(&'static str, String)>,
    details: Vec<String>,
    fixes: Vec<String>,
}

/// The Hyper-V drivers for which `given` is false.
fn hyperv_drivers_not(given: impl Fn(&str) -> bool) -> Vec<&'static str> {
    HYPERV_DRIVERS
        .iter()
        .copied()
        .filter(|m| !given(m))
        .collect()
}

/// dracut: hostonly="yes" without the drivers in add_drivers, and drivers in omit_drivers.
fn survey_dracut(d: &DracutConfig, s: &mut GeneratorSurvey) {
    s.details.push(format!(
        "dracut configuration: {}",
        if d.files.is_empty() {
            "no files (defaults)".to_string()
        } else {
            d.files.join(", ")
        }
    ));
    let not_added = hyperv_drivers_not(|m| d.added.iter().any(|(a, _)| a == m));
    match &d.hostonly {
        Some(hst) if hst.value == "yes" && not_added.is_empty() => s.details.push(format!(
            "hostonly=\"yes\" ({}), and the Hyper-V drivers are added explicitly",
            hst.at
        )),
        Some(hst) if hst.value == "yes" => {
            s.problems.push((
                "hostonly-without-drivers",
                format!(
                    "dracut hostonly=\"yes\" ({}) without {} in add_drivers",
                    hst.at,
                    not_added.join(", ")
                ),
            ));
            s.fixes.push("echo 'add_drivers+=\" hv_vmbus hv_netvsc hv_storvsc \"' > /etc/dracut.conf.d/azure.conf && dracut -f --regenerate-all".to_string());
        }
        Some(hst) => s
            .details
            .push(format!("hostonly=\"{}\" ({})", hst.value, hst.at)),
        None => s
            .details
            .push("hostonly not set (dracut's default builds generic images)".into()),
    }
    for (m, at) in &d.omitted {
        if HYPERV_DRIVERS.contains(&m.as_str()) {
            s.problems.push((
                "omitted-driver",
                format!("dracut omit_drivers leaves out {m} ({at})"),
            ));
            s.fixes.push(format!("remove {m} from omit_drivers ({at})"));
        }
    }
}

/// initramfs-tools: MODULES=dep without the drivers in /etc/initramfs-tools/modules.
fn survey_initramfs_tools(t: &InitramfsToolsConfig, s: &mut GeneratorSurvey) {
    let not_listed = hyperv_drivers_not(|m| t.listed.iter().any(|l| l == m));
    match &t.modules {
        Some(m) if m.value == "dep" && not_listed.is_empty() => s.details.push(format!(
            "initramfs-tools MODULES=dep ({}), and the Hyper-V drivers are listed in /etc/initramfs-tools/modules",
            m.at
        )),
        Some(m) if m.value == "dep" => {
            s.problems.push((
                "modules-dep-without-drivers",
                format!(
                    "initramfs-tools MODULES=dep ({}) without {} in /etc/initramfs-tools/modules",
                    m.at,
                    not_listed.join(", ")
                ),
            ));
            s.fixes.push("printf 'hv_vmbus\\nhv_storvsc\\nhv_netvsc\\n' >> /etc/initramfs-tools/modules && update-initramfs -u -k all".to_string());
        }
        Some(m) => s
            .details
            .push(format!("initramfs-tools MODULES={} ({})", m.value, m.at)),
        None => s
            .details
            .push("initramfs-tools MODULES not set (default: most)".into()),
    }
}

fn check_dracut_hostonly(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let h = ctx.facts.hydration();
    if h.dracut.is_none() && h.initramfs_tools.is_none() {
        return Ok(Finding::skip(
            "neither dracut nor initramfs-tools is installed or configured (mkinitrd builds complete images)",
        ));
    }
    let mut s = GeneratorSurvey::default();
    if let Some(d) = &h.dracut {
        survey_dracut(d, &mut s);
    }
    if let Some(t) = &h.initramfs_tools {
        survey_initramfs_tools(t, &mut s);
    }
    s.details.extend(h.errors.iter().map(ToString::to_string));
    if s.problems.is_empty() {
        return Ok(Finding::pass(
            "the initramfs generator is not limited to this machine's current drivers",
        )
        .details(s.details));
    }
    let texts: Vec<&str> = s.problems.iter().map(|p| p.1.as_str()).collect();
    let f = Finding::warn(format!(
        "the next initramfs rebuild would drop the Hyper-V drivers: {}",
        texts.join("; ")
    ))
    .code(s.problems[0].0);
    Ok(with_problems(f, Status::Warn, s.problems)
        .details(s.details)
        .fix(format!("`{}`", s.fixes.join("`; `"))))
}

/// What hydration runs on this distribution: each requirement's code, what it is, and the
/// programs that satisfy it.
fn hydration_needs(ctx: &Context<'_>) -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let debian = ctx.facts.os().family == Family::Debian;
    let mut needs = vec![
        (
            "no-initramfs-builder",
            "initramfs builder",
            if debian {
                vec!["dracut", "mkinitrd", "update-initramfs", "mkinitramfs"]
            } else {
                vec!["dracut", "mkinitrd"]
            },
        ),
        (
            "no-initramfs-lister",
            "initramfs lister",
            if debian {
                vec!["lsinitrd", "lsinitramfs"]
            } else {
                vec!["lsinitrd"]
            },
        ),
        ("no-modinfo", "module information", vec!["modinfo"]),
        (
            "no-dhcp-client",
            "DHCP client",
            if ctx.facts.os().family == Family::Suse {
                // SLES 15 configures DHCP through wicked (the agent's own check accepts it).
                vec!["dhclient", "dhcpcd", "wicked"]
            } else {
                vec!["dhclient", "dhcpcd"]
            },
        ),
    ];
    if ctx.facts.services().init.system == InitSystem::Systemd {
        needs.push((
            "no-systemctl",
            "service manager (systemd)",
            vec!["systemctl"],
        ));
    }
    needs
}

/// The command that installs the hydration programs on this family.
fn install_tools_cmd(family: Family) -> &'static str {
    match family {
        Family::Rhel => "yum install dracut kmod dhclient",
        Family::Suse => "zypper install dracut kmod dhcp-client",
        Family::Debian => "apt-get install initramfs-tools kmod isc-dhcp-client",
        Family::Other => {
            "dracut kmod dhclient (package names vary: dracut, kmod for modinfo, a DHCP client)"
        }
    }
}

fn check_hydration_tools(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let h = ctx.facts.hydration();
    let init = ctx.facts.services().init.system;
    let mut missing = Vec::new();
    let mut problems = Vec::new();
    let mut details = Vec::new();
    for (code, what, progs) in hydration_needs(ctx) {
        match progs.iter().find_map(|p| h.tool(p)) {
            Some(path) => details.push(format!("{what}: {path}")),
            None => {
                missing.push(progs.join(" or "));
                let line = format!(
                    "{what}: none of {} in /usr/sbin, /sbin, /usr/bin, /bin",
                    progs.join(", ")
                );
                problems.push((code, line.clone()));
                details.push(line);
            }
        }
    }
    details.push(format!(
        "init system: {} ({})",
        init.as_str(),
        ctx.facts.services().init.evidence
    ));
    details.extend(h.errors.iter().map(ToString::to_string));
    if missing.is_empty() {
        return Ok(Finding::pass("every program hydration runs is installed").details(details));
    }
    let f = Finding::fail(format!(
        "hydration at failover would abort: missing {}",
        missing.join("; ")
    ))
    .code(problems[0].0);
    Ok(with_problems(f, Status::Fail, problems)
        .details(details)
        .fix(format!(
            "Install the missing programs: `{}`.",
            install_tools_cmd(ctx.facts.os().family)
        )))
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

/// One detail line per /boot/initr* image with its size.
fn image_sizes(inv: &KernelInventory) -> Vec<String> {
    inv.initrd_images
        .iter()
        .map(|i| match &i.link_to {
            Some(t) => format!(
                "{} -> {t}: {} (a link: copying follows it)",
                i.path,
                mib(i.size)
            ),
            None => format!("{}: {}", i.path, mib(i.size)),
        })
        .collect()
}

/// Free bytes in /boot and on /, and whether they are one file system; the error finding
/// when they cannot be measured.
fn free_space(ctx: &Context<'_>, details: &[String]) -> Result<(u64, u64, bool), Box<Finding>> {
    let (Some(boot), Some(root)) = (ctx.facts.boot_space(), ctx.facts.root_space()) else {
        return Err(Box::new(
            Finding::error("free space could not be measured (no probe of the running system)")
                .code("cannot-measure"),
        ));
    };
    let avail = |s: &SpaceAt| {
        s.space
            .as_ref()
            .map(|f| f.available_bytes())
            .map_err(|e| e.clone())
    };
    let (b, r) = match (avail(boot), avail(root)) {
        (Ok(b), Ok(r)) => (b, r),
        (Err(e), _) | (_, Err(e)) => {
            return Err(Box::new(
                Finding::error(format!("statvfs failed: {e}"))
                    .code("cannot-measure")
                    .details(details.to_vec()),
            ));
        }
    };
    let same_fs = match (&boot.mount, &root.mount) {
        (Some(bm), Some(rm)) => bm.mount_point == rm.mount_point,
        _ => boot.measured == root.measured,
    };
    Ok((b, r, same_fs))
}

/// Where the copies of `total` bytes of images (and, on one file system, the largest image
/// rebuilt beside them) do not fit: each shortfall's code and line.
fn space_shortfalls(
    (b, r, same_fs): (u64, u64, bool),
    total: u64,
    largest: u64,
    details: &mut Vec<String>,
) -> Vec<(&'static str, String)> {
    let mut short = Vec::new();
    if same_fs {
        // Copies and the image being rebuilt share one file system.
        let need = total + largest;
        details.push(format!(
            "/boot is on the / file system: {} free, {} needed (copies of all images plus the largest rebuilt one)",
            mib(r),
            mib(need)
        ));
        if r < need {
            short.push((
                "not-enough-space-root",
                format!("/ (holding /boot) has {} free, needs {}", mib(r), mib(need)),
            ));
        }
        return short;
    }
    details.push(format!(
        "/boot: {} free; /: {} free; each needs {}",
        mib(b),
        mib(r),
        mib(total)
    ));
    if b < total {
        short.push((
            "not-enough-space-boot",
            format!("/boot has {} free, needs {}", mib(b), mib(total)),
        ));
    }
    if r < total {
        short.push((
            "not-enough-space-root",
            format!("/ has {} free, needs {}", mib(r), mib(total)),
        ));
    }
    short
}

fn check_initrd_space(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let inv = ctx.facts.kernel_inventory();
    let total = inv.initrd_total();
    let largest = inv.initrd_images.iter().map(|i| i.size).max().unwrap_or(0);
    let mut details = image_sizes(inv);
    details.extend(inv.errors.iter().map(ToString::to_string));
    if inv.initrd_images.is_empty() {
        return Ok(
            Finding::pass("no /boot/initr* images: nothing to copy or rebuild").details(details),
        );
    }
    let count = inv.initrd_images.len();
    if !ctx.facts.is_live() {
        return Ok(Finding::skip(format!(
            "free space is known only on the running system; the agent needs {} free in /boot and on / for {count} initramfs images",
            mib(total)
        ))
        .details(details));
    }
    let free = match free_space(ctx, &details) {
        Ok(free) => free,
        Err(f) => return Ok(*f),
    };
    let short = space_shortfalls(free, total, largest, &mut details);
    if short.is_empty() {
        return Ok(Finding::pass(format!(
            "room for copies of the {count} initramfs images ({} in all)",
            mib(total)
        ))
        .details(details));
    }
    let removable = removal_cmds(ctx, inv.installed().map(|k| k.release.as_str()));
    let mut fix =
        "Free space in /boot and on / (package caches, logs), or grow the file systems".to_string();
    if !removable.is_empty() {
        fix.push_str(&format!(
            "; kernels other than the one in use can go with their images: {}",
            removable.join(", ")
        ));
    }
    fix.push('.');
    let texts: Vec<&str> = short.iter().map(|s| s.1.as_str()).collect();
    let f = Finding::fail(format!(
        "not enough room to back up and rebuild the initramfs images ({}): {}",
        mib(total),
        texts.join("; ")
    ))
    .code(short[0].0);
    Ok(with_problems(f, Status::Fail, short)
        .details(details)
        .fix(fix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::probe::{FakeProbe, FsSpace};
    use std::path::PathBuf;

    const MIB: u64 = 1 << 20;

    /// A root whose /boot holds two images of 30 and 20 MiB (sparse files), optionally with a
    /// captured mount table that puts /boot on the / file system; statvfs answers with the
    /// given free MiB for / and /boot.
    fn judge(root_free: u64, boot_free: u64, one_fs: bool) -> (Status, String) {
        let dir = tempfile::tempdir().unwrap();
        let boot = dir.path().join("boot");
        std::fs::create_dir_all(&boot).unwrap();
        for (name, size) in [
            ("initramfs-5.14.0-70.el9.x86_64.img", 30),
            ("initramfs-5.14.0-162.el9.x86_64.img", 20),
        ] {
            std::fs::File::create(boot.join(name))
                .unwrap()
                .set_len(size * MIB)
                .unwrap();
        }
        std::fs::write(boot.join("vmlinuz-5.14.0-70.el9.x86_64"), "k").unwrap();
        std::fs::write(boot.join("vmlinuz-5.14.0-162.el9.x86_64"), "k").unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/os-release"),
            "ID=\"rhel\"\nVERSION_ID=\"9.0\"\n",
        )
        .unwrap();
        let mut table = "22 1 8:1 / / rw,relatime shared:1 - xfs /dev/sda2 rw\n".to_string();
        if !one_fs {
            table.push_str("40 22 8:1 / /boot rw,relatime shared:2 - xfs /dev/sda1 rw\n");
        }
        std::fs::create_dir_all(dir.path().join("proc/self")).unwrap();
        std::fs::write(dir.path().join("proc/self/mountinfo"), table).unwrap();
        let space = |mib: u64| FsSpace {
            fragment_size: 4096,
            blocks: 1 << 30,
            blocks_free: mib * 256 + 10,
            blocks_available: mib * 256,
        };
        let mut probe = FakeProbe::new("5.14.0-70.el9.x86_64", "h");
        probe.space.push((PathBuf::from("/"), space(root_free)));
        probe.space.push((PathBuf::from("/boot"), space(boot_free)));
        let f = crate::checks::report_on(
            dir.path(),
            Some(probe),
            Scenario::VmwareToAzure,
            "asr-2026",
            check_initrd_space,
        );
        (
            f.status,
            format!("{} {:?} {:?}", f.summary, f.details, f.remediation),
        )
    }

    /// Separate /boot: each file system needs the 50 MiB total; one MiB short on either
    /// fails and says which. On one file system the need is the total plus the largest image.
    #[test]
    fn initrd_space_thresholds() {
        assert_eq!(judge(50, 50, false).0, Status::Pass);
        let (s, text) = judge(50, 49, false);
        assert_eq!(s, Status::Fail);
        assert!(
            text.contains("/boot has 49.0 MiB free, needs 50.0 MiB"),
            "{text}"
        );
        assert!(
            text.contains("yum remove kernel-5.14.0-162.el9.x86_64") || text.contains("Free space"),
            "{text}"
        );
        let (s, text) = judge(49, 50, false);
        assert_eq!(s, Status::Fail);
        assert!(text.contains("/ has 49.0 MiB free"), "{text}");
        assert_eq!(judge(80, 0, true).0, Status::Pass);
        let (s, text) = judge(79, 1000, true);
        assert_eq!(s, Status::Fail, "{text}");
        assert!(text.contains("needs 80.0 MiB"), "{text}");
    }
}
