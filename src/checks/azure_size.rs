//! Azure-to-Azure: the virtual machine is at least the smallest size Site Recovery replicates
//! (CPU cores and memory, from the matrix's limits). Only the running machine can tell.

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::compute::ComputeFacts;
use crate::matrix::model::Limits;
use crate::scenario::Scenario;

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "azure.vm-size",
    title: "VM size: enough CPU cores and memory",
    applies: Applies::Only(&[Scenario::AzureToAzure]),
    // Not `live_only`: the skip says why an image cannot answer.
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "An Azure VM replicated to another region must be of a size with at least two CPU cores and 1 GB of memory (asr-2026: vm_cores_min, vm_memory_min_mib). Cores are counted in /proc/cpuinfo (else sysconf), memory from the online memory blocks in /sys/devices/system/memory, else /proc/meminfo's MemTotal, which is a little less than the VM was given. An image says nothing about the size it will run as: skip.",
        why: "Site Recovery supports any VM size above that minimum only; its replication driver keeps about 6% of the memory for itself, so a smaller VM is out of support and starved.",
        fix: "Resize the VM to a size with at least 2 vCPUs and 1 GiB of memory (portal: Size; or `az vm resize --resource-group RG --name VM --size SIZE`) before enabling replication.",
        reference: "A2A-2026b (azure-to-azure-support-matrix, ms.date 2026-02-27), section Replicated machines: Compute settings (Size, RAM); reference/asr-matrix.md section 9",
        prevents: &["replication of an unsupported VM size"],
    },
    codes: &[
        Code::fail(
            "too-few-cores",
            "the VM has fewer CPU cores than the matrix's minimum",
        ),
        Code::fail(
            "too-little-memory",
            "the VM has less memory than the matrix's minimum",
        ),
        Code::warn(
            "memory-near-minimum",
            "only MemTotal is known and it is just below the minimum, which the kernel's own share can explain",
        ),
        Code::error(
            "cannot-measure",
            "the number of CPU cores or the memory size could not be read",
        ),
    ],
    run: check_vm_size,
}];

/// MemTotal within this share of the minimum is a warning: the kernel's own reservation.
const MEMTOTAL_SLACK: f64 = 0.75;

fn check_vm_size(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let l = ctx.matrix.limits_for(ctx.scenario);
    if l.vm_cores_min.is_none() && l.vm_memory_min_mib.is_none() {
        return Ok(Finding::skip(format!(
            "the {} matrix sets no minimum VM size for {}",
            ctx.matrix.name(),
            ctx.scenario.as_str()
        ))
        .details(l.source.clone()));
    }
    if !ctx.facts.is_live() {
        return Ok(Finding::skip(
            "the VM size cannot be judged from an image: run it on the VM itself",
        )
        .details(l.source.clone()));
    }
    Ok(judge(ctx.facts.compute(), l))
}

fn judge(c: &ComputeFacts, l: &Limits) -> Finding {
    let mut details = Vec::new();
    let (mut fails, mut warns, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(min) = l.vm_cores_min {
        match &c.cores {
            Some(m) => {
                details.push(format!("{} CPU cores (from {})", m.value, m.source));
                if m.value < min {
                    fails.push((
                        "too-few-cores",
                        format!("{} CPU cores, fewer than {min}", m.value),
                    ));
                }
            }
            None => unknown.push("the number of CPU cores"),
        }
    }
    if let Some(min) = l.vm_memory_min_mib {
        memory(c, min, &mut details, &mut fails, &mut warns, &mut unknown);
    }
    details.push("the Site Recovery driver uses about 6% of the memory (A2A-2026b)".into());
    details.extend(l.source.clone());
    details.extend(c.errors.iter().map(|e| format!("could not read: {e}")));
    let fix = "Resize the VM to a size with at least 2 vCPUs and 1 GiB of memory (`az vm resize --resource-group RG --name VM --size SIZE`).";
    let unknown_line =
        (!unknown.is_empty()).then(|| format!("could not tell {}", unknown.join(" or ")));
    if !fails.is_empty() {
        let texts: Vec<&str> = fails.iter().map(|(_, t)| t.as_str()).collect();
        let mut f = Finding::fail(texts.join("; ")).code(fails[0].0);
        // Each problem on its own line when there are several.
        if fails.len() > 1 || unknown_line.is_some() {
            for (code, text) in &fails {
                f = f.problem(Status::Fail, code, text.clone());
            }
        }
        if let Some(u) = unknown_line {
            f = f.problem(Status::Error, "cannot-measure", u);
        }
        return f.details(details).fix(fix);
    }
    if let Some(u) = unknown_line {
        return Finding::error(u).code("cannot-measure").details(details);
    }
    if !warns.is_empty() {
        return Finding::warn(warns.join("; "))
            .code("memory-near-minimum")
            .details(details)
            .fix(fix);
    }
    let cores = c.cores.as_ref().map_or(0, |m| m.value);
    let mib = c
        .installed_mib
        .as_ref()
        .or(c.usable_mib.as_ref())
        .map_or(0, |m| m.value);
    Finding::pass(format!("{cores} CPU cores and {mib} MiB of memory")).details(details)
}

/// The memory verdict: the online memory blocks decide; MemTotal alone warns just below.
fn memory(
    c: &ComputeFacts,
    min: u64,
    details: &mut Vec<String>,
    fails: &mut Vec<(&'static str, String)>,
    warns: &mut Vec<String>,
    unknown: &mut Vec<&'static str>,
) {
    if let Some(m) = &c.usable_mib {
        details.push(format!("MemTotal {} MiB (from {})", m.value, m.source));
    }
    if let Some(m) = &c.installed_mib {
        details.push(format!(
            "{} MiB of memory online (from {})",
            m.value, m.source
        ));
        if m.value < min {
            fails.push((
                "too-little-memory",
                format!("{} MiB of memory, less than {min} MiB", m.value),
            ));
        }
        return;
    }
    match &c.usable_mib {
        Some(m) if m.value >= min => {}
        Some(m) if m.value as f64 >= min as f64 * MEMTOTAL_SLACK => warns.push(format!(
            "MemTotal is {} MiB, below {min} MiB; the kernel keeps part of the memory for itself, so check the VM size",
            m.value
        )),
        Some(m) => fails.push((
            "too-little-memory",
            format!("{} MiB of memory, less than {min} MiB", m.value),
        )),
        None => unknown.push("the memory size"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::facts::compute::Measured;

    fn m<T>(value: T) -> Option<Measured<T>> {
        Some(Measured {
            value,
            source: "test".into(),
        })
    }

    fn limits() -> Limits {
        Limits {
            vm_cores_min: Some(2),
            vm_memory_min_mib: Some(1024),
            ..Limits::default()
        }
    }

    fn facts(cores: u32, installed: Option<u64>, usable: Option<u64>) -> ComputeFacts {
        ComputeFacts {
            cores: m(cores),
            installed_mib: installed.and_then(m),
            usable_mib: usable.and_then(m),
            errors: Vec::new(),
        }
    }

    /// The boundaries: 2 cores and 1024 MiB pass, one core or 1023 MiB fail; MemTotal alone
    /// just below 1 GiB warns, far below fails; unknown cores are an error, not a pass.
    #[test]
    fn boundaries() {
        let l = limits();
        let cases = [
            (facts(2, Some(1024), Some(900)), Status::Pass),
            (facts(1, Some(4096), None), Status::Fail),
            (facts(2, Some(1023), Some(2000)), Status::Fail),
            (facts(2, None, Some(1024)), Status::Pass),
            (facts(2, None, Some(900)), Status::Warn),
            (facts(2, None, Some(700)), Status::Fail),
            (facts(2, None, None), Status::Error),
        ];
        for (c, want) in cases {
            assert_eq!(judge(&c, &l).status, want, "{c:?}");
        }
        let no_cores = ComputeFacts {
            cores: None,
            ..facts(2, Some(2048), None)
        };
        assert_eq!(judge(&no_cores, &l).status, Status::Error);
    }
}
