//! Failover readiness: what Site Recovery's "hydration" of a Linux disk needs so that the
//! machine boots in Azure. Hydration aborts (error 170010) when a kernel lacks the Hyper-V
//! drivers, when a tool it runs is missing or when the boot configuration is not where it
//! looks; fstab device names and a boot configuration out of step with its source break the
//! first boot after failover. The agent's installer also copies and rebuilds every initramfs,
//! which needs room.

pub mod boot;
mod drivers;
mod hydration;
mod space;

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::kernel_inventory::InstalledKernel;
use crate::scenario::Scenario;
use drivers::{check_hyperv_drivers, check_initramfs_drivers};
use hydration::{check_dracut_hostonly, check_hydration_tools};
use space::check_initrd_space;

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

/// What a kernel or initramfs without the Hyper-V drivers causes at failover.
const HYPERV_PREVENTS: &[&str] = &[
    "170010",
    "E_RECOVERY_HV_DRIVERS_MISSING",
    "LisDriversAvailable",
];

/// The code of [`no_kernels`], shared by the checks that judge each installed kernel.
const NO_KERNEL: Code = Code::error(
    "no-kernel",
    "no installed kernel was found in /boot or /lib/modules",
);

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
            prevents: HYPERV_PREVENTS,
        },
        codes: &[
            NO_KERNEL,
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
            prevents: HYPERV_PREVENTS,
        },
        codes: &[
            NO_KERNEL,
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
    .code(NO_KERNEL.name)
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
