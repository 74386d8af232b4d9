//! failover.dracut-hostonly and failover.hydration-tools: what the hydration of the disk at
//! failover needs from the initramfs generator's configuration and the installed programs.

use super::with_problems;
use crate::checks::{Context, Finding, Status};
use crate::facts::FactError;
use crate::facts::hydration::{DracutConfig, InitramfsToolsConfig};
use crate::facts::kernel_inventory::HYPERV_DRIVERS;
use crate::facts::os::Family;
use crate::facts::services::InitSystem;
use crate::facts::services::commands::{self, Release, Software};

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

pub(super) fn check_dracut_hostonly(ctx: &Context<'_>) -> Result<Finding, FactError> {
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

pub(super) fn check_hydration_tools(ctx: &Context<'_>) -> Result<Finding, FactError> {
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
            commands::install(Software::HydrationTools, &Release::of(ctx.facts.os(), init),)
        )))
}
