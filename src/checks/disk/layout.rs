//! Disk rules of the newer support matrices that `disk.size` does not cover: no 4K-sector
//! disks (VMware/physical), and for Azure-to-Azure no NVMe, iSCSI, multipath or DRBD disks.

use crate::checks::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::disk_hw::{Attachment, DiskHw};
use crate::scenario::Scenario;

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "disk.sector-size",
        title: "No 4K-sector disks",
        applies: Applies::Only(&[Scenario::VmwareToAzure, Scenario::PhysicalToAzure]),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "Disks must use 512-byte logical sectors: 4K-native disks (4096-byte logical sectors) are not supported. Disks with 512-byte emulation (512e: 4096-byte physical sectors) are reported, not failed: the 2023 matrix lists them as not supported, but virtio and Azure's own managed disks present the same geometry. Read from each disk's sys/block queue; an image has none, so the check needs the running system or a captured tree.",
            why: "The replication filter driver tracks changes and Azure disks present them in 512-byte sectors; a 4K-native disk cannot be replicated to an Azure disk, and 512e disks are outside what the current matrix supports.",
            fix: "Move the data to a disk with 512-byte sectors (on VMware, a virtual disk on a datastore that presents 512-byte sectors), or exclude that disk from replication.",
            reference: "reference/asr-matrix.md section 5 (Other unsupported: 4K-sector disks, 4K/4K and 4K/512e \"No\" in VMW-2023, \"Yes\" in 2018); reference/asr-errors.md section 3 (no 4K-sector disks)",
            prevents: &["enable replication failure: 4K-sector disk not supported"],
        },
        codes: &[
            Code::fail(
                "4k-native",
                "a disk has 4096-byte logical sectors (4K native)",
            ),
            Code::error(
                "cannot-read",
                "a disk's sector sizes could not be read or parsed",
            ),
            Code::error(
                "no-logical-sector",
                "a disk does not report its logical sector size",
            ),
        ],
        run: check_sector_size,
    },
    CheckDef {
        id: "disk.a2a-types",
        title: "No NVMe, iSCSI, multipath or DRBD disks (Azure-to-Azure)",
        applies: Applies::Only(&[Scenario::AzureToAzure]),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "An Azure virtual machine replicated to another region may not use NVMe disks, iSCSI disks, device-mapper multipath devices or DRBD replicated devices.",
            why: "Azure-to-Azure replication tracks the VM's SCSI-attached managed disks; NVMe-attached disks, disks reached over iSCSI, multipath maps and DRBD devices are outside what it can replicate, so enabling replication fails or the data on them is silently not protected.",
            fix: "Use a VM size with a SCSI disk controller for replicated VMs, keep data on the VM's own managed disks instead of iSCSI targets, and remove multipath and DRBD layers from replicated disks.",
            reference: "reference/asr-matrix.md section 5 (A2A-2026: NVMe interface/disks, DRBD disks, iSCSI, multipath software not supported); reference/asr-errors.md section 3 (A2A-only: multipath, DRBD, NVMe, iSCSI unsupported)",
            prevents: &["enable replication failure: unsupported disk type (Azure-to-Azure)"],
        },
        codes: &[
            Code::fail("nvme", "a disk is attached over NVMe"),
            Code::fail("iscsi", "a disk is reached over iSCSI"),
            Code::fail("multipath", "a disk is a device-mapper multipath map"),
            Code::fail("drbd", "a disk is a DRBD replicated device"),
            Code::error("cannot-read", "some block devices could not be read"),
        ],
        run: check_a2a_types,
    },
];

fn no_sys_block(ctx: &Context<'_>) -> Option<Finding> {
    let hw = ctx.facts.disk_hw();
    if hw.available {
        return None;
    }
    Some(Finding::skip(if ctx.facts.is_live() {
        "/sys/block is not there: the disks cannot be seen"
    } else {
        "an image has no /sys/block: the disks of the machine it becomes are not known"
    }))
}

fn sector_line(d: &DiskHw) -> String {
    let s = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    format!(
        "{}: logical sector {} bytes, physical sector {} bytes",
        d.name,
        s(d.logical_sector),
        s(d.physical_sector)
    )
}

fn check_sector_size(ctx: &Context<'_>) -> Result<Finding, FactError> {
    if let Some(f) = no_sys_block(ctx) {
        return Ok(f);
    }
    let hw = ctx.facts.disk_hw();
    let errors: Vec<String> = hw
        .errors
        .iter()
        .map(|e| format!("could not read: {e}"))
        .collect();
    let native: Vec<&DiskHw> = hw
        .disks
        .iter()
        .filter(|d| d.logical_sector.is_some_and(|s| s >= 4096))
        .collect();
    let emulated: Vec<&DiskHw> = hw
        .disks
        .iter()
        .filter(|d| {
            d.logical_sector.is_some_and(|s| s < 4096)
                && d.physical_sector.is_some_and(|s| s >= 4096)
        })
        .collect();
    let all: Vec<String> = hw.disks.iter().map(sector_line).collect();
    if !native.is_empty() {
        return Ok(Finding::fail(format!(
            "4K-native disk{}: {}",
            if native.len() == 1 { "" } else { "s" },
            native.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
        ))
        .code("4k-native")
        .details(all)
        .details(errors)
        .fix("Move the data to a disk with 512-byte logical sectors, or exclude the disk from replication."));
    }
    if !errors.is_empty() {
        return Ok(Finding::error("could not read every disk's sector sizes")
            .code("cannot-read")
            .details(all)
            .details(errors));
    }
    if hw.disks.is_empty() {
        return Ok(Finding::skip("no whole disk under /sys/block"));
    }
    if hw.disks.iter().any(|d| d.logical_sector.is_none()) {
        return Ok(
            Finding::error("a disk does not report its logical sector size")
                .code("no-logical-sector")
                .details(all),
        );
    }
    let f = Finding::pass(format!(
        "every disk uses 512-byte logical sectors ({})",
        hw.disks.len()
    ))
    .details(all);
    if emulated.is_empty() {
        return Ok(f);
    }
    // 512e is reported, not warned: virtio and Azure's own disks present 4096-byte physical
    // sectors behind 512-byte logical ones.
    Ok(f.detail(format!(
        "512e (4096-byte physical sectors behind 512-byte logical ones): {}; the 2023 VMware/physical matrix lists 4K/512e as not supported, so confirm with the current matrix",
        emulated.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
    )))
}

/// The finding code of an unsupported attachment (`Other` disks are never reported: the caller
/// keeps only the unsupported ones).
fn attachment_code(a: Attachment) -> &'static str {
    match a {
        Attachment::Nvme => "nvme",
        Attachment::Iscsi => "iscsi",
        Attachment::Multipath => "multipath",
        Attachment::Drbd | Attachment::Other => "drbd",
    }
}

fn check_a2a_types(ctx: &Context<'_>) -> Result<Finding, FactError> {
    if let Some(f) = no_sys_block(ctx) {
        return Ok(f);
    }
    let hw = ctx.facts.disk_hw();
    let bad: Vec<&DiskHw> = hw
        .disks
        .iter()
        .filter(|d| d.attachment != Attachment::Other)
        .collect();
    let lines: Vec<String> = bad
        .iter()
        .map(|d| {
            format!(
                "{}: {}{}",
                d.name,
                d.attachment.describe(),
                d.evidence
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let errors: Vec<String> = ctx
        .facts
        .storage()
        .errors
        .iter()
        .map(|e| format!("could not read: {e}"))
        .collect();
    if !bad.is_empty() {
        let kinds: std::collections::BTreeSet<&str> =
            bad.iter().map(|d| d.attachment.describe()).collect();
        let mut f = Finding::fail(format!(
            "disks Azure-to-Azure replication does not support: {} ({})",
            bad.iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            kinds.into_iter().collect::<Vec<_>>().join(", ")
        ));
        // One coded line per disk, so each kind of unsupported disk has its own code.
        for (d, line) in bad.iter().zip(&lines) {
            let code = attachment_code(d.attachment);
            f.code.get_or_insert(code);
            f = f.problem(Status::Fail, code, line.clone());
        }
        return Ok(f
        .details(lines)
        .details(errors)
        .fix("Replicate VMs whose disks are SCSI-attached managed disks: choose a VM size with a SCSI controller instead of NVMe, move data off iSCSI targets, and remove multipath and DRBD layers."));
    }
    if !errors.is_empty() {
        return Ok(Finding::error("could not read every block device")
            .code("cannot-read")
            .details(errors));
    }
    Ok(Finding::pass(format!(
        "no NVMe, iSCSI, multipath or DRBD disk among {} disk{}",
        hw.disks.len(),
        if hw.disks.len() == 1 { "" } else { "s" }
    ))
    .details(hw.disks.iter().map(|d| d.name.clone())))
}
