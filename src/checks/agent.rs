//! What the Mobility agent's own installer refuses to install on (its prerequisite script, see
//! reference/asr-matrix.md section 4): each refusal is a check of its own, so an administrator
//! learns it before the push installation fails on the guest. A matrix whose `[agent]` section
//! says `prerequisites = "advise"` (asr-2016, which predates these checks) turns their failures
//! into warnings; `"enforce"` (asr-2026) keeps them failures.

use super::severity::Advice;
use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::boot::{DEFAULT_GRUB, DeviceRef};
use crate::facts::firmware::Firmware;
use crate::facts::mounts::FsUse;
use crate::facts::os::Family;
use crate::facts::runlevel::runlevel_of_target;
use crate::facts::storage::DeviceKind;
use crate::matrix::model::AgentRules;
use crate::parse::cmdline;
use crate::parse::version;
use crate::scenario::Scenario;

/// The scenarios where the Mobility agent is installed inside the guest.
const AGENT_IN_GUEST: &[Scenario] = &[
    Scenario::VmwareToAzure,
    Scenario::PhysicalToAzure,
    Scenario::AzureToAzure,
];

const REF: &str = "reference/asr-matrix.md section 4 (the Mobility service installer's prerequisite checks, AGENT); reference/asr-errors.md section 1a";

macro_rules! agent_check {
    ($id:expr, $title:expr, $live:expr, $req:expr, $why:expr, $fix:expr, $prevents:expr, $run:expr $(, codes: $codes:expr)?) => {
        CheckDef {
            id: $id,
            title: $title,
            applies: Applies::Only(AGENT_IN_GUEST),
            live_only: $live,
            online_only: false,
            doc: Doc {
                requirement: $req,
                why: $why,
                fix: $fix,
                reference: REF,
                prevents: $prevents,
            },
            codes: {
                #[allow(unused_variables)]
                let codes: &[Code] = &[];
                $(let codes: &[Code] = $codes;)?
                codes
            },
            run: $run,
        }
    };
}

pub const CHECKS: &[CheckDef] = &[
    agent_check!(
        "agent.c-locale",
        "C locale available to the agent installer",
        false,
        "The installer lists the locales with `locale -a` and refuses to install unless the C locale is among them. glibc always lists C and POSIX (they are built in, no file needed), so what can be missing is the `locale` program itself.",
        "The installer's scripts run with the C locale; when `locale -a` cannot be run its test finds no C locale and the installation stops.",
        "Install the package that ships `locale`: glibc-common on RHEL, CentOS and Oracle Linux, libc-bin on Debian and Ubuntu, glibc on SLES.",
        &["ASRMobilityServiceCLocaleNotAvailable"],
        check_c_locale,
        codes: &[Code::fail_or_warn(
            "no-locale-program",
            "the locale program is missing, so `locale -a` lists no C locale",
        )]
    ),
    agent_check!(
        "agent.secure-boot",
        "UEFI Secure Boot off",
        false,
        "UEFI Secure Boot must be disabled; machines with BIOS firmware have none. Read from the SecureBoot UEFI variable, as mokutil --sb-state does.",
        "The replication filter driver is not signed for Secure Boot: the installer stops when it sees Secure Boot on, and where it cannot see it (no mokutil) the driver fails to load (installer exit 208).",
        "Disable Secure Boot in the firmware setup (on VMware: VM Options, Boot Options, uncheck Secure Boot; on Hyper-V: Security, clear Enable Secure Boot), then boot again.",
        &[
            "ASRMobilityServiceSecureBootEnabled",
            "installer exit 208 (driver not loaded)",
        ],
        check_secure_boot,
        codes: &[
            Code::fail_or_warn("secure-boot-on", "UEFI Secure Boot is on"),
            Code::error(
                "no-firmware",
                "/sys/firmware is missing on the running machine, so the firmware cannot be seen",
            ),
            Code::error(
                "cannot-read-variable",
                "UEFI firmware, but the SecureBoot variable could not be read",
            ),
        ]
    ),
    agent_check!(
        "agent.root-free-space",
        "1 GiB free on / for the agent installer",
        true,
        "The root file system needs at least 1,048,576 KiB (1 GiB) available, as `df -Pk /` reports it; the installer measures this on the running machine, so an image cannot be judged.",
        "The installer keeps copies of the initramfs images and its own files under / (/etc/vxagent, /var); below this it stops before installing anything.",
        "Free space on / (package caches: `yum clean all` or `apt-get clean`; old kernels; logs under /var/log), or grow the root file system.",
        &["ASRMobilityServiceFreeSpaceOnRootNotSufficient", "151111"],
        check_root_free_space,
        codes: &[
            Code::fail_or_warn(
                "not-enough-space",
                "less than the installer's minimum is available on /",
            ),
            Code::error("cannot-measure", "the free space on / could not be measured"),
        ]
    ),
    agent_check!(
        "agent.filesystems",
        "Root and /boot file system types the agent supports",
        false,
        "The root file system must be ext3, ext4, XFS or Btrfs, and /boot (when separate) ext2, ext3, ext4, XFS or Btrfs. Judged from the mount table on a running machine and from /etc/fstab in an image.",
        "The replication driver tracks writes below these file systems only; the installer refuses any other type for / or /boot.",
        "Move the root (or /boot) file system to a supported type; this means a reinstall or a migration to a new disk.",
        &[
            "ASRMobilityServiceUnsupportedRootFileSystem",
            "ASRMobilityServiceUnsupportedBootFileSystem",
        ],
        check_filesystems,
        codes: &[
            Code::fail_or_warn(
                "unsupported-root-fs",
                "the root file system is not a type the installer accepts",
            ),
            Code::fail_or_warn(
                "unsupported-boot-fs",
                "the separate /boot file system is not a type the installer accepts",
            ),
            Code::error(
                "root-not-mounted",
                "the running machine's mount table shows nothing mounted on /",
            ),
        ]
    ),
    agent_check!(
        "agent.grub-device-names",
        "GRUB names root and resume devices by UUID, label or LVM",
        false,
        "In the GRUB configuration (/boot/grub/grub.cfg, /boot/grub2/grub.cfg, /boot/grub/menu.lst or grub.conf, and /etc/default/grub for the next regeneration), root= and resume= must name devices by UUID=, LABEL=, /dev/disk/by-uuid, /dev/disk/by-label or an LVM/device-mapper name, never a kernel name such as /dev/sda2.",
        "After failover the disks may come up under other kernel names in Azure, and a machine whose boot loader names /dev/sdX may not boot; the installer refuses such a configuration.",
        "Replace each raw device name with its UUID (`blkid -s UUID -o value /dev/sda2`), in /etc/default/grub then regenerate (`grub2-mkconfig -o /boot/grub2/grub.cfg`, or `update-grub` on Debian and Ubuntu), or directly in grub.conf/menu.lst on GRUB legacy systems.",
        &["95320", "151126", "ASRMobilityServiceGrubDeviceNameChange"],
        check_grub_device_names,
        codes: &[Code::fail_or_warn(
            "device-path",
            "GRUB names a root= or resume= device by a device path (/dev/sda2, /dev/disk/by-id/...), not by UUID, label or LVM name",
        )]
    ),
    agent_check!(
        "agent.dhcp-client",
        "The DHCP client the agent expects is installed",
        false,
        "The DHCP client the installer looks for on this distribution must be installed: dhclient on RHEL, CentOS, Oracle Linux, Ubuntu and Debian, dhcpcd on SLES 11, dhclient (dhcp-client) on SLES 12, wicked's DHCPv4 supervisor on SLES 15.",
        "After failover the machine takes its address in Azure from DHCP; the installer refuses a machine that would come up without a DHCP client.",
        "Install the package named in the finding (for example `yum install dhclient`, `zypper install dhcp-client`, `apt-get install isc-dhcp-client`).",
        &[
            "ASRMobilityServiceDhcpClientNotAvailable",
            "170010 (hydration: no dhclient or dhcpcd)",
        ],
        check_dhcp_client,
        codes: &[Code::fail_or_warn(
            "not-installed",
            "the DHCP client the installer looks for on this distribution is not installed",
        )]
    ),
    agent_check!(
        "agent.lvm-tools",
        "LVM tools present when / is on LVM",
        false,
        "When the root file system is on a logical volume (or another device-mapper volume), the LVM tools must be installed: the installer looks for vgdisplay.",
        "The installer maps the root volume to its physical disks with the LVM tools; without them it stops and asks for lvm2.",
        "Install lvm2 (`yum install lvm2`, `zypper install lvm2`, `apt-get install lvm2`) and reboot before protecting the machine again.",
        &["ASRMobilityServiceLvmPackageMissing"],
        check_lvm_tools,
        codes: &[
            Code::fail_or_warn(
                "not-installed",
                "/ is on a logical volume but vgdisplay is not installed",
            ),
            Code::error(
                "root-device-unknown",
                "whether / is on a logical volume could not be told",
            ),
        ]
    ),
    agent_check!(
        "agent.acpi",
        "No acpi=0 on the kernel command line",
        false,
        "The kernel command line must not contain acpi=0: the running kernel's (/proc/cmdline) on a running machine, the default boot entry's in an image.",
        "The installer refuses machines booted with acpi=0; the replica in Azure needs ACPI for shutdown and device discovery.",
        "Remove acpi=0 from GRUB_CMDLINE_LINUX in /etc/default/grub and regenerate the GRUB configuration (or `grubby --update-kernel=ALL --remove-args=acpi=0` on RHEL), then reboot.",
        &["ASRMobilityServiceAcpiEqualsToZeroSet"],
        check_acpi,
        codes: &[
            Code::fail_or_warn("acpi-off", "acpi=0 is on the kernel command line"),
            Code::error("cannot-read", "the running kernel's command line could not be read"),
        ]
    ),
    agent_check!(
        "agent.runlevel",
        "Runlevel 2, 3 or 5",
        false,
        "The runlevel must be 2, 3 or 5. On systemd machines (systemctl present) the installer takes runlevel 3; elsewhere it asks `runlevel`. In an image, the default runlevel (/etc/inittab initdefault, upstart's DEFAULT_RUNLEVEL) stands in.",
        "The installer registers its services for the multi-user runlevels; in single-user mode, or when the runlevel cannot be read, it stops.",
        "Boot into a multi-user runlevel: set `id:3:initdefault:` in /etc/inittab (SysV, upstart) and reboot, or `telinit 3` now.",
        &["ASRMobilityServiceRunlevelCommandFailure"],
        check_runlevel,
        codes: &[
            Code::fail_or_warn(
                "unknown-runlevel",
                "the runlevel cannot be read (no RUN_LVL record in utmp)",
            ),
            Code::fail_or_warn(
                "bad-runlevel",
                "the runlevel is not 2, 3 or 5",
            ),
        ]
    ),
];

/// Runs an installer prerequisite with the matrix's rules; a failure says what it becomes when
/// the matrix only advises them (the run decides which applies: `severity`).
fn with_rules(
    ctx: &Context<'_>,
    f: impl FnOnce(&AgentRules) -> Result<Finding, FactError>,
) -> Result<Finding, FactError> {
    let Some(rules) = ctx.matrix.agent_rules() else {
        return Ok(Finding::skip(format!(
            "the {} matrix has no [agent] section: the installer's prerequisites are not judged",
            ctx.matrix.name()
        )));
    };
    let finding = f(rules)?;
    if finding.status != Status::Fail {
        return Ok(finding);
    }
    // Advice downgrades every failing line, the summary and each coded problem line alike.
    let mut advised = finding.clone();
    advised.status = Status::Warn;
    for p in advised
        .problems
        .iter_mut()
        .filter(|p| p.status == Status::Fail)
    {
        p.status = Status::Warn;
    }
    advised.details.push(format!(
        "the {} matrix treats the installer's own prerequisites as advice; with --matrix asr-2026 this fails",
        ctx.matrix.name()
    ));
    Ok(finding.if_advice(Advice::InstallerPrerequisite, advised))
}

/// The command that installs `pkgs` on this distribution.
/// The distribution family (`facts.os().family`) and major version, for fix commands.
fn family(ctx: &Context<'_>) -> (Family, Option<u32>) {
    let os = ctx.facts.os();
    (os.family, os.version.as_deref().and_then(version::major))
}

fn install_cmd(ctx: &Context<'_>, rhel: &str, suse: &str, debian: &str) -> String {
    let (family, major) = family(ctx);
    let pkg = match family {
        Family::Rhel => rhel,
        Family::Suse => suse,
        Family::Debian => debian,
        Family::Other => "",
    };
    match family.conventions(major) {
        Some(c) => format!("{} {pkg}", c.install),
        None => format!(
            "install the package providing it ({rhel} on RHEL, {suse} on SLES, {debian} on Debian/Ubuntu)"
        ),
    }
}

fn check_c_locale(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |_| {
        let loc = ctx.facts.locale();
        let mut details = vec![
            "glibc's `locale -a` always lists C and POSIX: they are compiled in, not files"
                .to_string(),
        ];
        if loc.c_locales.is_empty() {
            details.push("no C.* locale directory under /usr/lib/locale".into());
        } else {
            details.push(format!(
                "also under /usr/lib/locale: {}",
                loc.c_locales.join(", ")
            ));
        }
        if loc.archive {
            details.push("/usr/lib/locale/locale-archive is present".into());
        }
        details.extend(loc.errors.iter().map(ToString::to_string));
        match ctx.facts.programs().find("locale")? {
            Some(p) => Ok(Finding::pass(format!(
                "{} is present, so `locale -a` lists the C locale",
                p.display()
            ))
            .details(details)),
            None => Ok(Finding::fail(
                "no `locale` program in root's PATH: the installer's `locale -a | grep -iw C` finds no C locale",
            )
            .code("no-locale-program")
            .details(details)
            .detail(format!(
                "looked in {}",
                crate::facts::programs::PATH_DIRS.join(", ")
            ))
            .fix(format!(
                "{} (it provides /usr/bin/locale).",
                install_cmd(ctx, "glibc-common", "glibc", "libc-bin")
            ))),
        }
    })
}

fn check_secure_boot(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |_| {
        let fw = ctx.facts.firmware();
        let mokutil = match ctx.facts.programs().path("mokutil") {
            Some(p) => format!("{} is present: the installer itself asks it", p.display()),
            None => "mokutil is not installed: the installer would not notice Secure Boot, but the unsigned driver would not load".to_string(),
        };
        match (fw.firmware, fw.secure_boot) {
            (Firmware::Unknown, _) if !ctx.facts.is_live() => Ok(Finding::skip(
                "the firmware's Secure Boot setting is not in an image (no sys/firmware under the root)",
            )),
            (Firmware::Unknown, _) => {
                Ok(Finding::error("/sys/firmware is missing: the firmware cannot be seen")
                    .code("no-firmware"))
            }
            (Firmware::Bios, _) => {
                Ok(Finding::pass("BIOS firmware: there is no Secure Boot").detail(fw.source.clone()))
            }
            (Firmware::Uefi, Some(false)) => Ok(Finding::pass("UEFI with Secure Boot off")
                .detail(fw.source.clone())
                .detail(mokutil)),
            (Firmware::Uefi, Some(true)) => Ok(Finding::fail("UEFI Secure Boot is on")
                .code("secure-boot-on")
                .detail(format!("SecureBoot = 1 in {}", fw.source))
                .detail(mokutil)
                .fix("Turn Secure Boot off in the virtual machine's or server's firmware settings (VMware: VM Options > Boot Options > Secure Boot; physical servers: the UEFI setup), then boot again; `mokutil --sb-state` then says SecureBoot disabled.")),
            (Firmware::Uefi, None) => Ok(Finding::error("UEFI firmware, but the SecureBoot variable could not be read")
                .code("cannot-read-variable")
                .details(fw.errors.clone())),
        }
    })
}

fn check_root_free_space(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |rules| {
        let Some(at) = ctx.facts.root_space() else {
            return Ok(Finding::skip(
                "free space on / is known only on the running machine",
            ));
        };
        let space = match &at.space {
            Ok(s) => *s,
            Err(e) => {
                return Ok(Finding::error("could not measure the free space on /")
                    .code("cannot-measure")
                    .detail(e.clone()));
            }
        };
        let need = rules.root_free_kib.saturating_mul(1024);
        let avail = space.available_bytes();
        let avail_kib = avail / 1024;
        let mut details = vec![format!(
            "available on /: {avail_kib} KiB ({avail} bytes), as `df -Pk /` reports it"
        )];
        if let Some(m) = &at.mount {
            details.push(format!("file system: {} ({})", m.device, m.fstype));
        }
        if avail >= need {
            Ok(Finding::pass(format!(
                "{avail_kib} KiB available on / (the installer wants {} KiB)",
                rules.root_free_kib
            ))
            .details(details))
        } else {
            Ok(Finding::fail(format!(
                "only {avail_kib} KiB available on /; the installer wants {} KiB",
                rules.root_free_kib
            ))
            .code("not-enough-space")
            .details(details)
            .fix(format!(
                "Free at least {} MiB on / (for example `{}`, remove old kernels, trim /var/log), or grow the root file system.",
                (need - avail).div_ceil(1 << 20),
                match family(ctx).0 {
                    Family::Debian => "apt-get clean",
                    Family::Suse => "zypper clean --all",
                    _ => "yum clean all",
                }
            )))
        }
    })
}

/// `/` and `/boot` as the installer will see them: the mount table of a running machine, the
/// fstab of an image (or a captured mount table when the image has no fstab).
fn fs_of(ctx: &Context<'_>, mount_point: &[u8]) -> Option<FsUse> {
    let m = ctx.facts.mounts();
    if ctx.facts.is_live() {
        m.mounted_now(mount_point)
    } else if m.fstab.is_some() {
        m.mounted_at_boot(mount_point)
    } else {
        m.mounted_now(mount_point)
    }
}

fn check_filesystems(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |rules| {
        let mounts = ctx.facts.mounts();
        let Some(root) = fs_of(ctx, b"/") else {
            let f = if ctx.facts.is_live() {
                Finding::error("the mount table does not show what is mounted on /")
                    .code("root-not-mounted")
            } else if mounts.fstab.is_some() {
                Finding::skip(
                    "/etc/fstab has no entry for /, so the root file system type is not known",
                )
            } else {
                Finding::skip(
                    "the image has no /etc/fstab, so the root file system type is not known",
                )
            };
            return Ok(f.details(mounts.errors.clone()));
        };
        let boot = fs_of(ctx, b"/boot");
        let mut details = vec![format!(
            "/: {} on {} ({})",
            root.fstype, root.device, root.source
        )];
        match &boot {
            Some(b) => details.push(format!(
                "/boot: {} on {} ({})",
                b.fstype, b.device, b.source
            )),
            None => details.push("/boot is not a separate file system".into()),
        }
        let mut problems = Vec::new();
        if !rules.root_filesystems.contains(&root.fstype) {
            problems.push((
                "unsupported-root-fs",
                format!(
                    "/ is {}, not one of {}",
                    root.fstype,
                    rules.root_filesystems.join(", ")
                ),
            ));
        }
        if let Some(b) = &boot {
            if !rules.boot_filesystems.contains(&b.fstype) {
                problems.push((
                    "unsupported-boot-fs",
                    format!(
                        "/boot is {}, not one of {}",
                        b.fstype,
                        rules.boot_filesystems.join(", ")
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Finding::pass(format!(
                "/ is {}{}",
                root.fstype,
                boot.as_ref()
                    .map(|b| format!(", /boot is {}", b.fstype))
                    .unwrap_or_default()
            ))
            .details(details))
        } else {
            let texts: Vec<&str> = problems.iter().map(|p| p.1.as_str()).collect();
            let f = Finding::fail(texts.join("; ")).code(problems[0].0);
            let f = problems
                .iter()
                .fold(f, |f, (code, text)| f.problem(Status::Fail, code, text));
            Ok(f.details(details)
                .fix("Site Recovery cannot protect this layout as it is: migrate the file system to ext4 or XFS (a new disk, copy, update /etc/fstab and the boot loader), or reinstall."))
        }
    })
}

/// Whether a `root=`/`resume=` value is one the installer accepts.
pub(crate) fn device_name_ok(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("/dev/") else {
        // UUID=, LABEL=, PARTUUID=, ...: not a kernel device name.
        return true;
    };
    if rest.starts_with("disk/by-uuid/") || rest.starts_with("disk/by-label/") {
        return true;
    }
    if rest.starts_with("mapper/") || rest.starts_with("dm-") {
        return true;
    }
    // /dev/VG/LV: a volume group directory, not a kernel name or a /dev/disk alias.
    let parts: Vec<&str> = rest.split('/').collect();
    parts.len() == 2 && parts[0] != "disk" && !parts.iter().any(|p| p.is_empty())
}

fn ref_line(r: &DeviceRef) -> String {
    format!(
        "{} line {} ({}): {}={}",
        r.file, r.line, r.context, r.key, r.value
    )
}

fn check_grub_device_names(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |_| {
        let boot = ctx.facts.boot();
        if boot.files_read.is_empty() {
            return Ok(Finding::skip(
                "no GRUB configuration (/boot/grub/grub.cfg, /boot/grub2/grub.cfg, /boot/grub/menu.lst, /boot/grub/grub.conf, /etc/default/grub): the installer skips this test too",
            )
            .details(boot.errors.clone()));
        }
        let mut details = vec![format!(
            "read: {}{}",
            boot.files_read.join(", "),
            boot.installer_file()
                .map(|f| format!(" (the installer reads {f})"))
                .unwrap_or_default()
        )];
        details.extend(boot.errors.iter().map(ToString::to_string));
        let bad: Vec<&DeviceRef> = boot
            .refs
            .iter()
            .filter(|r| !device_name_ok(&r.value))
            .collect();
        if bad.is_empty() {
            return Ok(Finding::pass(format!(
                "{} root=/resume= reference{} by UUID, label or LVM name",
                boot.refs.len(),
                if boot.refs.len() == 1 { "" } else { "s" }
            ))
            .details(details)
            .details(boot.refs.iter().map(ref_line)));
        }
        let mut devices: Vec<&str> = Vec::new();
        for r in &bad {
            if !devices.contains(&r.value.as_str()) {
                devices.push(&r.value);
            }
        }
        let replacements: Vec<String> = devices
            .iter()
            .map(|d| {
                let name = d.trim_start_matches("/dev/");
                match boot.uuid_of(name) {
                    Some(u) => format!("{d} -> UUID={u}"),
                    None => format!("{d} -> UUID=$(blkid -s UUID -o value {d})"),
                }
            })
            .collect();
        let regen = match family(ctx) {
            (Family::Debian, _) => "update-grub",
            (Family::Rhel, Some(m)) if m <= 6 => {
                "(GRUB legacy: edit /boot/grub/grub.conf directly)"
            }
            (Family::Suse, Some(11)) => "(GRUB legacy: edit /boot/grub/menu.lst directly)",
            _ => "grub2-mkconfig -o /boot/grub2/grub.cfg",
        };
        let in_default = bad.iter().any(|r| r.file == DEFAULT_GRUB);
        Ok(Finding::fail(format!(
            "GRUB names {} by device path, not by UUID, label or LVM name",
            devices.join(", ")
        ))
        .code("device-path")
        .details(details)
        .details(bad.iter().map(|r| ref_line(r)))
        .fix(format!(
            "Use UUIDs instead: {}. {}then regenerate the configuration: {regen}.",
            replacements.join("; "),
            if in_default {
                "Edit GRUB_CMDLINE_LINUX in /etc/default/grub, "
            } else {
                "Edit the kernel lines named above, "
            }
        )))
    })
}

/// The DHCP client the installer looks for: (what, path or program name, package).
fn dhcp_rule(ctx: &Context<'_>) -> Option<(&'static str, &'static str)> {
    let os = ctx.facts.os();
    let major = os.version.as_deref().and_then(version::major);
    // The installer's rules are for RHEL-numbered releases; Fedora and Amazon Linux (by ID:
    // RHEL's own ID_LIKE says fedora) are not.
    let el_numbered = !matches!(os.id.as_deref(), Some("fedora" | "amzn"));
    match (os.family, major) {
        (Family::Rhel, Some(m)) if m >= 8 && el_numbered => Some(("dhclient", "dhcp-client")),
        (Family::Rhel, _) if el_numbered => Some(("dhclient", "dhclient")),
        (Family::Suse, Some(11)) => Some(("dhcpcd", "dhcpcd")),
        (Family::Suse, Some(12)) => Some(("dhclient", "dhcp-client")),
        (Family::Suse, Some(15)) => Some(("/usr/lib/wicked/bin/wickedd-dhcp4", "wicked")),
        (Family::Debian, _) => Some(("dhclient", "isc-dhcp-client")),
        _ => None,
    }
}

fn check_dhcp_client(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |_| {
        let os = ctx.facts.os();
        let Some((program, package)) = dhcp_rule(ctx) else {
            return Ok(Finding::skip(format!(
                "the installer has no DHCP-client rule for {} {}",
                os.id.as_deref().unwrap_or("an unknown distribution"),
                os.version.as_deref().unwrap_or("")
            )));
        };
        let found = if program.starts_with('/') {
            ctx.facts
                .is_file(std::path::Path::new(program))
                .then(|| program.to_string())
        } else {
            ctx.facts
                .programs()
                .path(program)
                .map(|p| p.display().to_string())
        };
        let what = format!(
            "{} {}: the installer looks for {program} (package {package})",
            os.id.as_deref().unwrap_or("?"),
            os.version.as_deref().unwrap_or("?")
        );
        match found {
            Some(p) => Ok(Finding::pass(format!("{p} is installed")).detail(what)),
            None => Ok(Finding::fail(format!("{program} is not installed"))
                .code("not-installed")
                .detail(what)
                .fix(install_cmd(ctx, package, package, package))),
        }
    })
}

/// Whether / is on a logical volume (or another device-mapper volume, which the installer
/// treats alike), and the evidence.
fn root_on_lv(ctx: &Context<'_>) -> (Option<bool>, String) {
    let st = ctx.facts.storage();
    let Some(root) = fs_of(ctx, b"/") else {
        return (None, "what is mounted on / is not known".into());
    };
    let dev = root
        .devnum
        .filter(|(major, _)| *major != 0)
        .and_then(|n| st.device_of_devnum(n))
        .or_else(|| st.device_of_path(&root.device));
    if let Some(d) = dev {
        let dm = d.kind == DeviceKind::DeviceMapper;
        let how = format!(
            "/ is {} ({}): {}{}",
            root.device,
            root.source,
            d.display_name(),
            d.dm_name
                .as_deref()
                .map(|n| format!(", device-mapper volume {n}"))
                .unwrap_or_default()
        );
        return (Some(dm), how);
    }
    let by_name = root.device.starts_with("/dev/mapper/")
        || root.device.starts_with("/dev/dm-")
        || (root.device.starts_with("/dev/")
            && device_name_ok(&root.device)
            && !root.device.starts_with("/dev/disk/"));
    let how = format!("/ is {} ({})", root.device, root.source);
    if by_name {
        return (Some(true), how);
    }
    if root.device.starts_with("/dev/") {
        return (Some(false), how);
    }
    // UUID= or LABEL=: the boot arguments may still tell.
    let args = ctx
        .facts
        .kernel()
        .boot_args
        .clone()
        .or_else(|| ctx.facts.boot().cmdline.clone())
        .unwrap_or_default();
    let parsed = cmdline::parse(&args);
    let lv_args: Vec<String> = parsed
        .iter()
        .filter(|a| a.key == "rd.lvm.lv" || a.key == "rd_LVM_LV")
        .map(|a| a.text())
        .collect();
    if !lv_args.is_empty() {
        return (
            Some(true),
            format!("{how}; boot arguments: {}", lv_args.join(" ")),
        );
    }
    (
        Some(false),
        format!("{how}; the boot arguments name no logical volume (no rd.lvm.lv=)"),
    )
}

fn check_lvm_tools(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |_| {
        let vg = ctx
            .facts
            .programs()
            .find("vgdisplay")?
            .map(|p| p.display().to_string());
        let (on_lv, how) = root_on_lv(ctx);
        match (on_lv, vg) {
            (_, Some(p)) => Ok(Finding::pass(format!("{p} is present")).detail(how)),
            (Some(false), None) => Ok(Finding::pass(
                "/ is not on a logical volume, so the LVM tools are not needed",
            )
            .detail(how)),
            (Some(true), None) => Ok(Finding::fail(
                "/ is on a logical volume but vgdisplay is not installed",
            )
            .code("not-installed")
            .detail(how)
            .fix(format!(
                "{}, then reboot before protecting the machine again.",
                install_cmd(ctx, "lvm2", "lvm2", "lvm2")
            ))),
            (None, None) => {
                if ctx.facts.is_live() {
                    Ok(
                        Finding::error("could not tell whether / is on a logical volume")
                            .code("root-device-unknown")
                            .detail(how),
                    )
                } else {
                    Ok(Finding::skip("the image does not say what / is mounted from").detail(how))
                }
            }
        }
    })
}

fn check_acpi(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |_| {
        let (line, source) = if ctx.facts.is_live() {
            match &ctx.facts.boot().cmdline {
                Some(c) => (c.clone(), "/proc/cmdline".to_string()),
                None => {
                    return Ok(Finding::error("could not read /proc/cmdline")
                        .code("cannot-read")
                        .details(ctx.facts.boot().errors.clone()));
                }
            }
        } else {
            let k = ctx.facts.kernel();
            match &k.boot_args {
                Some(a) => (a.clone(), k.source.clone()),
                None => {
                    return Ok(Finding::skip(
                        "no default boot entry found in the image, so its kernel command line is not known",
                    )
                    .detail(k.source.clone()));
                }
            }
        };
        let bad = cmdline::parse(&line)
            .into_iter()
            .any(|a| a.key.eq_ignore_ascii_case("acpi") && a.value.as_deref() == Some("0"));
        if bad {
            Ok(Finding::fail(format!("acpi=0 is on the kernel command line ({source})"))
                .code("acpi-off")
                .detail(format!("command line: {line}"))
                .fix(match family(ctx) {
                    (Family::Rhel, Some(m)) if m >= 7 => "grubby --update-kernel=ALL --remove-args=acpi=0, then reboot.".to_string(),
                    (Family::Rhel, _) => "Remove acpi=0 from the kernel lines of /boot/grub/grub.conf, then reboot.".to_string(),
                    (Family::Suse, Some(11)) => "Remove acpi=0 from the kernel lines of /boot/grub/menu.lst, then reboot.".to_string(),
                    (Family::Debian, _) => "Remove acpi=0 from GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run update-grub, then reboot.".to_string(),
                    _ => "Remove acpi=0 from GRUB_CMDLINE_LINUX in /etc/default/grub, run grub2-mkconfig -o /boot/grub2/grub.cfg, then reboot.".to_string(),
                }))
        } else {
            Ok(Finding::pass(format!(
                "no acpi=0 on the kernel command line ({source})"
            )))
        }
    })
}

fn check_runlevel(ctx: &Context<'_>) -> Result<Finding, FactError> {
    with_rules(ctx, |_| {
        let r = ctx.facts.runlevel();
        if let Some(sc) = &r.systemctl {
            let mut f = Finding::pass(format!(
                "systemd ({sc} present): the installer takes runlevel 3"
            ));
            if let Some(t) = &r.default_target {
                f = f.detail(format!(
                    "default target: {t}{}",
                    runlevel_of_target(t)
                        .map(|c| format!(" (runlevel {c})"))
                        .unwrap_or_default()
                ));
            }
            return Ok(f);
        }
        let (level, source) = if ctx.facts.is_live() {
            match &r.current {
                Some((c, s)) => (*c, s.clone()),
                None => {
                    return Ok(Finding::fail(
                        "the runlevel cannot be read: utmp has no RUN_LVL record, so `runlevel` says unknown",
                    )
                    .code("unknown-runlevel")
                    .details(r.errors.clone())
                    .fix("Boot the machine normally into runlevel 3 or 5 (init writes the runlevel to utmp), e.g. `telinit 3`."));
                }
            }
        } else {
            match &r.default {
                Some((c, s)) => (*c, format!("default {s}")),
                None => {
                    return Ok(Finding::skip(
                        "the image names no default runlevel (no initdefault in /etc/inittab, no upstart DEFAULT_RUNLEVEL) and has no systemctl",
                    )
                    .details(r.errors.clone()));
                }
            }
        };
        if matches!(level, '2' | '3' | '5') {
            Ok(Finding::pass(format!("runlevel {level} ({source})")))
        } else {
            Ok(Finding::fail(format!("runlevel {level} ({source}); the installer needs 2, 3 or 5"))
                .code("bad-runlevel")
                .fix(if ctx.facts.is_live() {
                    "Switch to a multi-user runlevel (`telinit 3`) and make it the default: `id:3:initdefault:` in /etc/inittab."
                } else {
                    "Make a multi-user runlevel the default: `id:3:initdefault:` in /etc/inittab."
                }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{FakeProbe, FsSpace};

    /// A PATH directory that cannot be looked at (here a symbolic-link loop) makes
    /// agent.c-locale an error naming it, never a failure saying `locale` is missing; the same
    /// tree with a readable PATH and no `locale` fails.
    #[test]
    fn unreadable_path_is_an_error_not_a_missing_program() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("usr")).unwrap();
        let run = || {
            crate::checks::run_on(
                dir.path(),
                None,
                crate::scenario::Scenario::VmwareToAzure,
                check_c_locale,
            )
        };
        assert_eq!(run().status, Status::Fail, "{:?}", run());
        std::os::unix::fs::symlink("bin", dir.path().join("usr/bin")).unwrap();
        let f = run();
        assert_eq!(f.status, Status::Error, "{f:?}");
        assert!(f.summary.contains("/usr/bin/"), "{}", f.summary);
        assert!(f.summary.contains("symbolic links"), "{}", f.summary);
    }

    /// agent.root-free-space compares statvfs's available blocks with the installer's
    /// 1,048,576 KiB: one 4 KiB block short fails (enforced by asr-2026, a warning with
    /// asr-2016), exactly enough passes.
    #[test]
    fn root_free_space_threshold() {
        let dir = tempfile::tempdir().unwrap();
        let judge = |blocks: u64, m: &str| {
            let mut probe = FakeProbe::new("5.10.0", "h");
            probe.space.push((
                std::path::PathBuf::from("/"),
                FsSpace {
                    fragment_size: 4096,
                    blocks: 1 << 30,
                    blocks_free: blocks + 1000,
                    blocks_available: blocks,
                },
            ));
            // What the run reports: the matrix decides whether the installer's rule is advice.
            crate::checks::report_on(
                dir.path(),
                Some(probe),
                Scenario::VmwareToAzure,
                m,
                check_root_free_space,
            )
            .status
        };
        let enough = 1_048_576 / 4;
        assert_eq!(judge(enough, "asr-2026"), Status::Pass);
        assert_eq!(judge(enough - 1, "asr-2026"), Status::Fail);
        assert_eq!(judge(enough - 1, "asr-2016"), Status::Warn);
    }

    /// The installer's accepted forms pass; kernel names and other /dev aliases do not.
    #[test]
    fn device_names() {
        for ok in [
            "UUID=0a1b",
            "LABEL=root",
            "PARTUUID=1234-01",
            "/dev/disk/by-uuid/0a1b",
            "/dev/disk/by-label/root",
            "/dev/mapper/centos-root",
            "/dev/VolGroup00/LogVol00",
            "/dev/dm-0",
        ] {
            assert!(device_name_ok(ok), "{ok}");
        }
        for bad in [
            "/dev/sda2",
            "/dev/vda1",
            "/dev/xvda1",
            "/dev/hda1",
            "/dev/nvme0n1p2",
            "/dev/md0",
            "/dev/disk/by-path/pci-0000:00:10.0-scsi-0:0:0:0-part1",
            "/dev/disk/by-id/ata-X-part1",
        ] {
            assert!(!device_name_ok(bad), "{bad}");
        }
    }
}
