//! "English only" names: the host name, mount points, device names and the names under the
//! system directories may hold printable ASCII only (0x20 to 0x7E). Anything else, whether
//! valid UTF-8 or not, and controls such as tab, newline and DEL, offends. Newer documents also
//! ask that device and mount point names stay unique when case is ignored: a warning.

use crate::facts::FactError;
use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::names::{self, DeviceName, DeviceNames, MountPoints, Namespace, SystemPaths};
use crate::scan::ScanOutcome;
use crate::text::{escape_bytes, is_allowed_byte, is_ascii_name};

macro_rules! seed_names {
    () => {
        "seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"Linux machines (physical or VMware)\", the sentence on English-only names"
    };
}
const SEED_NAMES: &str = seed_names!();
const SEED_NAMES_AND_CASE: &str = concat!(
    seed_names!(),
    "; unique names ignoring case: reference/asr-matrix.md section 5 (row \"Names\", VMware/physical support matrix 2023)"
);

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "ascii.hostname",
        title: "Host name is English (ASCII) only",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The machine's host name may contain only plain English characters: printable ASCII, from space to tilde. Accented or other non-Latin letters, control characters and DEL are not allowed.",
            why: "The Mobility service and the configuration server exchange the host name in their registration and in file and log names; a name outside ASCII can make registration or replication fail or show the machine under a mangled name.",
            fix: "Set an ASCII host name: `hostnamectl set-hostname NEW` on systemd distributions; on RHEL/CentOS 6 set HOSTNAME= in /etc/sysconfig/network and run `hostname NEW`; on SLES 11 write it to /etc/HOSTNAME.",
            reference: SEED_NAMES,
            prevents: &[
                "no published error code (the seed's requirement: registration and machine naming with a non-English host name)",
            ],
        },
        codes: &[
            Code::error("cannot-read", "the host name could not be determined"),
            Code::fail(
                "non-ascii",
                "the host name has characters outside printable ASCII",
            ),
        ],
        run: check_hostname,
    },
    CheckDef {
        id: "ascii.mount-points",
        title: "Mount points are ASCII only and unique ignoring case",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "Every mount point path may contain only printable ASCII characters; the running system's mounts are judged live, an image's /etc/fstab offline. No two mount points may differ only by upper and lower case.",
            why: "The agent records mount points to map the replicated disks and volumes; a path outside ASCII, or two that a case-insensitive comparison merges, can break that mapping or the failed-over machine's mounts.",
            fix: "Unmount the file system, rename its mount point directory to an ASCII name, change the mount point in /etc/fstab (or the mount unit) and mount it again.",
            reference: SEED_NAMES_AND_CASE,
            prevents: &[
                "no published error code (mount points unique ignoring case: reference/asr-errors.md section 3, newer VMware/physical matrix)",
            ],
        },
        codes: &[
            Code::error(
                "cannot-read",
                "the mount points could not be read (mountinfo live, /etc/fstab in an image)",
            ),
            Code::fail(
                "non-ascii",
                "a mount point has characters outside printable ASCII",
            ),
            Code::warn(
                "case-collision",
                "two mount points differ only by upper and lower case",
            ),
        ],
        run: check_mount_points,
    },
    CheckDef {
        id: "ascii.device-names",
        title: "Device names are ASCII only and unique ignoring case",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "Device names may contain only printable ASCII characters: block devices and partitions, device-mapper and LVM volume group and logical volume names, file system labels and the device fields of mountinfo or fstab. No two may differ only by case.",
            why: "The agent identifies the disks and volumes it replicates by these names; a non-ASCII name, or two names equal but for case (LVM names are treated case-insensitively), can make it pick the wrong device or fail to find one.",
            fix: "Rename what carries the name: `e2label DEVICE NEW` or `xfs_admin -L NEW DEVICE` for labels, `vgrename OLD NEW` and `lvrename VG OLD NEW` for LVM (then update /etc/fstab and the boot loader), and the fstab entry that names it.",
            reference: SEED_NAMES_AND_CASE,
            prevents: &[
                "no published error code (device names unique ignoring case: reference/asr-errors.md section 3, newer VMware/physical matrix)",
            ],
        },
        codes: &[
            Code::error(
                "cannot-read",
                "a source of device names could not be read, so the list is incomplete",
            ),
            Code::fail(
                "non-ascii",
                "a device name has characters outside printable ASCII",
            ),
            Code::warn(
                "case-collision",
                "two device names of one kind differ only by upper and lower case",
            ),
        ],
        run: check_device_names,
    },
    CheckDef {
        id: "ascii.system-paths",
        title: "System paths and file names are ASCII only",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The names of directories and files under the Linux system directories (/boot, /etc, /opt, /usr, /var, each walked on its own file system) and the names at the top of / may contain only printable ASCII characters. `--scan PATH` chooses other directories instead.",
            why: "The Mobility service installer and the agent walk and copy system files (boot files, configuration, their own install tree) and can fail on names they cannot encode; the requirement exists so that these operations never meet such a name.",
            fix: "Rename each listed entry to an ASCII name (`mv -- OLD NEW`); for a file a package installed (`rpm -qf PATH` or `dpkg -S PATH` says which), remove the package or replace the file through the package rather than renaming it behind the package manager's back.",
            reference: SEED_NAMES,
            prevents: &[
                "no published error code (the seed's requirement: English-only system paths and file names)",
            ],
        },
        codes: &[
            Code::fail(
                "non-ascii",
                "a file or directory name has characters outside printable ASCII",
            ),
            Code::warn(
                "incomplete",
                "some directories could not be read, so the names in them were not judged",
            ),
            Code::error(
                "cannot-scan",
                "a path to scan could not be looked at (it does not exist, cannot be resolved or cannot be opened)",
            ),
            Code::error(
                "nothing-scanned",
                "nothing could be walked: the paths given are files or on file systems that are not walked",
            ),
        ],
        run: check_system_paths,
    },
];

/// A path or name made safe for a shell: single quotes when that is exact and readable, bash's
/// `$'…'` with `\xNN` escapes when it holds controls, invalid UTF-8 or deceptive characters.
pub fn shell_quote(bytes: &[u8]) -> String {
    let plain = std::str::from_utf8(bytes)
        .ok()
        .filter(|s| !s.chars().any(crate::text::is_deceptive));
    match plain {
        Some(s) => format!("'{}'", s.replace('\'', "'\\''")),
        None => {
            let mut out = String::from("$'");
            for &b in bytes {
                match b {
                    b'\'' => out.push_str("\\'"),
                    b'\\' => out.push_str("\\\\"),
                    b if is_allowed_byte(b) => out.push(b as char),
                    b => {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
            }
            out.push('\'');
            out
        }
    }
}

/// An ASCII stand-in for a name: each offending character (or invalid byte) becomes `filler`.
pub fn ascii_replacement(bytes: &[u8], filler: char) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_ascii() && is_allowed_byte(c as u8) {
                out.push(c);
            } else {
                out.push(filler);
            }
        }
        for _ in chunk.invalid() {
            out.push(filler);
        }
    }
    out
}

fn check_hostname(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let h = ctx.facts.hostname();
    let Some(name) = &h.name else {
        if !ctx.facts.is_live() && h.errors.is_empty() {
            // Many images get their name at first boot (cloud-init, DHCP): nothing to judge.
            return Ok(Finding::skip(format!(
                "the image sets no host name: {}",
                h.source
            )));
        }
        return Ok(Finding::error("could not determine the host name")
            .code("cannot-read")
            .detail(h.source.clone())
            .details(h.errors.clone()));
    };
    let shown = escape_bytes(name);
    if is_ascii_name(name) {
        return Ok(Finding::pass(format!("{shown} (from {})", h.source)));
    }
    let new = ascii_replacement(name, '-');
    let fix = if ctx.facts.is_live() {
        format!(
            "Choose an ASCII name (for example {new}) and set it: `hostnamectl set-hostname {new}` (systemd), or on RHEL/CentOS 6 `sed -i 's/^HOSTNAME=.*/HOSTNAME={new}/' /etc/sysconfig/network && hostname {new}`; then update /etc/hosts."
        )
    } else {
        format!(
            "In the image, write an ASCII name (for example {new}) to {} (and HOSTNAME= in /etc/sysconfig/network on RHEL/CentOS 6).",
            h.source.split(' ').next().unwrap_or("/etc/hostname")
        )
    };
    Ok(Finding::fail(format!(
        "host name {shown} has characters outside printable ASCII"
    ))
    .code("non-ascii")
    .detail(format!("read from {}", h.source))
    .detail(offending_chars(name))
    .fix(fix))
}

/// `offending: 'é' (U+00E9), byte 0xff` for a name.
fn offending_chars(bytes: &[u8]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if !(c.is_ascii() && is_allowed_byte(c as u8)) {
                let p = if crate::text::is_deceptive(c) {
                    format!("U+{:04X}", c as u32)
                } else {
                    format!("'{c}' (U+{:04X})", c as u32)
                };
                if !parts.contains(&p) {
                    parts.push(p);
                }
            }
        }
        for b in chunk.invalid() {
            let p = format!("byte 0x{b:02x} (not UTF-8)");
            if !parts.contains(&p) {
                parts.push(p);
            }
        }
    }
    format!("offending: {}", parts.join(", "))
}

fn check_mount_points(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let n = ctx.facts.names();
    let (source, list) = match &n.mounts {
        MountPoints::Read { source, list } => (source, list),
        MountPoints::Absent(why) => return Ok(Finding::skip(why.clone())),
        MountPoints::Error(e) => {
            return Ok(Finding::error("could not read the mount points")
                .code("cannot-read")
                .detail(e.clone()));
        }
    };
    let bad: Vec<_> = list.iter().filter(|m| !is_ascii_name(&m.path)).collect();
    let mut distinct: Vec<&[u8]> = list.iter().map(|m| m.path.as_slice()).collect();
    distinct.sort();
    distinct.dedup();
    let collisions = names::case_collisions(distinct.iter().copied());
    let collision_summary = format!(
        "{} groups of mount points differ only by upper/lower case (from {source})",
        collisions.len()
    );
    let collision_lines = collisions.iter().map(|g| {
        format!(
            "differ only by case: {}",
            g.iter()
                .map(|p| escape_bytes(p))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    if !bad.is_empty() {
        let first = &bad[0].path;
        let new = ascii_replacement(first, '_');
        let q = shell_quote(first);
        let fstab_hint = if source.contains("fstab") {
            format!("change {} to {new} in /etc/fstab", bad[0].origin)
        } else {
            "change it in /etc/fstab (or the mount unit that mounts it)".to_string()
        };
        let fix = format!(
            "Give each listed mount point an ASCII name. For the first: `umount {q} && mkdir -p '{new}'`, {fstab_hint}, then `mount '{new}'` and remove the old directory."
        );
        let f = Finding::fail(format!(
            "{} of {} mount points have names outside printable ASCII (from {source})",
            bad.len(),
            distinct.len()
        ))
        .code("non-ascii");
        let f = if collisions.is_empty() {
            f
        } else {
            f.problem(Status::Warn, "case-collision", collision_summary)
        };
        return Ok(f
            .details(
                bad.iter()
                    .map(|m| format!("{} ({})", escape_bytes(&m.path), m.origin)),
            )
            .details(collision_lines)
            .fix(fix));
    }
    if !collisions.is_empty() {
        return Ok(Finding::warn(collision_summary)
            .code("case-collision")
            .details(collision_lines)
        .fix("Rename all but one mount point of each group so that no two are equal ignoring case, and update /etc/fstab to match."));
    }
    Ok(Finding::pass(format!(
        "{} mount points, all printable ASCII and unique ignoring case (from {source})",
        distinct.len()
    )))
}

/// A command that renames what a device name belongs to.
fn device_fix(d: &DeviceName) -> String {
    let new = ascii_replacement(&d.name, '_');
    match d.key.as_ref().map(|k| k.0) {
        Some(Namespace::Label) => format!(
            "relabel the file system: `e2label DEVICE '{}'` (ext2/3/4) or `xfs_admin -L '{}' DEVICE` (XFS), then update LABEL= in /etc/fstab",
            ascii_replacement(d.name.strip_prefix(b"LABEL=").unwrap_or(&d.name), '_'),
            ascii_replacement(d.name.strip_prefix(b"LABEL=").unwrap_or(&d.name), '_'),
        ),
        Some(Namespace::PartLabel) => {
            "rename the partition: `sgdisk --change-name=N:NEW DISK`, then update PARTLABEL= in /etc/fstab".into()
        }
        Some(Namespace::LvmVg) => format!(
            "`vgrename {} '{new}'`, then update /etc/fstab and the boot loader's rd.lvm.vg=/root=",
            shell_quote(&d.name)
        ),
        Some(Namespace::LvmLv) => format!(
            "`lvrename VG {} '{new}'`, then update /etc/fstab and the boot loader",
            shell_quote(&d.name)
        ),
        Some(Namespace::Kernel) => format!(
            "rename the device-mapper device (`dmsetup rename {} '{new}'`, or in the tool that created it: LVM, cryptsetup, multipath aliases) and the fstab entry that names it",
            shell_quote(&d.name)
        ),
        _ => format!(
            "change the device field of the fstab entry ({}) to an ASCII name such as its UUID=",
            d.origin
        ),
    }
}

fn check_device_names(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let n = &ctx.facts.names().devices;
    // The same name read from several places is one name; keep its first origin.
    let mut seen: BTreeMap<&[u8], &DeviceName> = BTreeMap::new();
    for d in &n.list {
        seen.entry(d.name.as_slice()).or_insert(d);
    }
    let bad: Vec<&DeviceName> = seen
        .values()
        .copied()
        .filter(|d| !is_ascii_name(&d.name))
        .collect();
    let collision_lines = device_case_collisions(n);
    let sources = if n.sources.is_empty() {
        "no source found".to_string()
    } else {
        n.sources.join(", ")
    };
    if !bad.is_empty() {
        let f = Finding::fail(format!(
            "{} of {} device names have characters outside printable ASCII",
            bad.len(),
            seen.len()
        ))
        .code("non-ascii");
        return Ok(also_device_problems(f, n, &collision_lines)
            .details(
                bad.iter()
                    .map(|d| format!("{} ({})", escape_bytes(&d.name), d.origin)),
            )
            .details(collision_lines)
            .details(n.errors.iter().map(|e| format!("could not read: {e}")))
            .fix(format!(
                "Give each listed device an ASCII name. For the first ({}): {}.",
                escape_bytes(&bad[0].name),
                device_fix(bad[0])
            )));
    }
    if !collision_lines.is_empty() {
        let f = Finding::warn(collision_summary(&collision_lines)).code("case-collision");
        return Ok(also_device_problems(f, n, &[])
            .details(collision_lines)
            .details(n.errors.iter().map(|e| format!("could not read: {e}")))
            .fix("Rename all but one name of each group (labels with e2label/xfs_admin -L, LVM with vgrename/lvrename) and update /etc/fstab to match."));
    }
    if !n.errors.is_empty() {
        return Ok(Finding::error(UNREAD_DEVICES)
            .code("cannot-read")
            .details(n.errors.clone())
            .detail(format!("read: {sources}")));
    }
    if seen.is_empty() {
        return Ok(Finding::skip(format!(
            "no device names found (looked at {}, /sys/block, /dev/disk/by-label, /etc/lvm/backup)",
            if ctx.facts.is_live() {
                "/proc/self/mountinfo"
            } else {
                "/etc/fstab"
            }
        )));
    }
    Ok(Finding::pass(format!(
        "{} device names, all printable ASCII and unique ignoring case (from {sources})",
        seen.len()
    )))
}

const UNREAD_DEVICES: &str = "some device names could not be read";

/// One line per group of device names, in one namespace, that differ only by case.
fn device_case_collisions(n: &DeviceNames) -> Vec<String> {
    let mut by_space: BTreeMap<Namespace, Vec<Vec<u8>>> = BTreeMap::new();
    for d in &n.list {
        if let Some((ns, key)) = &d.key {
            by_space.entry(*ns).or_default().push(key.clone());
        }
    }
    let mut lines = Vec::new();
    for (ns, keys) in &by_space {
        for g in names::case_collisions(keys.iter().map(Vec::as_slice)) {
            lines.push(format!(
                "{} names differ only by case: {}",
                namespace_noun(*ns),
                join_shown(&g)
            ));
        }
    }
    lines
}

fn namespace_noun(ns: Namespace) -> &'static str {
    match ns {
        Namespace::Kernel => "device",
        Namespace::Label => "file system label",
        Namespace::PartLabel => "partition label",
        Namespace::LvmVg => "LVM volume group",
        Namespace::LvmLv => "LVM logical volume",
        Namespace::Other => "other",
    }
}

fn collision_summary(collision_lines: &[String]) -> String {
    format!(
        "{} groups of device names differ only by upper/lower case",
        collision_lines.len()
    )
}

/// The problems besides the one the summary states, each on its own line: case collisions
/// (when given) and unreadable sources.
fn also_device_problems(f: Finding, n: &DeviceNames, collision_lines: &[String]) -> Finding {
    let f = if collision_lines.is_empty() {
        f
    } else {
        f.problem(
            Status::Warn,
            "case-collision",
            collision_summary(collision_lines),
        )
    };
    if n.errors.is_empty() {
        f
    } else {
        f.problem(Status::Error, "cannot-read", UNREAD_DEVICES)
    }
}

fn join_shown(paths: &[Vec<u8>]) -> String {
    paths
        .iter()
        .map(|p| escape_bytes(p))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_system_paths(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let sp = ctx.facts.system_paths();
    let scan = ScanView::new(sp);
    let o = scan.o;
    let details = scan.details();
    if o.offenders.total > 0 {
        return Ok(scan.non_ascii(ctx, details));
    }
    if scan.cannot_scan() {
        return Ok(scan.cannot_scan_error(details));
    }
    if scan.unreadable > 0 {
        return Ok(Finding::warn(format!(
            "no names outside printable ASCII found, but the scan is incomplete: {} directories could not be read",
            scan.unreadable
        ))
        .code("incomplete")
        .details(details)
        .fix("Run asr-preflight as root so that every directory can be read."));
    }
    if o.walked.is_empty() {
        if sp.from_option || !o.not_walked.is_empty() {
            return Ok(Finding::error("nothing could be scanned")
                .code("nothing-scanned")
                .details(details));
        }
        return Ok(Finding::skip(format!(
            "none of {} exists in this root",
            join_shown(&sp.requested)
        ))
        .details(details));
    }
    Ok(Finding::pass(format!(
        "no names outside printable ASCII in {} entries under {}",
        o.entries, scan.where_
    ))
    .details(details))
}

/// What the system-path scan found, with the figures each verdict of `ascii.system-paths`
/// needs worked out once.
struct ScanView<'a> {
    sp: &'a SystemPaths,
    o: &'a ScanOutcome,
    /// The walked starts, as the summary names them.
    where_: String,
    unreadable: u64,
    incomplete: bool,
    /// What the scan was asked to look at and could not, said first in the summary.
    not_looked: Vec<String>,
    /// A start that could not be opened at all was not looked at: that is an error, not a
    /// partial scan.
    start_unreadable: bool,
}

impl<'a> ScanView<'a> {
    fn new(sp: &'a SystemPaths) -> Self {
        let o = &sp.outcome;
        let mut where_ = join_shown(&o.walked);
        if where_.is_empty() {
            where_ = "nothing".into();
        }
        if sp.top_level {
            where_.push_str(" and the names at the top of /");
        }
        let unreadable = o.unreadable.total;
        let user_missing = sp.from_option && !sp.missing.is_empty();
        let mut not_looked: Vec<String> = sp.errors.iter().map(ToString::to_string).collect();
        if user_missing {
            not_looked.extend(
                sp.missing
                    .iter()
                    .map(|p| format!("{}: does not exist", escape_bytes(p))),
            );
        }
        ScanView {
            sp,
            o,
            where_,
            unreadable,
            incomplete: unreadable > 0 || !sp.errors.is_empty() || user_missing,
            not_looked,
            start_unreadable: o
                .unreadable
                .items
                .iter()
                .any(|(p, _)| sp.requested.contains(p)),
        }
    }

    fn cannot_scan(&self) -> bool {
        !self.not_looked.is_empty() || self.start_unreadable
    }

    /// The detail lines, in the order every verdict shows them.
    fn details(&self) -> Vec<String> {
        let (sp, o) = (self.sp, self.o);
        let mut details = Vec::new();
        if self.incomplete {
            details.push(self.incomplete_line());
        }
        details.extend(o.offenders.items.iter().map(|p| escape_bytes(p)));
        let unlisted = o
            .offenders
            .total
            .saturating_sub(o.offenders.items.len() as u64);
        if unlisted > 0 {
            details.push(format!(
                "... and {unlisted} more not listed (the report keeps the first {} of {})",
                o.offenders.items.len(),
                o.offenders.total
            ));
        }
        for (p, cause) in &o.unreadable.items {
            details.push(format!("could not read {}: {cause}", escape_bytes(p)));
        }
        let more = self
            .unreadable
            .saturating_sub(o.unreadable.items.len() as u64);
        if more > 0 {
            details.push(format!("... and {more} more directories could not be read"));
        }
        details.extend(sp.errors.iter().map(|e| format!("could not look at {e}")));
        for p in &sp.missing {
            details.push(format!("{}: does not exist", escape_bytes(p)));
        }
        for (p, why) in &o.not_walked {
            details.push(format!("{}: {why}", escape_bytes(p)));
        }
        if o.other_fs.total > 0 {
            details.push(format!(
                "{} directories not entered (another file system is mounted there): {}{}",
                o.other_fs.total,
                join_shown(&o.other_fs.items[..o.other_fs.items.len().min(20)]),
                if o.other_fs.total > 20 { ", ..." } else { "" }
            ));
        }
        details.push(format!(
            "walked {}: {} entries in {} directories",
            self.where_, o.entries, o.dirs
        ));
        details
    }

    /// `scan incomplete: ...`, the first detail line of a scan that was not whole.
    fn incomplete_line(&self) -> String {
        let mut parts = Vec::new();
        if self.unreadable > 0 {
            parts.push(format!("{} directories could not be read", self.unreadable));
        }
        if !self.not_looked.is_empty() {
            parts.push(match self.not_looked.len() {
                1 => "1 path to scan could not be looked at".to_string(),
                n => format!("{n} paths to scan could not be looked at"),
            });
        }
        format!("scan incomplete: {}", parts.join(", "))
    }

    /// The failure: names outside ASCII were found, with what kept the scan from being whole
    /// as a problem of its own.
    fn non_ascii(&self, ctx: &Context<'_>, details: Vec<String>) -> Finding {
        let total = self.o.offenders.total;
        let f = Finding::fail(format!(
            "{total} names outside printable ASCII under {}{}",
            self.where_,
            if self.incomplete {
                " (scan incomplete)"
            } else {
                ""
            }
        ))
        .code("non-ascii");
        let f = if self.cannot_scan() {
            f.problem(
                Status::Error,
                "cannot-scan",
                format!("{} could not be looked at", self.not_looked_count()),
            )
        } else if self.unreadable > 0 {
            f.problem(
                Status::Warn,
                "incomplete",
                format!("{} directories could not be read", self.unreadable),
            )
        } else {
            f
        };
        f.details(details)
            .fix(rename_fix(ctx, &self.o.offenders.items[0]))
    }

    /// The error: a path to scan, or a start, could not be looked at.
    fn cannot_scan_error(&self, details: Vec<String>) -> Finding {
        let first = self.not_looked.first().cloned().or_else(|| {
            self.o
                .unreadable
                .items
                .iter()
                .find(|(p, _)| self.sp.requested.contains(p))
                .map(|(p, cause)| format!("{}: {cause}", escape_bytes(p)))
        });
        let more = self.not_looked.len().saturating_sub(1);
        Finding::error(format!(
            "could not look at {}{}",
            first.unwrap_or_default(),
            match more {
                0 => String::new(),
                1 => " (and 1 more path to scan)".to_string(),
                n => format!(" (and {n} more paths to scan)"),
            }
        ))
        .code("cannot-scan")
        .details(details)
    }

    /// `2 paths to scan`: the paths that could not be looked at, those given and the starts
    /// that could not be opened.
    fn not_looked_count(&self) -> String {
        let starts = self
            .o
            .unreadable
            .items
            .iter()
            .filter(|(p, _)| self.sp.requested.contains(p))
            .count();
        match self.not_looked.len() + starts {
            1 => "1 path to scan".to_string(),
            n => format!("{n} paths to scan"),
        }
    }
}

/// The fix for offending names: the `mv` for the first, and the package caveat.
fn rename_fix(ctx: &Context<'_>, first: &[u8]) -> String {
    let base = first.rsplit(|b| *b == b'/').next().unwrap_or(first);
    let parent = &first[..first.len() - base.len()];
    let mut new = parent.to_vec();
    new.extend_from_slice(ascii_replacement(base, '_').as_bytes());
    let inside = if ctx.facts.is_live() {
        String::new()
    } else {
        format!(
            " (paths are inside the image: run it in a chroot of {}, or put that directory in front of them)",
            escape_bytes(ctx.facts.root_base().as_os_str().as_encoded_bytes())
        )
    };
    format!(
        "Rename each listed entry to an ASCII name; for the first: `mv -- {} {}`{inside}. First check whether a package owns it (`rpm -qf PATH` or `dpkg -S PATH`): package files are removed or replaced through the package instead (the ca-certificates NetLock certificate, for example, is removed by deselecting it in /etc/ca-certificates.conf and running update-ca-certificates).",
        shell_quote(first),
        shell_quote(&new)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shell quoting is exact: plain UTF-8 in single quotes, controls and invalid bytes as
    /// `$'\xNN'`, embedded quotes escaped.
    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/a/Fő t".as_bytes()), "'/a/Fő t'");
        assert_eq!(shell_quote(b"/a/it's"), "'/a/it'\\''s'");
        assert_eq!(shell_quote(b"/a/x\ny\xe9'"), "$'/a/x\\x0ay\\xe9\\''");
        assert_eq!(
            shell_quote("rtl\u{202e}x".as_bytes()),
            "$'rtl\\xe2\\x80\\xaex'"
        );
    }

    /// The ASCII stand-in replaces each offending character once.
    #[test]
    fn replacement() {
        assert_eq!(
            ascii_replacement("Főtanúsítvány".as_bytes(), '_'),
            "F_tan_s_tv_ny"
        );
        assert_eq!(ascii_replacement(b"caf\xe9\t", '-'), "caf--");
    }
}
