//! Disk checks: the size of every disk and the number of disks against the matrix limits for the
//! scenario, and the free space where the agent will be installed.

pub mod layout;

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::Facts;
use crate::facts::firmware::Firmware;
use crate::facts::storage::{BlockDevice, StorageFacts};
use crate::matrix::model::Limits;
use crate::scenario::Scenario;
use crate::text::escape_bytes;

const GIB: u64 = 1 << 30;

/// The codes of [`no_disks`], shared by the checks that judge the disks.
const NO_SYSFS: Code = Code::error(
    "sysfs-missing",
    "sysfs is not mounted on the running machine, so no disk can be seen",
);
const NO_DISKS: Code = Code::error(
    "no-disks",
    "no whole disk could be found or read under /sys/block",
);

const SEED_VMWARE: &str = "seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"On-premises (VMware VMs)\"";
/// The scenarios where the Mobility agent is installed inside the guest.
const AGENT_IN_GUEST: &[Scenario] = &[
    Scenario::VmwareToAzure,
    Scenario::PhysicalToAzure,
    Scenario::AzureToAzure,
];

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "disk.size",
        title: "Every disk within the size limits",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "No disk of a protected machine may be larger than the matrix allows: 1023 GiB for any disk in the 2016 seed (VMware, physical and Hyper-V to Azure). Newer matrices allow more but keep a separate, lower limit for the disk the operating system boots from (2,048 GiB with BIOS, 4,095 GiB with UEFI for VMware and physical machines) and a minimum of 1 GiB.",
            why: "Each protected disk becomes an Azure disk of the same size; a disk beyond what Azure accepts for that role cannot be replicated, and enabling protection fails for the whole machine.",
            fix: "Shrink or split the oversized disk (move data to a second disk, then reduce the partition and the virtual disk), or exclude a data disk from replication; for the OS disk, move data off it. Run with --matrix asr-2026 to judge against the newer, larger limits.",
            reference: "seeds/000, VMware/physical and Hyper-V VMM to Azure sections, Replicated machine prerequisites (\"Individual disk capacity ... 1023 GB\"); reference/asr-matrix.md section 5 (Disk size, OS disk)",
            prevents: &["enable replication failure for oversized disks"],
        },
        codes: &[
            Code::fail("too-large", "a disk is larger than the matrix's disk limit"),
            Code::fail(
                "os-disk-too-large",
                "the OS disk is larger than the OS disk limit for its firmware",
            ),
            Code::fail(
                "too-small",
                "a disk is smaller than the matrix's minimum disk size",
            ),
            Code::warn(
                "os-disk-may-be-too-large",
                "the OS disk is not identified and a disk would exceed the OS disk limit if it were the OS disk",
            ),
            NO_SYSFS,
            NO_DISKS,
        ],
        run: check_size,
    },
    CheckDef {
        id: "disk.count",
        title: "No more disks than the scenario allows",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "A protected machine may have no more disks than its scenario allows, when the matrix sets a limit: in the 2016 seed at most 16 disks for Hyper-V virtual machines; with --matrix asr-2026 at most 64 disks including the OS disk for Hyper-V (HV-2026, ms.date 2026-09-11), and at most 64 data disks for VMware and physical machines (VMW-2026, 2026-04-06) and Azure VMs (A2A-2026b, 2026-02-27; fewer where the VM size allows fewer). Scenarios without a limit in the matrix skip.",
            why: "The replica in Azure must fit a virtual machine size, and Site Recovery refuses to protect a machine with more disks than it supports for the scenario.",
            fix: "Consolidate data onto fewer, larger disks (within the size limit), or detach disks that need no protection.",
            reference: "seeds/000, section \"Disaster Recovery of Hyper-V virtual machines in VMM clouds to Azure\", Replicated machine prerequisites, row \"Protected VMs\"; asr-2026: HV-2026 (hyper-v-azure-support-matrix, 2026-09-11) Azure VM requirements, VMW-2026 (vmware-physical-azure-support-matrix, 2026-04-06) Azure VM requirements, A2A-2026b (azure-to-azure-support-matrix, 2026-02-27) Replicated machines: Storage; reference/asr-matrix.md section 9",
            prevents: &["enable replication failure for too many disks"],
        },
        codes: &[
            Code::fail(
                "too-many-disks",
                "more disks, the OS disk included, than the scenario allows",
            ),
            Code::fail(
                "too-many-data-disks",
                "more data disks than the scenario allows",
            ),
            NO_SYSFS,
            NO_DISKS,
        ],
        run: check_count,
    },
    CheckDef {
        id: "disk.install-space",
        title: "Free space for the agent's installation",
        applies: Applies::Only(AGENT_IN_GUEST),
        live_only: true,
        online_only: false,
        doc: Doc {
            requirement: "The file system that will hold the Mobility service (--install-dir, /usr/local/ASR by default) needs at least 2 GB of available space in the 2016 seed (250 MB in the 2023 VMware/physical matrix). Available means what df reports: free blocks an ordinary user may take. An image cannot tell: its free space is not that of the machine it will be deployed as.",
            why: "The installer unpacks the agent and its driver there; without room the push installation fails and the machine cannot be protected.",
            fix: "Free space on that file system (package caches, old kernels, logs), grow it (e.g. `lvextend -r -L +2G` on LVM), or install the agent on another file system (the installer's -d option) and pass the same directory as --install-dir.",
            reference: SEED_VMWARE,
            prevents: &["95524"],
        },
        codes: &[
            Code::fail(
                "not-enough-space",
                "the file system for the agent has less space available than the matrix asks",
            ),
            Code::error(
                "cannot-measure",
                "the free space of the file system for the agent could not be measured",
            ),
        ],
        run: check_install_space,
    },
];

/// Bytes as GiB with one decimal.
fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / GIB as f64)
}

/// The disks holding `/`, when the mount table and `sys/block` tell.
fn os_disks<'a>(facts: &'a Facts, st: &'a StorageFacts) -> (Vec<&'a BlockDevice>, String) {
    let mounts = facts.mounts();
    let root = mounts
        .mounted_now(b"/")
        .or_else(|| mounts.mounted_at_boot(b"/"));
    let Some(root) = root else {
        return (
            Vec::new(),
            "the mount table does not say what is mounted on /".into(),
        );
    };
    let dev = root
        .devnum
        .filter(|(major, _)| *major != 0)
        .and_then(|n| st.device_of_devnum(n))
        .or_else(|| st.device_of_path(&root.device));
    match dev {
        Some(d) => {
            let disks = st.disks_under(d);
            let how = format!("/ is {} ({})", root.device, root.source);
            (disks, how)
        }
        None => (
            Vec::new(),
            format!(
                "/ is {} ({}), which is not found under /sys/block",
                root.device, root.source
            ),
        ),
    }
}

/// One disk against the limits.
struct Judged<'a> {
    disk: &'a BlockDevice,
    is_os: bool,
    /// Why it breaks a limit.
    problem: Option<String>,
    /// The finding code of that problem.
    code: &'static str,
    /// A limit it would break if it were the OS disk (OS disk unknown).
    maybe: Option<String>,
}

/// The OS disk limit for the firmware, and how it was chosen.
fn os_limit(l: &Limits, fw: Firmware) -> Option<(u64, &'static str)> {
    match (fw, l.os_disk_max_gib_bios, l.os_disk_max_gib_uefi) {
        (_, None, None) => None,
        (Firmware::Bios, Some(b), _) => Some((b, "BIOS")),
        (Firmware::Uefi, _, Some(u)) => Some((u, "UEFI")),
        (_, Some(b), Some(u)) => Some((b.min(u), "firmware unknown: the lower of BIOS and UEFI")),
        (_, Some(b), None) => Some((b, "BIOS")),
        (_, None, Some(u)) => Some((u, "UEFI")),
    }
}

fn judge<'a>(
    l: &Limits,
    disks: &[&'a BlockDevice],
    os: &[&BlockDevice],
    fw: Firmware,
) -> Vec<Judged<'a>> {
    let os_known = !os.is_empty();
    let os_lim = os_limit(l, fw);
    disks
        .iter()
        .map(|d| {
            let is_os = os.iter().any(|o| o.name == d.name);
            let mut problem = None;
            let mut code = "";
            let mut maybe = None;
            let max = match (is_os, os_lim) {
                (true, Some((v, how))) => Some((
                    v,
                    format!("the OS disk limit ({how})"),
                    "os-disk-too-large",
                )),
                _ => l
                    .disk_max_gib
                    .map(|v| (v, "the disk limit".to_string(), "too-large")),
            };
            if let Some((v, what, c)) = max {
                if d.size_bytes > v * GIB {
                    problem = Some(format!("larger than {what} of {v} GiB"));
                    code = c;
                }
            }
            if let Some(min) = l.disk_min_gib {
                if d.size_bytes < min * GIB {
                    problem = Some(format!("smaller than the minimum of {min} GiB"));
                    code = "too-small";
                }
            }
            if problem.is_none() && !os_known {
                if let Some((v, how)) = os_lim {
                    if d.size_bytes > v * GIB {
                        maybe = Some(format!(
                            "larger than the OS disk limit of {v} GiB ({how}), should it be the OS disk"
                        ));
                    }
                }
            }
            Judged {
                disk: d,
                is_os,
                problem,
                code,
                maybe,
            }
        })
        .collect()
}

fn disk_line(j: &Judged<'_>) -> String {
    let mut s = format!(
        "{}: {} bytes ({})",
        j.disk.display_name(),
        j.disk.size_bytes,
        gib(j.disk.size_bytes)
    );
    if j.is_os {
        s.push_str(", OS disk");
    }
    if j.disk.removable {
        s.push_str(", removable");
    }
    if let Some(p) = &j.problem {
        s.push_str(": ");
        s.push_str(p);
    } else if let Some(m) = &j.maybe {
        s.push_str(": ");
        s.push_str(m);
    }
    s
}

/// `not counted: loop0 (loop device), dm-0 (device-mapper device)`.
fn ignored_line(st: &StorageFacts) -> Option<String> {
    let ignored: Vec<String> = st
        .ignored()
        .map(|d| format!("{} ({})", d.name, d.kind.describe()))
        .collect();
    (!ignored.is_empty()).then(|| format!("not counted: {}", ignored.join(", ")))
}

fn limits_line(ctx: &Context<'_>, l: &Limits) -> String {
    format!(
        "limits of the {} matrix for {}: {}{}",
        ctx.matrix.name(),
        ctx.scenario.as_str(),
        l.describe().join("; "),
        l.source
            .as_deref()
            .map(|s| format!(" (source: {s})"))
            .unwrap_or_default()
    )
}

/// Why disks cannot be judged, when they cannot.
fn no_disks(st: &StorageFacts, facts: &Facts) -> Option<Finding> {
    if !st.available {
        return Some(if facts.is_live() {
            Finding::error(
                "/sys/block is missing: sysfs is not mounted, so the disks cannot be seen",
            )
            .code(NO_SYSFS.name)
        } else {
            Finding::skip(
                "the image has no sys/block: disks are known only on the running machine (or in a captured tree with sys/)",
            )
        });
    }
    if st.disks().next().is_none() {
        let f = if st.errors.is_empty() {
            Finding::error("no whole disk found under /sys/block")
        } else {
            Finding::error("could not read the disks under /sys/block").details(st.errors.clone())
        };
        return Some(f.code(NO_DISKS.name).details(ignored_line(st)));
    }
    None
}

/// The whole disks and the OS disks among them, with how those were found.
struct Disks<'a> {
    st: &'a StorageFacts,
    all: Vec<&'a BlockDevice>,
    os: Vec<&'a BlockDevice>,
    os_how: String,
}

/// The disks to judge against the matrix's `what`; the finding instead when the matrix sets
/// no such limit (`limited` false) or no disk can be seen.
fn disks_to_judge<'a>(
    ctx: &Context<'a>,
    limited: bool,
    what: &str,
) -> Result<Disks<'a>, Box<Finding>> {
    if !limited {
        return Err(Box::new(
            Finding::skip(format!(
                "the {} matrix sets no {what} for {}",
                ctx.matrix.name(),
                ctx.scenario.as_str()
            ))
            .details(ctx.matrix.limits_for(ctx.scenario).source.clone()),
        ));
    }
    let st = ctx.facts.storage();
    if let Some(f) = no_disks(st, ctx.facts) {
        return Err(Box::new(f));
    }
    let (os, os_how) = os_disks(ctx.facts, st);
    Ok(Disks {
        st,
        all: st.disks().collect(),
        os,
        os_how,
    })
}

/// The detail lines of the size check: each disk, the OS disk, firmware and limits.
fn size_details(
    ctx: &Context<'_>,
    l: &Limits,
    d: &Disks<'_>,
    judged: &[Judged<'_>],
) -> Vec<String> {
    let fw = ctx.facts.firmware().firmware;
    let mut details: Vec<String> = judged.iter().map(disk_line).collect();
    details.extend(ignored_line(d.st));
    details.push(if d.os.is_empty() {
        format!("OS disk not identified: {}", d.os_how)
    } else {
        d.os_how.clone()
    });
    if os_limit(l, fw).is_some() {
        details.push(format!(
            "firmware: {} ({})",
            match fw {
                Firmware::Bios => "BIOS",
                Firmware::Uefi => "UEFI",
                Firmware::Unknown => "unknown",
            },
            ctx.facts.firmware().source
        ));
    }
    details.push(limits_line(ctx, l));
    details.extend(d.st.errors.iter().map(ToString::to_string));
    details
}

/// Another built-in matrix whose limits every disk meets.
fn accepting_matrix<'a>(ctx: &Context<'a>, d: &Disks<'_>) -> Option<&'a str> {
    let fw = ctx.facts.firmware().firmware;
    ctx.all_matrices
        .iter()
        .filter(|m| m.name() != ctx.matrix.name())
        .find(|m| {
            judge(m.limits_for(ctx.scenario), &d.all, &d.os, fw)
                .iter()
                .all(|j| j.problem.is_none())
        })
        .map(|m| m.name())
}

/// Disks outside the limits: one coded line per disk, as a machine may break more than one.
fn oversize(
    ctx: &Context<'_>,
    d: &Disks<'_>,
    bad: &[&Judged<'_>],
    mut details: Vec<String>,
) -> Finding {
    let names: Vec<String> = bad.iter().map(|j| j.disk.display_name()).collect();
    if let Some(m) = accepting_matrix(ctx, d) {
        details.push(format!(
            "the {m} matrix would accept these disks (--matrix {m})"
        ));
    }
    let fixes: Vec<String> = bad
        .iter()
        .map(|j| {
            let what = if j.is_os { "OS disk" } else { "disk" };
            format!(
                "{what} {} ({}) is {}",
                j.disk.display_name(),
                gib(j.disk.size_bytes),
                j.problem.as_deref().unwrap_or("")
            )
        })
        .collect();
    let mut f = Finding::fail(format!(
        "{} of {} disks outside the size limits: {}",
        bad.len(),
        d.all.len(),
        names.join(", ")
    ))
    .code(bad[0].code);
    for (j, text) in bad.iter().zip(&fixes) {
        f = f.problem(Status::Fail, j.code, text.clone());
    }
    f.details(details).fix(format!(
        "{}. Move data to additional disks and shrink the disk (file system, partition, then the virtual disk), or exclude a data disk from replication.",
        fixes.join("; ")
    ))
}

fn check_size(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let l = ctx.matrix.limits_for(ctx.scenario);
    let limited = l.disk_max_gib.is_some()
        || l.disk_min_gib.is_some()
        || l.os_disk_max_gib_bios.is_some()
        || l.os_disk_max_gib_uefi.is_some();
    let d = match disks_to_judge(ctx, limited, "disk size limit") {
        Ok(d) => d,
        Err(f) => return Ok(*f),
    };
    let judged = judge(l, &d.all, &d.os, ctx.facts.firmware().firmware);
    let details = size_details(ctx, l, &d, &judged);
    let bad: Vec<&Judged<'_>> = judged.iter().filter(|j| j.problem.is_some()).collect();
    if !bad.is_empty() {
        return Ok(oversize(ctx, &d, &bad, details));
    }
    let maybe: Vec<String> = judged
        .iter()
        .filter(|j| j.maybe.is_some())
        .map(|j| j.disk.display_name())
        .collect();
    if !maybe.is_empty() {
        return Ok(Finding::warn(format!(
            "the OS disk could not be identified and {} would exceed the OS disk limit",
            maybe.join(", ")
        ))
        .code("os-disk-may-be-too-large")
        .details(details)
        .fix(
            "Make sure the disk the machine boots from is within the OS disk limit of the matrix.",
        ));
    }
    let largest = d.all.iter().map(|d| d.size_bytes).max().unwrap_or(0);
    let size_limits: Vec<String> = l
        .describe()
        .into_iter()
        .filter(|d| d.contains("GiB"))
        .collect();
    Ok(Finding::pass(format!(
        "{} disk{}, the largest {} ({})",
        d.all.len(),
        if d.all.len() == 1 { "" } else { "s" },
        gib(largest),
        size_limits.join("; ")
    ))
    .details(details))
}

/// The detail lines of the count check: each disk, the OS disk and the limits.
fn count_details(ctx: &Context<'_>, l: &Limits, d: &Disks<'_>) -> Vec<String> {
    let mut details: Vec<String> = d
        .all
        .iter()
        .map(|disk| {
            let os_mark = if d.os.iter().any(|o| o.name == disk.name) {
                ", OS disk"
            } else {
                ""
            };
            format!(
                "{}: {} bytes ({}){os_mark}",
                disk.display_name(),
                disk.size_bytes,
                gib(disk.size_bytes)
            )
        })
        .collect();
    details.extend(ignored_line(d.st));
    details.push(if d.os.is_empty() {
        format!("OS disk not identified ({}); one OS disk assumed", d.os_how)
    } else {
        d.os_how.clone()
    });
    details.push(limits_line(ctx, l));
    details
}

/// The count limits broken: each one's code and line.
fn count_problems(l: &Limits, total: u32, data: u32) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if let Some(max) = l.disk_count_max {
        if total > max {
            problems.push((
                "too-many-disks",
                format!("{total} disks, more than the {max} allowed"),
            ));
        }
    }
    if let Some(max) = l.data_disk_count_max {
        if data > max {
            problems.push((
                "too-many-data-disks",
                format!("{data} data disks, more than the {max} allowed"),
            ));
        }
    }
    problems
}

fn check_count(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let l = ctx.matrix.limits_for(ctx.scenario);
    let limited = l.disk_count_max.is_some() || l.data_disk_count_max.is_some();
    let d = match disks_to_judge(ctx, limited, "limit on the number of disks") {
        Ok(d) => d,
        Err(f) => return Ok(*f),
    };
    let total = d.all.len() as u32;
    // One OS disk is assumed when it cannot be identified.
    let data = total.saturating_sub(if d.os.is_empty() {
        1
    } else {
        d.os.len() as u32
    });
    let details = count_details(ctx, l, &d);
    let problems = count_problems(l, total, data);
    if problems.is_empty() {
        return Ok(Finding::pass(format!(
            "{total} disk{} ({data} besides the OS disk)",
            if total == 1 { "" } else { "s" }
        ))
        .details(details));
    }
    let excess = problems.len();
    let texts: Vec<&str> = problems.iter().map(|p| p.1.as_str()).collect();
    let mut f = Finding::fail(texts.join("; ")).code(problems[0].0);
    if problems.len() > 1 {
        for (code, text) in &problems {
            f = f.problem(Status::Fail, code, text.clone());
        }
    }
    Ok(f.details(details)
        .fix(format!(
            "Reduce the number of disks for {}: consolidate data onto fewer disks (each within the size limit) or detach disks that do not need protection ({excess} limit{} exceeded).",
            ctx.scenario.as_str(),
            if excess == 1 { "" } else { "s" }
        )))
}

fn check_install_space(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let l = ctx.matrix.limits_for(ctx.scenario);
    let Some(need_gib) = l.install_space_gib else {
        return Ok(Finding::skip(format!(
            "the {} matrix sets no free-space minimum for the agent in {}",
            ctx.matrix.name(),
            ctx.scenario.as_str()
        ))
        .details(l.source.clone()));
    };
    let dir = &ctx.options.install_dir;
    let shown = escape_bytes(dir.as_os_str().as_bytes());
    let Some(at) = ctx.facts.install_space() else {
        return Ok(Finding::skip(
            "free space is known only on the running machine: an image's free space is not that of the machine it becomes",
        ));
    };
    let need = (need_gib * GIB as f64).ceil() as u64;
    let measured = escape_bytes(at.measured.as_os_str().as_bytes());
    let mut details = Vec::new();
    if at.measured != at.requested {
        details.push(format!(
            "{shown} does not exist yet: measured at {measured}, its nearest existing parent"
        ));
    }
    if let Some(m) = &at.mount {
        details.push(format!(
            "file system: {} on {} ({})",
            m.device, m.mount_point, m.fstype
        ));
    }
    details.push(limits_line(ctx, l));
    let space = match &at.space {
        Ok(s) => *s,
        Err(e) => {
            return Ok(
                Finding::error(format!("could not measure the free space for {shown}"))
                    .code("cannot-measure")
                    .detail(e.clone())
                    .details(details),
            );
        }
    };
    let avail = space.available_bytes();
    details.insert(
        0,
        format!(
            "available: {avail} bytes ({}) of {} ({} blocks of {} bytes, as df reports)",
            gib(avail),
            gib(space.total_bytes()),
            space.blocks_available,
            space.fragment_size
        ),
    );
    let need_text = format!("{} MiB", need / (1 << 20));
    if avail >= need {
        Ok(Finding::pass(format!(
            "{} available for {shown} (at least {need_text} needed)",
            gib(avail)
        ))
        .details(details))
    } else {
        let mount = at
            .mount
            .as_ref()
            .map(|m| m.mount_point.clone())
            .unwrap_or_else(|| measured.clone());
        Ok(Finding::fail(format!(
            "only {} available for {shown}; at least {need_text} needed",
            gib(avail)
        ))
        .code("not-enough-space")
        .details(details)
        .fix(format!(
            "Free at least {} MiB on the file system mounted on {mount} (package caches, old kernels, logs), grow it (on LVM: `lvextend -r -L +{}G <volume>`), or install the agent elsewhere with the installer's -d option and pass that directory as --install-dir.",
            (need - avail).div_ceil(1 << 20),
            (need - avail).div_ceil(GIB)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::storage::DeviceKind;

    fn disk(name: &str, gib: u64) -> BlockDevice {
        BlockDevice {
            name: name.into(),
            kind: DeviceKind::Disk,
            size_bytes: gib * GIB,
            removable: false,
            devnum: None,
            partitions: Vec::new(),
            slaves: Vec::new(),
            dm_name: None,
            dm_uuid: None,
        }
    }

    /// 1023 GiB passes the seed limit, 1024 GiB fails it; the OS disk gets its own limit by
    /// firmware, and the lower one when the firmware is unknown.
    #[test]
    fn limits_by_role_and_firmware() {
        let seed = Limits {
            disk_max_gib: Some(1023),
            ..Limits::default()
        };
        let (a, b) = (disk("sda", 1023), disk("sdb", 1024));
        let j = judge(&seed, &[&a, &b], &[], Firmware::Unknown);
        assert!(j[0].problem.is_none() && j[1].problem.is_some());
        let new = Limits {
            disk_max_gib: Some(32767),
            os_disk_max_gib_bios: Some(2048),
            os_disk_max_gib_uefi: Some(4095),
            disk_min_gib: Some(1),
            ..Limits::default()
        };
        let os = disk("sda", 3000);
        let data = disk("sdb", 3000);
        let j = judge(&new, &[&os, &data], &[&os], Firmware::Bios);
        assert!(j[0].problem.is_some(), "3000 GiB OS disk on BIOS");
        assert!(j[1].problem.is_none(), "3000 GiB data disk");
        let j = judge(&new, &[&os, &data], &[&os], Firmware::Uefi);
        assert!(j[0].problem.is_none(), "3000 GiB OS disk on UEFI");
        let j = judge(&new, &[&os, &data], &[], Firmware::Unknown);
        assert!(j.iter().all(|x| x.problem.is_none() && x.maybe.is_some()));
        let tiny = BlockDevice {
            size_bytes: 512 << 20,
            ..disk("sdc", 0)
        };
        assert!(
            judge(&new, &[&tiny], &[], Firmware::Bios)[0]
                .problem
                .is_some()
        );
    }
}
