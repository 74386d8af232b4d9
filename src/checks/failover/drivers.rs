//! failover.hyperv-drivers and failover.initramfs-drivers: the Hyper-V drivers an Azure VM
//! boots with, in every installed kernel and inside every initramfs.

use super::{default_release, no_kernels, removal_cmds, tag, with_problems};
use crate::checks::{Context, Finding, Status};
use crate::facts::FactError;
use crate::facts::initramfs::{Contents, InitramfsFacts};
use crate::facts::kernel_inventory::{HYPERV_DRIVERS, InstalledKernel};
use crate::facts::os::Family;

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

pub(super) fn check_hyperv_drivers(ctx: &Context<'_>) -> Result<Finding, FactError> {
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

pub(super) fn check_initramfs_drivers(ctx: &Context<'_>) -> Result<Finding, FactError> {
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
