//! The table that proves every finding code and every status a check declares is produced: for
//! each check that names its problems, cases built from fixture roots or small fake roots, run
//! through the registry's own `evaluate` (matrix advice included), must give exactly the
//! declared (status, code) pairs plus a pass. A code that no case produces, or a problem a case
//! produces without a declared code, fails the test; nothing here looks at test source text.

use std::collections::BTreeSet;
use std::path::Path;

use super::{CheckOptions, Context, Status, evaluate, find, registry};
use crate::facts::{Facts, Sources};
use crate::probe::{FakeProbe, ProbeError};
use crate::root::Root;
use crate::scenario::Scenario;

mod cases_a;
mod cases_b;
mod cases_c;
mod cases_d;

/// One run of one check.
pub(super) struct Case {
    check: &'static str,
    scenario: Scenario,
    matrix: &'static str,
    /// A fixture under fixtures/os copied as the base of the tree, if any.
    base: Option<&'static str>,
    files: &'static [(&'static str, &'static str)],
    links: &'static [(&'static str, &'static str)],
    /// Live (with this probe) instead of an image.
    live: Option<fn() -> FakeProbe>,
    /// Whole disks written under sys/block: how many, and the size of each in 512-byte sectors.
    disks: (u32, u64),
    /// The run's options, when not the defaults (`--online`, `--endpoint`, ...).
    options: Option<fn() -> CheckOptions>,
    /// Run with `--multi-vm` (on top of `options`).
    multi_vm: bool,
    /// Writes what a table of texts cannot hold (compressed initramfs images) into the tree,
    /// after `base` and `files`.
    write: Option<fn(&Path)>,
    /// Directories made unreadable (mode 000); the check then runs without root's power to
    /// read them anyway, as an unprivileged user would.
    locked: &'static [&'static str],
}

pub(super) const fn case(check: &'static str) -> Case {
    Case {
        check,
        scenario: Scenario::PhysicalToAzure,
        matrix: "asr-2016",
        base: None,
        files: &[],
        links: &[],
        live: None,
        disks: (0, 0),
        options: None,
        multi_vm: false,
        write: None,
        locked: &[],
    }
}

/// 1 GiB in 512-byte sectors.
pub(super) const GIB_SECTORS: u64 = 1 << 21;
const FSTAB_SDA1: (&str, &str) = ("/etc/fstab", "/dev/sda1 / ext4 defaults 0 1\n");
const SDA1: (&str, &str) = ("/sys/block/sda/sda1/partition", "1\n");

pub(super) fn probe_live() -> FakeProbe {
    FakeProbe::new("3.10.0-327.el7.x86_64", "h")
}

/// A live machine whose `/` has `gib` GiB available.
pub(super) fn probe_root_space(gib: u64) -> FakeProbe {
    let mut p = probe_live();
    p.space.push((
        std::path::PathBuf::from("/"),
        crate::probe::FsSpace {
            fragment_size: 4096,
            blocks: 1 << 30,
            blocks_free: gib << 18,
            blocks_available: gib << 18,
        },
    ));
    p
}

pub(super) fn probe_root_space_ample() -> FakeProbe {
    probe_root_space(10)
}

fn probe_root_space_short() -> FakeProbe {
    probe_root_space(1)
}

/// Writes `count` whole disks (sda, sdb, ..., sdaa, ...) of `sectors` each under sys/block.
fn write_disks(root: &Path, (count, sectors): (u32, u64)) {
    for i in 0..count {
        let name = if i < 26 {
            format!("sd{}", (b'a' + i as u8) as char)
        } else {
            format!(
                "sd{}{}",
                (b'a' + (i / 26 - 1) as u8) as char,
                (b'a' + (i % 26) as u8) as char
            )
        };
        let dir = root.join("sys/block").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("size"), format!("{sectors}\n")).unwrap();
    }
}

const SYSTEMD: &[(&str, &str)] = &[("/sbin/init", "/lib/systemd/systemd")];
const SSHD_UNIT: (&str, &str) = (
    "/lib/systemd/system/sshd.service",
    "[Install]\nWantedBy=multi-user.target\n",
);
const SSHD_WANTED: (&str, &str) = (
    "/etc/systemd/system/multi-user.target.wants/sshd.service",
    "/lib/systemd/system/sshd.service",
);
/// A 32-bit x86 ELF header.
const I686_ELF: &str = "\x7fELF\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\x03\0";

pub(super) fn probe_without_hostname() -> FakeProbe {
    let mut p = FakeProbe::new("3.10.0-327.el7.x86_64", "h");
    p.hostname = Err(ProbeError {
        what: "hostname",
        cause: "test".into(),
    });
    p
}

fn probe_empty_hostname() -> FakeProbe {
    FakeProbe::new("3.10.0-327.el7.x86_64", "")
}

fn probe_web01(addrs: &[&str]) -> FakeProbe {
    let mut p = FakeProbe::new("3.10.0-327.el7.x86_64", "web01");
    p.interfaces = Ok(vec![
        crate::probe::Interface::new("lo", &["127.0.0.1/8"]),
        crate::probe::Interface::new("eth0", addrs),
    ]);
    p
}

fn probe_web01_v4() -> FakeProbe {
    probe_web01(&["198.51.100.10/24"])
}

fn probe_web01_v6() -> FakeProbe {
    probe_web01(&["198.51.100.10/24", "2001:db8::10/64"])
}

fn probe_web01_no_v4() -> FakeProbe {
    probe_web01(&["fe80::10/64"])
}

fn probe_web01_no_interfaces() -> FakeProbe {
    let mut p = probe_web01(&[]);
    p.interfaces = Err(ProbeError {
        what: "interfaces",
        cause: "test".into(),
    });
    p
}

/// centos-6.4's boot entry with acpi=0 added.
const ACPI_OFF: (&str, &str) = (
    "/boot/grub/grub.conf",
    "default=0\ntitle Linux (2.6.32-358.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-358.el6.x86_64 ro root=UUID=6a0f4bf4-7a0e-4b37-9d3c-0b1d9a6f1e51 acpi=0\n\tinitrd /initramfs-2.6.32-358.el6.x86_64.img\n",
);
const LV_ROOT: (&str, &str) = ("/etc/fstab", "/dev/mapper/vg-root / xfs defaults 0 0\n");
const MAPPED: (&str, &str) = ("/etc/hosts", "198.51.100.10 web01\n");
const IFCFG: &str = "/etc/sysconfig/network-scripts/ifcfg-eth0";

const CASES: &[Case] = &[
    // agent.c-locale
    Case {
        files: &[("/usr/bin/locale", "")],
        ..case("agent.c-locale")
    },
    case("agent.c-locale"),
    Case {
        matrix: "asr-2026",
        ..case("agent.c-locale")
    },
    // agent.dhcp-client
    Case {
        base: Some("centos-7.2"),
        files: &[("/usr/sbin/dhclient", "")],
        ..case("agent.dhcp-client")
    },
    Case {
        base: Some("centos-7.2"),
        ..case("agent.dhcp-client")
    },
    Case {
        base: Some("centos-7.2"),
        matrix: "asr-2026",
        ..case("agent.dhcp-client")
    },
    // agent.lvm-tools
    Case {
        files: &[LV_ROOT, ("/usr/sbin/vgdisplay", "")],
        ..case("agent.lvm-tools")
    },
    Case {
        files: &[LV_ROOT],
        ..case("agent.lvm-tools")
    },
    Case {
        files: &[LV_ROOT],
        matrix: "asr-2026",
        ..case("agent.lvm-tools")
    },
    Case {
        live: Some(probe_live),
        ..case("agent.lvm-tools")
    },
    // agent.runlevel
    Case {
        files: &[("/etc/inittab", "id:3:initdefault:\n")],
        ..case("agent.runlevel")
    },
    Case {
        files: &[("/etc/inittab", "id:1:initdefault:\n")],
        ..case("agent.runlevel")
    },
    Case {
        files: &[("/etc/inittab", "id:1:initdefault:\n")],
        matrix: "asr-2026",
        ..case("agent.runlevel")
    },
    Case {
        live: Some(probe_live),
        ..case("agent.runlevel")
    },
    Case {
        live: Some(probe_live),
        matrix: "asr-2026",
        ..case("agent.runlevel")
    },
    // agent.acpi
    Case {
        base: Some("centos-6.4"),
        ..case("agent.acpi")
    },
    Case {
        base: Some("centos-6.4"),
        files: &[ACPI_OFF],
        ..case("agent.acpi")
    },
    Case {
        base: Some("centos-6.4"),
        files: &[ACPI_OFF],
        matrix: "asr-2026",
        ..case("agent.acpi")
    },
    Case {
        live: Some(probe_live),
        ..case("agent.acpi")
    },
    // disk.size
    Case {
        disks: (2, 10 * GIB_SECTORS),
        ..case("disk.size")
    },
    Case {
        disks: (1, 1024 * GIB_SECTORS),
        ..case("disk.size")
    },
    Case {
        matrix: "asr-2026",
        files: &[FSTAB_SDA1, SDA1],
        disks: (1, 3000 * GIB_SECTORS),
        ..case("disk.size")
    },
    Case {
        matrix: "asr-2026",
        disks: (1, 100),
        ..case("disk.size")
    },
    Case {
        matrix: "asr-2026",
        disks: (1, 3000 * GIB_SECTORS),
        ..case("disk.size")
    },
    Case {
        live: Some(probe_live),
        ..case("disk.size")
    },
    Case {
        files: &[("/sys/block/loop0/size", "100\n")],
        ..case("disk.size")
    },
    // disk.install-space
    Case {
        live: Some(probe_root_space_ample),
        ..case("disk.install-space")
    },
    Case {
        live: Some(probe_root_space_short),
        ..case("disk.install-space")
    },
    Case {
        live: Some(probe_live),
        ..case("disk.install-space")
    },
    // disk.sector-size
    Case {
        files: &[("/sys/block/sda/queue/logical_block_size", "512\n")],
        disks: (1, GIB_SECTORS),
        ..case("disk.sector-size")
    },
    Case {
        files: &[("/sys/block/sda/queue/logical_block_size", "4096\n")],
        disks: (1, GIB_SECTORS),
        ..case("disk.sector-size")
    },
    Case {
        files: &[("/sys/block/sda/queue/logical_block_size", "bogus\n")],
        disks: (1, GIB_SECTORS),
        ..case("disk.sector-size")
    },
    Case {
        disks: (1, GIB_SECTORS),
        ..case("disk.sector-size")
    },
    // disk.count
    Case {
        scenario: Scenario::HypervVmmToAzure,
        disks: (16, GIB_SECTORS),
        ..case("disk.count")
    },
    Case {
        scenario: Scenario::HypervVmmToAzure,
        disks: (17, GIB_SECTORS),
        ..case("disk.count")
    },
    Case {
        matrix: "asr-2026",
        disks: (66, GIB_SECTORS),
        ..case("disk.count")
    },
    Case {
        scenario: Scenario::HypervVmmToAzure,
        live: Some(probe_live),
        ..case("disk.count")
    },
    Case {
        scenario: Scenario::HypervVmmToAzure,
        files: &[("/sys/block/loop0/size", "100\n")],
        ..case("disk.count")
    },
    // ssh.autostart
    Case {
        files: &[SSHD_UNIT],
        links: &[SYSTEMD[0], SSHD_WANTED],
        ..case("ssh.autostart")
    },
    Case {
        files: &[SSHD_UNIT],
        links: SYSTEMD,
        ..case("ssh.autostart")
    },
    Case {
        files: &[SSHD_UNIT],
        links: &[
            SYSTEMD[0],
            ("/etc/systemd/system/sshd.service", "/dev/null"),
        ],
        ..case("ssh.autostart")
    },
    Case {
        links: SYSTEMD,
        ..case("ssh.autostart")
    },
    case("ssh.autostart"),
    Case {
        files: &[SSHD_UNIT, ("/etc/ssh/sshd_config", "Port 99999\n")],
        links: &[SYSTEMD[0], SSHD_WANTED],
        ..case("ssh.autostart")
    },
    Case {
        links: &[
            SYSTEMD[0],
            ("/lib/systemd/system/sshd.service", "sshd.service"),
        ],
        ..case("ssh.autostart")
    },
    // hosts.nic-addresses
    Case {
        files: &[MAPPED],
        live: Some(probe_web01_v4),
        ..case("hosts.nic-addresses")
    },
    Case {
        files: &[("/etc/hosts", "127.0.0.1 localhost\n")],
        live: Some(probe_web01_v4),
        ..case("hosts.nic-addresses")
    },
    Case {
        files: &[MAPPED],
        live: Some(probe_web01_no_v4),
        ..case("hosts.nic-addresses")
    },
    Case {
        files: &[("/etc/hosts", "127.0.1.1 web01\n198.51.100.10 web01\n")],
        live: Some(probe_web01_v6),
        ..case("hosts.nic-addresses")
    },
    Case {
        files: &[MAPPED],
        live: Some(probe_without_hostname),
        ..case("hosts.nic-addresses")
    },
    Case {
        files: &[MAPPED],
        live: Some(probe_web01_no_interfaces),
        ..case("hosts.nic-addresses")
    },
    Case {
        links: &[("/etc/hosts", "hosts")],
        live: Some(probe_web01_v4),
        ..case("hosts.nic-addresses")
    },
    Case {
        files: &[
            ("/etc/hostname", "web01\n"),
            ("/etc/sysconfig/network", "NETWORKING=yes\n"),
            (IFCFG, "BOOTPROTO=dhcp\n"),
            ("/etc/hosts", "127.0.0.1 localhost\n"),
        ],
        ..case("hosts.nic-addresses")
    },
    Case {
        files: &[
            ("/etc/hostname", "web01\n"),
            ("/etc/sysconfig/network", "NETWORKING=yes\n"),
            (IFCFG, "IPADDR=198.51.100.10\nPREFIX=24\nIPADDR1=bogus\n"),
            MAPPED,
        ],
        ..case("hosts.nic-addresses")
    },
    // hostname.valid
    Case {
        files: &[("/etc/hostname", "web01\n")],
        ..case("hostname.valid")
    },
    Case {
        files: &[("/etc/hostname", "localhost\n")],
        ..case("hostname.valid")
    },
    Case {
        files: &[("/etc/hostname", "web_01\n")],
        ..case("hostname.valid")
    },
    Case {
        live: Some(probe_empty_hostname),
        ..case("hostname.valid")
    },
    Case {
        live: Some(probe_without_hostname),
        ..case("hostname.valid")
    },
    // os.arch
    Case {
        base: Some("centos-7.2"),
        ..case("os.arch")
    },
    Case {
        files: &[("/bin/sh", I686_ELF)],
        ..case("os.arch")
    },
    case("os.arch"),
    // os.supported
    Case {
        base: Some("centos-7.2"),
        ..case("os.supported")
    },
    Case {
        base: Some("alma-10.0"),
        matrix: "asr-2026",
        ..case("os.supported")
    },
    Case {
        base: Some("eurolinux-9.4"),
        matrix: "asr-2026",
        ..case("os.supported")
    },
    Case {
        base: Some("centos-6.4"),
        matrix: "asr-2026",
        ..case("os.supported")
    },
    case("os.supported"),
    Case {
        files: &[("/etc/os-release", "ID=centos\n")],
        ..case("os.supported")
    },
    // os.kernel
    Case {
        base: Some("centos-7.2"),
        ..case("os.kernel")
    },
    Case {
        base: Some("ol-6.4-uek2"),
        matrix: "asr-2026",
        ..case("os.kernel")
    },
    Case {
        base: Some("ol-9.4-uek7"),
        matrix: "asr-2026",
        ..case("os.kernel")
    },
    Case {
        base: Some("rhel-9.4-newer"),
        matrix: "asr-2026",
        ..case("os.kernel")
    },
    Case {
        files: &[
            ("/etc/os-release", "ID=centos\nVERSION_ID=7\nNAME=CentOS\n"),
            (
                "/etc/centos-release",
                "CentOS Linux release 7.2.1511 (Core)\n",
            ),
        ],
        ..case("os.kernel")
    },
];

/// Every case: this file's table and the batch files'.
fn all_cases() -> impl Iterator<Item = &'static Case> {
    CASES
        .iter()
        .chain(cases_a::CASES)
        .chain(cases_b::CASES)
        .chain(cases_b::OUTBOUND_CASES)
        .chain(cases_b::EGRESS_CASES)
        .chain(cases_b::NIC_CASES)
        .chain(cases_b::TIME_CASES)
        .chain(cases_c::ASCII_CASES)
        .chain(cases_c::CASES)
        .chain(cases_d::CASES)
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The (status, code) pairs one case gives: its problem lines, or the status alone.
fn produced(c: &Case) -> Vec<(Status, Option<&'static str>)> {
    let dir = crate::testutil::tree_with_links(c.files, c.links);
    // A case's files in a bin directory are programs: make them executable.
    for (path, _) in c.files.iter().filter(|(p, _)| p.contains("bin/")) {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.path().join(path.trim_start_matches('/'));
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    write_disks(dir.path(), c.disks);
    if let Some(base) = c.base {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/os")
            .join(base);
        copy_tree(&from, dir.path());
        // The case's own files win over the fixture's.
        for (path, text) in c.files {
            std::fs::write(dir.path().join(path.trim_start_matches('/')), text).unwrap();
        }
    }
    if let Some(write) = c.write {
        write(dir.path());
    }
    if c.locked.is_empty() {
        return evaluate_case(c, dir.path());
    }
    let locked = |mode| {
        use std::os::unix::fs::PermissionsExt;
        for d in c.locked {
            let p = dir.path().join(d.trim_start_matches('/'));
            std::fs::create_dir_all(&p).unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    };
    locked(0o000);
    let got = std::thread::scope(|s| {
        s.spawn(|| {
            without_read_override();
            evaluate_case(c, dir.path())
        })
        .join()
        .unwrap()
    });
    locked(0o755);
    got
}

/// Takes from this thread, and the threads it starts, root's power to read and search what
/// the mode bits forbid (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). Capabilities are per thread,
/// so the rest of the test binary keeps them.
fn without_read_override() {
    use nix::libc;
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    const CAP_DAC_OVERRIDE: u32 = 1;
    const CAP_DAC_READ_SEARCH: u32 = 2;
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: the header and the two data words are the layout capget(2) and capset(2) take
    // for version 3; pid 0 is the calling thread.
    unsafe {
        assert_eq!(
            libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()),
            0
        );
        data[0].effective &= !((1 << CAP_DAC_OVERRIDE) | (1 << CAP_DAC_READ_SEARCH));
        assert_eq!(libc::syscall(libc::SYS_capset, &header, data.as_ptr()), 0);
    }
}

/// Runs the case's check on the tree at `dir`.
fn evaluate_case(c: &Case, dir: &Path) -> Vec<(Status, Option<&'static str>)> {
    let matrix = crate::matrix::load(c.matrix).unwrap();
    let mut options = c.options.map(|o| o()).unwrap_or_default();
    options.multi_vm |= c.multi_vm;
    // What the run looks at, given to the facts as `run` gives it.
    let targets = crate::facts::Targets {
        scan: options.scan.clone(),
        install_dir: options.install_dir.clone(),
        scenario: Some(c.scenario),
        outbound: crate::outbound_plan::Request::new(&matrix, &options),
    };
    let facts = Facts::with_targets(
        Sources {
            root: Root::image(dir).unwrap(),
            probe: c
                .live
                .map(|p| Box::new(p()) as Box<dyn crate::probe::Probe>),
        },
        targets,
    );
    let ctx = Context {
        facts: &facts,
        scenario: c.scenario,
        matrix: &matrix,
        all_matrices: &[],
        options: &options,
    };
    let def = find(c.check).unwrap_or_else(|| panic!("{}: no such check", c.check));
    let f = evaluate(def, &ctx);
    let lines = f.problem_lines();
    if lines.is_empty() {
        return vec![(f.status, None)];
    }
    lines.into_iter().map(|(code, s, _)| (s, code)).collect()
}

/// Codes are kebab-case, unique within their check, and say what they mean.
#[test]
fn codes_are_unique_and_well_formed() {
    for def in registry() {
        let mut seen = BTreeSet::new();
        for c in def.codes {
            assert!(seen.insert(c.name), "{}: code {} twice", def.id, c.name);
            assert!(
                !c.name.is_empty()
                    && !c.name.starts_with('-')
                    && !c.name.ends_with('-')
                    && c.name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}: code '{}' is not kebab-case",
                def.id,
                c.name
            );
            assert!(
                c.about.len() > 10,
                "{}/{}: say what it means",
                def.id,
                c.name
            );
            assert!(
                !c.statuses.is_empty()
                    && c.statuses
                        .iter()
                        .all(|s| matches!(s, Status::Warn | Status::Fail | Status::Error)),
                "{}/{}: a code names a problem (warn, fail or error)",
                def.id,
                c.name
            );
        }
    }
}

/// Every check names its problems: a check without codes could report a problem that no
/// waiver, fleet report or test can point at.
#[test]
fn every_check_declares_codes() {
    let uncoded: Vec<&str> = registry()
        .into_iter()
        .filter(|d| d.codes.is_empty())
        .map(|d| d.id)
        .collect();
    assert!(
        uncoded.is_empty(),
        "checks without finding codes: {uncoded:?}"
    );
}

#[test]
fn cases_produce_exactly_the_declared_codes_and_statuses() {
    for def in registry().into_iter().filter(|d| !d.codes.is_empty()) {
        let mut declared: BTreeSet<(Status, Option<&str>)> = def
            .codes
            .iter()
            .flat_map(|c| c.statuses.iter().map(move |s| (*s, Some(c.name))))
            .collect();
        declared.insert((Status::Pass, None));
        let mut got = BTreeSet::new();
        for c in all_cases().filter(|c| c.check == def.id) {
            for p in produced(c) {
                // Skips are decided centrally (scenario, mode, --online), not problems; so are
                // the fact-* codes of an unreadable fact (FACT_CODES), which no check declares.
                let fact =
                    p.1.is_some_and(|c| super::FACT_CODES.iter().any(|f| f.0 == c));
                if p.0 != Status::Skip && !fact {
                    got.insert(p);
                }
            }
        }
        assert_eq!(got, declared, "{}: produced vs declared", def.id);
    }
}
