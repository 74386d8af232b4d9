//! Kernel checks beyond the one that runs: every installed kernel against the support matrix
//! (a routine update plus a reboot makes any of them the running one), and the running or
//! default-boot kernel's module directory, which the agent's installer looks for.

use super::{Applies, CheckDef, Code, Context, Doc, Finding};
use crate::facts::FactError;
use crate::facts::kernel_inventory::InstalledKernel;
use crate::facts::os::Family;
use crate::facts::services::commands;
use crate::matrix::lookup::{KernelVerdict, OsVerdict};
use crate::parse::kernel_release::flavor;
use crate::scenario::Scenario;

/// Scenarios in which the Mobility service (and its kernel filter driver) runs in the guest.
pub const AGENT_SCENARIOS: &[Scenario] = &[
    Scenario::VmwareToAzure,
    Scenario::PhysicalToAzure,
    Scenario::AzureToAzure,
];

const MATRIX_REF: &str = "reference/asr-errors.md section 3 (\"Default-boot / installed kernels supported, not only the running one\") and section 2 item 2; reference/asr-matrix.md sections 3 and 4 (KernelSupported)";

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "kernel.installed-supported",
        title: "Every installed kernel is supported",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "Each kernel installed on the machine, not only the one running today or booted by default, should be a kernel the support matrix accepts for the distribution release.",
            why: "The replication filter driver exists only for supported kernels. After a routine package update and reboot, any installed kernel can become the running one; if the agent does not support it, the driver is not loaded and replication stops without an error on the machine (the portal shows the data tracking module as not loaded). At failover, hydration also walks every installed kernel.",
            fix: "Remove installed kernels the matrix does not list (`yum remove kernel-VERSION`, `zypper rm kernel-default-VERSION`, `apt-get purge linux-image-VERSION`), or hold kernel updates until the Mobility service supports them (`exclude=kernel*` in /etc/yum.conf, `zypper addlock kernel-default`, `apt-mark hold`).",
            reference: MATRIX_REF,
            prevents: &[
                "ASRMobilityServiceKernelNotSupported",
                "installer exit 208",
                "data tracking module not loaded",
            ],
        },
        codes: &[
            Code::error(
                "no-kernel",
                "no installed kernel was found in /boot or /lib/modules",
            ),
            Code::warn(
                "unsupported-installed",
                "an installed kernel is not accepted by the matrix and could become the default",
            ),
            Code::warn(
                "verify",
                "an installed kernel's exact build must be checked against the kernel tables",
            ),
        ],
        run: check_installed_supported,
    },
    CheckDef {
        id: "kernel.modules-dir",
        title: "Module directory of the running kernel exists",
        applies: Applies::Only(AGENT_SCENARIOS),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The running kernel (for an image: the kernel it boots by default) must have its module directory, /lib/modules/RELEASE with the kernel's own modules in it.",
            why: "The agent's installer refuses to install when /lib/modules/$(uname -r) is missing (it looks for its drivers/char directory), which happens after the running kernel's package was removed or when the machine boots a kernel that was never installed as a package. Hydration at failover runs modinfo against each kernel's modules too.",
            fix: "Reinstall the package of the running kernel (`yum reinstall kernel-$(uname -r)`, `zypper in -f kernel-default`, `apt-get install --reinstall linux-image-$(uname -r)`), or reboot into a kernel whose package is installed.",
            reference: "reference/asr-errors.md section 1a (other installer refusals) and section 3 (\"/lib/modules/$(uname -r) exists\"); reference/asr-matrix.md section 4 (KernelDirectoryExists)",
            prevents: &[
                "KernelDirectoryNotExist",
                "installer refusal: /lib/modules/`uname -r` missing",
            ],
        },
        codes: &[
            Code::error(
                "kernel-unknown",
                "the running or default kernel could not be determined",
            ),
            Code::fail(
                "no-module-tree",
                "the kernel's /lib/modules directory has no kernel/ directory",
            ),
            Code::fail(
                "missing",
                "the kernel's /lib/modules directory does not exist",
            ),
        ],
        run: check_modules_dir,
    },
];

/// How to remove an installed kernel on this distribution.
pub fn remove_kernel_cmd(family: Family, release: &str) -> String {
    match family {
        Family::Rhel => format!("yum remove kernel-{release}"),
        Family::Suse => {
            let base = release
                .rsplit_once('-')
                .map(|(v, f)| format!("kernel-{f}-{v}"))
                .unwrap_or_else(|| format!("kernel-default-{release}"));
            format!("zypper rm {base}")
        }
        Family::Debian => format!("apt-get purge linux-image-{release}"),
        Family::Other => {
            format!("remove the package that installed /boot/vmlinuz-{release}")
        }
    }
}

fn label(k: &InstalledKernel, default: Option<&str>, live: bool) -> String {
    if Some(k.release.as_str()) == default {
        format!(
            "{} ({})",
            k.release,
            if live { "running" } else { "default boot" }
        )
    } else {
        k.release.clone()
    }
}

/// The matrix row whose kernel rules apply; the skip finding when there is none.
fn kernel_rules_row(ctx: &Context<'_>, id: &str, ver: &str) -> Result<usize, Box<Finding>> {
    match ctx.matrix.os_verdict(ctx.scenario, id, ver) {
        OsVerdict::Listed(row, _) => Ok(row),
        OsVerdict::NotListed(_) => Err(Box::new(Finding::skip(format!(
            "{id} {ver} is not in the {} matrix, so it has no kernel rules (see os.supported)",
            ctx.matrix.name()
        )))),
        OsVerdict::AnyAzureSupported(_) | OsVerdict::NotCovered(_) => {
            Err(Box::new(Finding::skip(format!(
                "the {} matrix has no kernel rules for {}",
                ctx.matrix.name(),
                ctx.scenario.as_str()
            ))))
        }
    }
}

/// The installed kernels sorted by the matrix's verdict.
#[derive(Default)]
struct KernelSurvey<'a> {
    unsupported: Vec<&'a InstalledKernel>,
    /// Lines for kernels whose exact build must be checked by hand.
    verify: Vec<String>,
    /// Lines for kernels the matrix accepts.
    ok: Vec<String>,
}

fn survey_kernels<'a>(
    ctx: &Context<'_>,
    row: usize,
    kernels: &[&'a InstalledKernel],
) -> KernelSurvey<'a> {
    let default = ctx.facts.kernel().release.as_deref();
    let live = ctx.facts.is_live();
    let mut s = KernelSurvey::default();
    for k in kernels {
        let fl = flavor(&k.release);
        let shown = label(k, default, live);
        match ctx.matrix.kernel_verdict(row, &k.release, fl.as_deref()) {
            KernelVerdict::NoConstraint => {
                s.ok.push(format!("{shown}: no kernel constraint in the matrix"))
            }
            KernelVerdict::Supported(rule) => s.ok.push(format!("{shown}: {}", rule.description)),
            KernelVerdict::Verify(rule) => s.verify.push(format!(
                "{shown}: series supported, exact build to verify ({})",
                rule.description
            )),
            KernelVerdict::Newer(_, newest) => s.verify.push(format!(
                "{shown}: newer than the matrix of {} lists (newest listed: {newest}); check the current matrix",
                ctx.matrix.data.os[row].ms_date.as_deref().unwrap_or("its source")
            )),
            KernelVerdict::Unsupported(_) => s.unsupported.push(k),
        }
    }
    s
}

/// The detail lines: unsupported kernels first, then those to verify, the accepted ones and
/// the leftover module directories.
fn kernel_details(ctx: &Context<'_>, s: &KernelSurvey<'_>, id: &str, ver: &str) -> Vec<String> {
    let default = ctx.facts.kernel().release.as_deref();
    let live = ctx.facts.is_live();
    let mut details: Vec<String> = Vec::new();
    for k in &s.unsupported {
        details.push(format!(
            "{}: not accepted for {id} {ver} by the {} matrix",
            label(k, default, live),
            ctx.matrix.name()
        ));
    }
    details.extend(s.verify.iter().cloned());
    details.extend(s.ok.iter().cloned());
    for l in ctx.facts.kernel_inventory().leftovers() {
        details.push(format!(
            "/lib/modules/{}: leftover directory without kernel image or modules (ignored)",
            l.release
        ));
    }
    details
}

/// Removing the unsupported kernels other than the default; the default itself needs a new
/// kernel.
fn unsupported_fix(ctx: &Context<'_>, unsupported: &[&InstalledKernel]) -> String {
    let default = ctx.facts.kernel().release.as_deref();
    let cmds: Vec<String> = unsupported
        .iter()
        .filter(|k| Some(k.release.as_str()) != default)
        .map(|k| remove_kernel_cmd(ctx.facts.os().family, &k.release))
        .collect();
    if cmds.is_empty() {
        "The default kernel itself is unsupported (see os.kernel): install a supported kernel and make it the default.".to_string()
    } else {
        format!(
            "Remove the unsupported kernels ({}) or keep them from becoming the default: the next update and reboot would stop replication.",
            cmds.join("; ")
        )
    }
}

fn check_installed_supported(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let inv = ctx.facts.kernel_inventory();
    let os = ctx.facts.os();
    let (Some(id), Some(ver)) = (&os.id, &os.version) else {
        return Ok(Finding::skip(
            "the distribution is unknown, so no kernel rule applies (see os.supported)",
        ));
    };
    let row = match kernel_rules_row(ctx, id, ver) {
        Ok(row) => row,
        Err(skip) => return Ok(*skip),
    };
    let kernels: Vec<&InstalledKernel> = inv.installed().collect();
    if kernels.is_empty() {
        return Ok(Finding::error(
            "no installed kernel found: /boot has no vmlinuz-* and /lib/modules no module tree",
        )
        .code("no-kernel")
        .details(inv.errors.clone()));
    }
    let s = survey_kernels(ctx, row, &kernels);
    let details = kernel_details(ctx, &s, id, ver);
    if !s.unsupported.is_empty() {
        return Ok(Finding::warn(format!(
            "{} of {} installed kernels are not supported by the {} matrix",
            s.unsupported.len(),
            kernels.len(),
            ctx.matrix.name()
        ))
        .code("unsupported-installed")
        .details(details)
        .fix(unsupported_fix(ctx, &s.unsupported)));
    }
    if !s.verify.is_empty() {
        return Ok(Finding::warn(format!(
            "{} of {} installed kernels need their exact build checked against the kernel tables",
            s.verify.len(),
            kernels.len()
        ))
        .code("verify")
        .details(details)
        .fix("Compare these kernels with the Mobility service version's kernel table in the Site Recovery support matrix."));
    }
    Ok(Finding::pass(format!(
        "all {} installed kernels are accepted by the {} matrix",
        kernels.len(),
        ctx.matrix.name()
    ))
    .details(details))
}

fn check_modules_dir(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let k = ctx.facts.kernel();
    let Some(release) = &k.release else {
        return Ok(
            Finding::error("could not determine the running or default kernel")
                .code("kernel-unknown")
                .detail(k.source.clone())
                .details(k.errors.clone()),
        );
    };
    let inv = ctx.facts.kernel_inventory();
    let dir = format!("/lib/modules/{release}");
    let source = format!("kernel from {}", k.source);
    match inv.get(release) {
        Some(ik) if ik.module_tree => {
            Ok(Finding::pass(format!("{dir} holds the kernel's modules")).detail(source))
        }
        Some(ik) if ik.modules_dir => Ok(Finding::fail(format!(
            "{dir} exists but has no kernel/ directory: the kernel's own modules are gone"
        ))
        .code("no-module-tree")
        .detail(source)
        .fix(reinstall_cmd(ctx, release))),
        _ => Ok(Finding::fail(format!("{dir} does not exist"))
            .code("missing")
            .detail(source)
            .details(inv.errors.clone())
            .fix(reinstall_cmd(ctx, release))),
    }
}

fn reinstall_cmd(ctx: &Context<'_>, release: &str) -> String {
    let cmd = commands::reinstall_kernel(ctx.facts.os().family, release);
    format!(
        "Reinstall the kernel's package (`{cmd}`), or boot a kernel whose package is installed."
    )
}
