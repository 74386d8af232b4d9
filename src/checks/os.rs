//! Operating system checks: a 64-bit machine, a distribution and version the support matrix
//! lists for the scenario, and a kernel the matrix row accepts.

use super::{Applies, CheckDef, Code, Context, Doc, Finding};
use crate::facts::FactError;
use crate::matrix::LoadedMatrix;
use crate::matrix::lookup::{KernelVerdict, OsVerdict};
use crate::matrix::model::OsEntry;
use crate::scenario::Scenario;

const SEED_LINUX_ROW: &str = "seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"Linux machines (physical or VMware)\"; newer facts: reference/asr-matrix.md sections 1-4";

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "os.arch",
        title: "64-bit operating system",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The protected Linux machine must run a 64-bit (x86_64) operating system; 32-bit installations cannot be protected.",
            why: "The Mobility service and its kernel filter driver are built for x86_64 only; the installer stops when `uname -m` is anything else.",
            fix: "Reinstall the machine with the 64-bit edition of a supported distribution; an in-place change from 32-bit to 64-bit is not possible.",
            reference: SEED_LINUX_ROW,
            prevents: &["installer refusal: machine is not x86_64 (agent OS_details.sh)"],
        },
        codes: &[
            Code::fail("unsupported-arch", "the machine is not x86_64"),
            Code::error("cannot-read", "the architecture could not be determined"),
        ],
        run: check_arch,
    },
    CheckDef {
        id: "os.supported",
        title: "Distribution and version in the support matrix",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The distribution and its release (major.minor) must be one the support matrix lists for the chosen scenario. The 2016 seed lists RHEL 6.7, 7.1 and 7.2; CentOS 6.5 to 6.7 and 7.0 to 7.2; Oracle Linux 6.4 and 6.5; SLES 11 SP3. For the Hyper-V scenarios it defers to Azure's own list of supported guests. With `--matrix asr-2026` the 2026 documents judge instead: VMW-2026 (ms.date 2026-04-06) for VMware and physical machines, A2A-2026b (2026-02-27) for Azure-to-Azure, HV-2026 (2026-09-11) for Hyper-V. The report names the matrix, and a listed release names the document and ms.date of its row.",
            why: "The Mobility service ships a filter driver per distribution release; on a release it does not know, installation is refused or replication never starts.",
            fix: "Move the machine to a listed release, or run with `--matrix asr-2026` to judge it against the newer published matrix, which lists many more releases.",
            reference: SEED_LINUX_ROW,
            prevents: &[
                "installer refusal: operating system not supported (agent OS_details.sh)",
                "170010 (failover hydration aborts on an unsupported operating system)",
            ],
        },
        codes: &[
            Code::error(
                "unknown-distribution",
                "the release files do not say which distribution this is",
            ),
            Code::error(
                "unknown-version",
                "the release files do not say which version",
            ),
            Code::fail("dropped", "the matrix no longer supports this release"),
            Code::warn(
                "derivative",
                "a distribution the matrix does not name, resembling a listed one by ID_LIKE",
            ),
            Code::fail(
                "not-listed",
                "the release is not in the matrix for the scenario",
            ),
        ],
        run: check_supported,
    },
    CheckDef {
        id: "os.kernel",
        title: "Kernel supported for the distribution",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The kernel the machine runs (or, for an image, boots by default) must be one the matrix accepts for that release. The 2016 seed accepts Oracle Linux 6.4 and 6.5 only on the Red Hat compatible kernel or UEK Release 3; the agent's own installer accepts RHEL 6 family kernels 2.6.32-71 to -754, and Oracle Linux 6 RHCK -358 to -754 or UEK 3.8.13 and 4.1.12.",
            why: "The replication filter driver is built against specific kernels; on any other kernel the installer stops (ASRMobilityServiceKernelNotSupported, exit 208) or the driver is not loaded after a kernel update, and replication silently stops.",
            fix: "Boot a supported kernel by default (install it and set it as the default boot entry, e.g. `grubby --set-default`), or move to a release whose kernel the matrix lists.",
            reference: SEED_LINUX_ROW,
            prevents: &[
                "ASRMobilityServiceKernelNotSupported",
                "installer exit 208",
                "data tracking module not loaded",
            ],
        },
        codes: &[
            Code::error("cannot-read", "the kernel release could not be determined"),
            Code::warn(
                "verify",
                "the kernel series is supported but the exact build must be verified",
            ),
            Code::warn(
                "newer",
                "the kernel is newer than the newest the matrix lists",
            ),
            Code::fail(
                "unsupported-kernel",
                "the kernel is not one the matrix accepts",
            ),
        ],
        run: check_kernel,
    },
];

fn check_arch(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let a = ctx.facts.arch();
    match &a.arch {
        Some(arch) if ctx.matrix.arch_allowed(arch) => {
            Ok(Finding::pass(format!("{arch} (from {})", a.source)))
        }
        Some(arch) => Ok(Finding::fail(format!("{arch} is not a supported architecture")).code("unsupported-arch")
            .detail(format!("read from {}", a.source))
            .detail(format!(
                "the {} matrix supports: {}",
                ctx.matrix.name(),
                ctx.matrix.data.arch.join(", ")
            ))
            .fix("Site Recovery protects 64-bit (x86_64) Linux only: reinstall with the 64-bit edition.")),
        None => Ok(Finding::error("could not determine the machine architecture").code("cannot-read")
            .detail(a.source.clone())
            .details(a.error.clone())),
    }
}

/// Describes the system for messages: `CentOS 6.5`.
fn describe_os(ctx: &Context<'_>) -> String {
    let os = ctx.facts.os();
    format!(
        "{} {}",
        os.id.as_deref().unwrap_or("unknown"),
        os.version.as_deref().unwrap_or("(version unknown)")
    )
}

/// Which other built-in matrices would accept this system (distribution and kernel).
fn accepted_elsewhere(ctx: &Context<'_>) -> Vec<String> {
    let os = ctx.facts.os();
    let kernel = ctx.facts.kernel();
    let (Some(id), Some(ver)) = (&os.id, &os.version) else {
        return Vec::new();
    };
    ctx.all_matrices
        .iter()
        .filter(|m| m.name() != ctx.matrix.name())
        .filter(|m| {
            accepts(
                m,
                ctx.scenario,
                id,
                ver,
                kernel.release.as_deref(),
                kernel.flavor.as_deref(),
            )
        })
        .map(|m| m.name().to_string())
        .collect()
}

fn accepts(
    m: &LoadedMatrix,
    scenario: Scenario,
    id: &str,
    ver: &str,
    release: Option<&str>,
    flavor: Option<&str>,
) -> bool {
    match m.os_verdict(scenario, id, ver) {
        OsVerdict::Listed(row, _) => match release {
            Some(r) => !matches!(
                m.kernel_verdict(row, r, flavor),
                KernelVerdict::Unsupported(_)
            ),
            None => true,
        },
        _ => false,
    }
}

fn with_elsewhere(mut f: Finding, ctx: &Context<'_>) -> Finding {
    let others = accepted_elsewhere(ctx);
    if others.is_empty() {
        f
    } else {
        // Said in the summary too: the first line a user reads should name the way out.
        f.summary = format!(
            "{}; the {} matrix accepts it (--matrix {})",
            f.summary, others[0], others[0]
        );
        f.detail(format!(
            "the {} matrix would accept this system (--matrix {})",
            others.join(", "),
            others[0]
        ))
    }
}

/// A release the matrix lists for this scenario.
fn listed(ctx: &Context<'_>, row: &OsEntry, source: String, ver: &str) -> Finding {
    let m = ctx.matrix;
    let f = Finding::pass(format!(
        "{} {ver} is listed for {} in {}",
        row.name,
        ctx.scenario.as_str(),
        m.name()
    ))
    .detail(source);
    let f = match row.provenance() {
        Some(p) => f.detail(format!("judged by the {} matrix, row from {p}", m.name())),
        None => f,
    };
    match &row.note {
        Some(n) => f.detail(format!("note: {n}")),
        None => f,
    }
}

/// A release the matrix does not list: dropped, a derivative of a listed one, or absent.
fn not_listed(
    ctx: &Context<'_>,
    rows: Vec<&OsEntry>,
    source: String,
    id: &str,
    ver: &str,
) -> Finding {
    let m = ctx.matrix;
    let os = ctx.facts.os();
    if let Some(gone) = LoadedMatrix::dropped_row(&rows, ver) {
        let f = Finding::fail(format!(
            "{} is no longer supported for {}: {}",
            describe_os(ctx),
            ctx.scenario.as_str(),
            gone.dropped.as_deref().unwrap_or_default()
        ))
        .code("dropped")
        .detail(source);
        let f = match gone.provenance() {
            Some(p) => f.detail(format!("judged by the {} matrix, row from {p}", m.name())),
            None => f,
        };
        return with_elsewhere(f, ctx).fix(
            "Move the machine to a release the current matrix lists (`asr-preflight matrix --matrix asr-2026` shows them).",
        );
    }
    if rows.is_empty() {
        // A derivative the matrix does not name: judged through ID_LIKE, never passed.
        if let Some((like, row)) =
            os.id_like
                .iter()
                .find_map(|like| match m.os_verdict(ctx.scenario, like, ver) {
                    OsVerdict::Listed(_, row) => Some((like, row)),
                    _ => None,
                })
        {
            return Finding::warn(format!(
                "{} is not named by the {} matrix; it resembles {} ({like} {ver}, listed for {}) by its ID_LIKE",
                describe_os(ctx),
                m.name(),
                row.name,
                ctx.scenario.as_str()
            )).code("derivative")
            .detail(source)
            .detail(format!("ID_LIKE: {}", os.id_like.join(" ")))
            .fix("Site Recovery supports the distributions its matrix names; confirm support for this derivative with Microsoft before protecting the machine.");
        }
    }
    let rows: Vec<_> = rows.into_iter().filter(|r| r.dropped.is_none()).collect();
    let listed: Vec<String> = rows.iter().flat_map(|r| r.versions.clone()).collect();
    let f = Finding::fail(format!(
        "{} is not in the {} matrix for {}",
        describe_os(ctx),
        m.name(),
        ctx.scenario.as_str()
    ))
    .code("not-listed")
    .detail(source);
    let f = if listed.is_empty() {
        f.detail(format!(
            "the matrix lists no release of '{id}' for this scenario"
        ))
    } else {
        f.detail(format!("listed releases of '{id}': {}", listed.join(", ")))
    };
    with_elsewhere(f, ctx).fix(if listed.is_empty() {
        "Use a distribution the matrix lists (`asr-preflight matrix` shows them).".to_string()
    } else {
        format!(
            "Upgrade or reinstall to a listed release of this distribution ({}).",
            listed.join(", ")
        )
    })
}

fn check_supported(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let os = ctx.facts.os();
    let m = ctx.matrix;
    let Some(id) = &os.id else {
        let f = if os.errors.is_empty() {
            Finding::error("could not determine the distribution: no release file found").code("unknown-distribution")
                .detail("looked for /etc/oracle-release, centos-release, redhat-release, os-release, /usr/lib/os-release, SuSE-release, lsb-release, debian_version, system-release")
        } else {
            Finding::error("could not determine the distribution")
                .code("unknown-distribution")
                .details(os.errors.clone())
        };
        return Ok(f);
    };
    let source = format!("read from {}", os.source.as_deref().unwrap_or("?"));
    let Some(ver) = &os.version else {
        return Ok(
            Finding::error(format!("{id}: the release files do not say which version"))
                .code("unknown-version")
                .detail(source)
                .details(os.errors.clone()),
        );
    };
    match m.os_verdict(ctx.scenario, id, ver) {
        OsVerdict::Listed(_, row) => Ok(listed(ctx, row, source, ver)),
        OsVerdict::NotListed(rows) => Ok(not_listed(ctx, rows, source, id, ver)),
        OsVerdict::AnyAzureSupported(src) => Ok(Finding::skip(format!(
            "{}: the matrix accepts any operating system Azure supports as a guest; {} is not judged here",
            ctx.scenario.as_str(),
            describe_os(ctx)
        ))
        .detail(src.to_string())),
        OsVerdict::NotCovered(src) => Ok(with_elsewhere(
            Finding::skip(format!(
                "the {} matrix gives no operating system list for {}",
                m.name(),
                ctx.scenario.as_str()
            ))
            .detail(src.to_string()),
            ctx,
        )),
    }
}

/// Where the matrix lists a kernel it does not accept for this release: a build of an older
/// minor release on a newer one (the documents list each build for the releases it ships in).
fn listed_elsewhere(
    ctx: &Context<'_>,
    row: usize,
    release: &str,
    flavor: Option<&str>,
    ver: &str,
) -> Option<String> {
    let others = ctx
        .matrix
        .releases_accepting(ctx.scenario, row, release, flavor);
    (!others.is_empty()).then(|| {
        format!(
            "the matrix lists this kernel only for release {} of this distribution, not for {ver}: only the stock kernels of the installed minor release are supported",
            others.join(", ")
        )
    })
}

fn check_kernel(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let os = ctx.facts.os();
    let k = ctx.facts.kernel();
    let (Some(id), Some(ver)) = (&os.id, &os.version) else {
        return Ok(Finding::skip(
            "the distribution is unknown, so no kernel rule applies (see os.supported)",
        ));
    };
    let row = match ctx.matrix.os_verdict(ctx.scenario, id, ver) {
        OsVerdict::Listed(row, _) => row,
        OsVerdict::NotListed(_) => {
            return Ok(Finding::skip(format!(
                "{} is not in the matrix, so it has no kernel rules (see os.supported)",
                describe_os(ctx)
            )));
        }
        OsVerdict::AnyAzureSupported(_) | OsVerdict::NotCovered(_) => {
            return Ok(Finding::skip(format!(
                "the {} matrix has no kernel rules for {}",
                ctx.matrix.name(),
                ctx.scenario.as_str()
            )));
        }
    };
    let Some(release) = &k.release else {
        return Ok(Finding::error("could not determine the kernel")
            .code("cannot-read")
            .detail(k.source.clone())
            .details(k.errors.clone()));
    };
    let flavor = k.flavor.as_deref();
    let shown = match flavor {
        Some(f) => format!("{release} ({f})"),
        None => release.clone(),
    };
    let source = format!("kernel from {}", k.source);
    match ctx.matrix.kernel_verdict(row, release, flavor) {
        KernelVerdict::NoConstraint => Ok(Finding::pass(format!(
            "{shown}: the {} matrix puts no kernel constraint on {}",
            ctx.matrix.name(),
            describe_os(ctx)
        ))
        .detail(source)),
        KernelVerdict::Supported(rule) => {
            Ok(Finding::pass(format!("{shown}: {}", rule.description)).detail(source))
        }
        KernelVerdict::Verify(rule) => Ok(Finding::warn(format!(
            "{shown}: the kernel series is supported but the exact build must be verified"
        )).code("verify")
        .detail(rule.description.clone())
        .detail(source)
        .fix("Compare the kernel with the Mobility service version's kernel table in the Site Recovery support matrix before protecting the machine.")),
        KernelVerdict::Newer(rule, newest) => {
            let date = ctx.matrix.data.os[row].ms_date.as_deref().unwrap_or("its source");
            Ok(Finding::warn(format!(
                "{shown} is newer than the matrix of {date} lists; check the current matrix"
            )).code("newer")
            .detail(format!("newest listed in this series: {newest} ({})", rule.description))
            .detail(source)
            .fix("Check the current Site Recovery support matrix (the kernel table of the newest Mobility service) for this kernel before protecting the machine."))
        }
        KernelVerdict::Unsupported(rules) => {
            let f = Finding::fail(format!(
                "{shown} is not accepted for {} by the {} matrix",
                describe_os(ctx),
                ctx.matrix.name()
            )).code("unsupported-kernel")
            .detail(source)
            .details(rules.iter().map(|r| format!("accepted: {}", r.description)))
            .details(listed_elsewhere(ctx, row, release, flavor, ver));
            Ok(with_elsewhere(f, ctx).fix(
                "Install a kernel the matrix accepts and make it the default boot entry (for example `grubby --set-default /boot/vmlinuz-VERSION` on RHEL and Oracle Linux), then reboot.",
            ))
        }
    }
}
