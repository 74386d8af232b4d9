//! Coverage cases for the checks coded in batch c: the ASCII names, the clock, the trust
//! store, agent clones and the Azure-to-Azure guest (kept apart from the other tables so that
//! work on different checks does not edit the same lines).

use std::path::PathBuf;

use super::{Case, case, probe_live};
use crate::checks::CheckOptions;
use crate::probe::{ClockState, FakeProbe, ProbeError, TIME_ERROR};
use crate::scenario::Scenario;

const FSTAB: &str = "/etc/fstab";
const FSTAB_PLAIN: (&str, &str) = (FSTAB, "/dev/sda1 / ext4 defaults 0 1\n");
/// A link to itself: whatever is read through it cannot be.
const SYS_BLOCK_LOOP: (&str, &str) = ("/sys/block", "/sys/block");

fn scan(paths: &[&str]) -> CheckOptions {
    CheckOptions {
        scan: Some(paths.iter().map(PathBuf::from).collect()),
        ..CheckOptions::default()
    }
}

fn scan_data() -> CheckOptions {
    scan(&["/data"])
}

fn scan_data_and_loop() -> CheckOptions {
    scan(&["/data", "/loop"])
}

fn scan_locked() -> CheckOptions {
    scan(&["/data/locked"])
}

fn scan_missing() -> CheckOptions {
    scan(&["/missing"])
}

fn scan_file() -> CheckOptions {
    scan(&["/data/file"])
}

const DATA_OK: (&str, &str) = ("/data/ok", "");
const DATA_NON_ASCII: (&str, &str) = ("/data/d\u{e4}t\u{e4}", "");
const IN_LOCKED: (&str, &str) = ("/data/locked/x", "");

pub(super) const ASCII_CASES: &[Case] = &[
    // ascii.mount-points (an image: /etc/fstab)
    Case {
        files: &[FSTAB_PLAIN],
        ..case("ascii.mount-points")
    },
    // A non-ASCII mount point, and two that differ only by case.
    Case {
        files: &[(
            FSTAB,
            "/dev/sda1 / ext4 defaults 0 1\n/dev/sdb1 /d\u{e4}t\u{e4} ext4 defaults 0 2\n/dev/sdc1 /data ext4 defaults 0 2\n/dev/sdd1 /DATA ext4 defaults 0 2\n",
        )],
        ..case("ascii.mount-points")
    },
    Case {
        files: &[(
            FSTAB,
            "/dev/sdc1 /data ext4 defaults 0 2\n/dev/sdd1 /DATA ext4 defaults 0 2\n",
        )],
        ..case("ascii.mount-points")
    },
    // /etc/fstab is a directory.
    Case {
        files: &[("/etc/fstab/x", "")],
        ..case("ascii.mount-points")
    },
    // ascii.device-names
    Case {
        files: &[FSTAB_PLAIN],
        ..case("ascii.device-names")
    },
    // A non-ASCII label, two labels equal but for case, and /sys/block unreadable.
    Case {
        files: &[(
            FSTAB,
            "LABEL=d\u{e4}t\u{e4} /a ext4 defaults 0 2\nLABEL=Data /b ext4 defaults 0 2\nLABEL=DATA /c ext4 defaults 0 2\n",
        )],
        links: &[SYS_BLOCK_LOOP],
        ..case("ascii.device-names")
    },
    Case {
        files: &[(
            FSTAB,
            "LABEL=Data /b ext4 defaults 0 2\nLABEL=DATA /c ext4 defaults 0 2\n",
        )],
        ..case("ascii.device-names")
    },
    Case {
        files: &[FSTAB_PLAIN],
        links: &[SYS_BLOCK_LOOP],
        ..case("ascii.device-names")
    },
    // ascii.system-paths, with --scan
    Case {
        files: &[DATA_OK],
        options: Some(scan_data),
        ..case("ascii.system-paths")
    },
    // A non-ASCII name, and a directory that cannot be read.
    Case {
        files: &[DATA_NON_ASCII, IN_LOCKED],
        locked: &["/data/locked"],
        options: Some(scan_data),
        ..case("ascii.system-paths")
    },
    // A non-ASCII name, and a path to scan that is a link to itself.
    Case {
        files: &[DATA_NON_ASCII],
        links: &[("/loop", "/loop")],
        options: Some(scan_data_and_loop),
        ..case("ascii.system-paths")
    },
    Case {
        files: &[DATA_OK, IN_LOCKED],
        locked: &["/data/locked"],
        options: Some(scan_data),
        ..case("ascii.system-paths")
    },
    // The directory to scan cannot be opened; one that does not exist.
    Case {
        files: &[IN_LOCKED],
        locked: &["/data/locked"],
        options: Some(scan_locked),
        ..case("ascii.system-paths")
    },
    Case {
        files: &[DATA_OK],
        options: Some(scan_missing),
        ..case("ascii.system-paths")
    },
    // Only a file to scan: its name is judged, nothing is walked.
    Case {
        files: &[("/data/file", "")],
        options: Some(scan_file),
        ..case("ascii.system-paths")
    },
];

// time.synchronized: the kernel's clock state and chrony's offset, from the fake probe.
const CHRONY_TRACKING: &str = "chronyc -c tracking";

/// chrony's tracking line with the system clock `offset` seconds off.
fn with_chrony_offset(p: FakeProbe, offset: &str) -> FakeProbe {
    p.with_tool(
        CHRONY_TRACKING,
        "/usr/bin/chronyc",
        &format!("A9FEA97B,169.254.169.123,3,1795320251.4,{offset},0,0,0,0,0,0,0,64.4,Normal\n"),
    )
}

fn probe_unsynchronized_far_off() -> FakeProbe {
    let mut p = with_chrony_offset(probe_live(), "1200.5");
    p.clock = Ok(ClockState {
        state: TIME_ERROR,
        status: 0x41,
        maxerror_us: 16_000_000,
        esterror_us: 16_000_000,
    });
    p
}

fn probe_far_off() -> FakeProbe {
    with_chrony_offset(probe_live(), "-1200.5")
}

fn probe_close() -> FakeProbe {
    with_chrony_offset(probe_live(), "-0.000012345")
}

fn probe_without_clock() -> FakeProbe {
    let mut p = probe_live();
    p.clock = Err(ProbeError {
        what: "adjtimex",
        cause: "test".into(),
    });
    p
}

fn probe_without_processes() -> FakeProbe {
    let mut p = probe_live();
    p.processes = Err(ProbeError {
        what: "processes",
        cause: "test".into(),
    });
    p
}

// trust.root-cas: self-signed stand-ins with the subjects of the roots (the check matches the
// common name and organization); valid until 9999, or expired in 2020.
macro_rules! g2 {
    () => {
        "-----BEGIN CERTIFICATE-----
MIIBozCCAUmgAwIBAgIUAnrm37ZQH1ZxWDYhxlPmZsjMX9YwCgYIKoZIzj0EAwIw
RjELMAkGA1UEBhMCVVMxFTATBgNVBAoMDERpZ2lDZXJ0IEluYzEgMB4GA1UEAwwX
RGlnaUNlcnQgR2xvYmFsIFJvb3QgRzIwIBcNMjAwMTAxMDAwMDAwWhgPOTk5OTEy
MzEyMzU5NTlaMEYxCzAJBgNVBAYTAlVTMRUwEwYDVQQKDAxEaWdpQ2VydCBJbmMx
IDAeBgNVBAMMF0RpZ2lDZXJ0IEdsb2JhbCBSb290IEcyMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEztZP+LMBqr4tM+60dxru5onW+lf1EyuPiajo130wJTzi0dMN
+b8vQcFq48G8YmHFSAYpshl71LSJKw4u65r2SKMTMBEwDwYDVR0TAQH/BAUwAwEB
/zAKBggqhkjOPQQDAgNIADBFAiAx1NERneBgK0c4Rh6bIW0RR6waREkPb4FNpwlD
ufh2dgIhANw6+BnkISuY7JqAfGnyDOj++2TpwfVxUDofE14cG2mh
-----END CERTIFICATE-----
"
    };
}
macro_rules! global_ca {
    () => {
        "-----BEGIN CERTIFICATE-----
MIIBojCCAUmgAwIBAgIUPLjaa0Z4IDnD8nUZPTD+mGTOqtYwCgYIKoZIzj0EAwIw
RjELMAkGA1UEBhMCVVMxFTATBgNVBAoMDERpZ2lDZXJ0IEluYzEgMB4GA1UEAwwX
RGlnaUNlcnQgR2xvYmFsIFJvb3QgQ0EwIBcNMjAwMTAxMDAwMDAwWhgPOTk5OTEy
MzEyMzU5NTlaMEYxCzAJBgNVBAYTAlVTMRUwEwYDVQQKDAxEaWdpQ2VydCBJbmMx
IDAeBgNVBAMMF0RpZ2lDZXJ0IEdsb2JhbCBSb290IENBMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEMlgsYU4hvFcqq4TTzzzLcYrr7OpLQDsbzmuFtUp9kGftlAyk
yhWHwHh3Dpd6qjHMcrMdd2HRBEz0GKmyJJYeEKMTMBEwDwYDVR0TAQH/BAUwAwEB
/zAKBggqhkjOPQQDAgNHADBEAiACUV2xyS1HfjafnPVRuz49mR05BFedv49BKSTo
jYw7ZQIgfva0sj75cJSsnbJ0gHB8xYESfnZWcskuqs2iReIfig0=
-----END CERTIFICATE-----
"
    };
}
macro_rules! global_ca_expired {
    () => {
        "-----BEGIN CERTIFICATE-----
MIIBojCCAUegAwIBAgIUYZ4BMjeQds0oeTSyZwNHXuust2MwCgYIKoZIzj0EAwIw
RjELMAkGA1UEBhMCVVMxFTATBgNVBAoMDERpZ2lDZXJ0IEluYzEgMB4GA1UEAwwX
RGlnaUNlcnQgR2xvYmFsIFJvb3QgQ0EwHhcNMDAwMTAxMDAwMDAwWhcNMjAwMTAx
MDAwMDAwWjBGMQswCQYDVQQGEwJVUzEVMBMGA1UECgwMRGlnaUNlcnQgSW5jMSAw
HgYDVQQDDBdEaWdpQ2VydCBHbG9iYWwgUm9vdCBDQTBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABHzpvr9CqVqpf5hUdT+jcbU9H4ZxNJBFlLdQvMoIy+CGxDnjHDgm
u/I7fGs1h/d4rQQdeKqfjcatp/5AJBhP3DejEzARMA8GA1UdEwEB/wQFMAMBAf8w
CgYIKoZIzj0EAwIDSQAwRgIhANqJw2dk+jBw355Pg0ox4S5i0JB2aNn/BAwqAR8C
oMmIAiEA1T5VaaLCdKiH+79qs1FF6wixIR1XF9gHOu8eIWFgLe8=
-----END CERTIFICATE-----
"
    };
}
const RHEL: (&str, &str) = ("/etc/os-release", "ID=rhel\nVERSION_ID=9.4\n");
const RHEL_BUNDLE: &str = "/etc/pki/tls/certs/ca-bundle.crt";

// image.agent-clone
const VX_VERSION: (&str, &str) = ("/usr/local/.vx_version", "VERSION=9.60.0.0\n");
const UUID: (&str, &str) = (
    "/sys/class/dmi/id/product_uuid",
    "4c4c4544-0042-3510-8052-b4c04f4e4e32\n",
);
const RCM_OTHER: (&str, &str) = (
    "/usr/local/InMage/config/RCMInfo.conf",
    "[rcm]\nBiosId=564d2b1a-0c37-4a5e-9d11-2f0e5b8c7a60\n",
);
const USR_LOCAL_LOOP: (&str, &str) = ("/usr/local", "/usr/local");

// azure.vm-agent: a systemd image with the agent's script and, as a case needs, its unit.
const SYSTEMD_INIT: (&str, &str) = ("/sbin/init", "/lib/systemd/systemd");
const WAAGENT: (&str, &str) = ("/usr/sbin/waagent", "");
const WAAGENT_UNIT: (&str, &str) = (
    "/lib/systemd/system/waagent.service",
    "[Install]\nWantedBy=multi-user.target\n",
);
const WAAGENT_WANTED: (&str, &str) = (
    "/etc/systemd/system/multi-user.target.wants/waagent.service",
    "/lib/systemd/system/waagent.service",
);

const fn a2a(check: &'static str) -> Case {
    Case {
        scenario: Scenario::AzureToAzure,
        ..case(check)
    }
}

const fn vm_agent(
    files: &'static [(&'static str, &'static str)],
    links: &'static [(&'static str, &'static str)],
) -> Case {
    Case {
        files,
        links,
        ..a2a("azure.vm-agent")
    }
}

// azure.vm-size: asr-2026 asks for 2 cores and 1024 MiB.
const fn vm_size(files: &'static [(&'static str, &'static str)]) -> Case {
    Case {
        matrix: "asr-2026",
        files,
        live: Some(probe_live),
        ..a2a("azure.vm-size")
    }
}
const TWO_CORES: (&str, &str) = ("/proc/cpuinfo", "processor\t: 0\n\nprocessor\t: 1\n");
const ONE_CORE: (&str, &str) = ("/proc/cpuinfo", "processor\t: 0\n");
const MEM_2G: (&str, &str) = ("/proc/meminfo", "MemTotal:        2097152 kB\n");
const MEM_900M: (&str, &str) = ("/proc/meminfo", "MemTotal:         921600 kB\n");
const MEM_512M: (&str, &str) = ("/proc/meminfo", "MemTotal:         524288 kB\n");

pub(super) const CASES: &[Case] = &[
    // time.synchronized (live only)
    Case {
        live: Some(probe_close),
        ..case("time.synchronized")
    },
    Case {
        live: Some(probe_unsynchronized_far_off),
        ..case("time.synchronized")
    },
    Case {
        live: Some(probe_far_off),
        ..case("time.synchronized")
    },
    Case {
        live: Some(probe_without_clock),
        ..case("time.synchronized")
    },
    // trust.root-cas
    Case {
        files: &[RHEL, (RHEL_BUNDLE, concat!(g2!(), global_ca!()))],
        ..case("trust.root-cas")
    },
    Case {
        files: &[RHEL],
        ..case("trust.root-cas")
    },
    // The bundle is a directory: there, but unreadable.
    Case {
        files: &[RHEL, ("/etc/pki/tls/certs/ca-bundle.crt/x", "")],
        ..case("trust.root-cas")
    },
    // No os-release: every known bundle is looked for, none is there.
    case("trust.root-cas"),
    // G2 missing and the other root expired.
    Case {
        files: &[RHEL, (RHEL_BUNDLE, global_ca_expired!())],
        ..case("trust.root-cas")
    },
    Case {
        files: &[RHEL, (RHEL_BUNDLE, concat!(g2!(), global_ca_expired!()))],
        ..case("trust.root-cas")
    },
    // image.agent-clone
    case("image.agent-clone"),
    Case {
        files: &[VX_VERSION],
        ..case("image.agent-clone")
    },
    Case {
        links: &[USR_LOCAL_LOOP],
        ..case("image.agent-clone")
    },
    Case {
        links: &[USR_LOCAL_LOOP],
        live: Some(probe_live),
        ..case("image.agent-clone")
    },
    Case {
        files: &[RCM_OTHER],
        live: Some(probe_live),
        ..case("image.agent-clone")
    },
    Case {
        files: &[RCM_OTHER, UUID],
        live: Some(probe_live),
        ..case("image.agent-clone")
    },
    // azure.vm-agent
    vm_agent(&[WAAGENT, WAAGENT_UNIT], &[SYSTEMD_INIT, WAAGENT_WANTED]),
    vm_agent(&[], &[SYSTEMD_INIT]),
    // Not installed, and /usr/lib (where its Python package would be) cannot be read.
    vm_agent(&[], &[SYSTEMD_INIT, ("/usr/lib", "/usr/lib")]),
    // No init to tell enablement by.
    vm_agent(&[WAAGENT, WAAGENT_UNIT], &[]),
    // The unit is a link to itself.
    vm_agent(
        &[WAAGENT],
        &[
            SYSTEMD_INIT,
            ("/lib/systemd/system/waagent.service", "waagent.service"),
        ],
    ),
    vm_agent(&[WAAGENT], &[SYSTEMD_INIT]),
    vm_agent(&[WAAGENT, WAAGENT_UNIT], &[SYSTEMD_INIT]),
    vm_agent(
        &[WAAGENT, WAAGENT_UNIT],
        &[
            SYSTEMD_INIT,
            ("/etc/systemd/system/waagent.service", "/dev/null"),
        ],
    ),
    Case {
        live: Some(probe_without_processes),
        ..vm_agent(&[WAAGENT, WAAGENT_UNIT], &[SYSTEMD_INIT, WAAGENT_WANTED])
    },
    Case {
        live: Some(probe_live),
        ..vm_agent(&[WAAGENT, WAAGENT_UNIT], &[SYSTEMD_INIT, WAAGENT_WANTED])
    },
    // azure.vm-size
    vm_size(&[TWO_CORES, MEM_2G]),
    vm_size(&[ONE_CORE, MEM_512M]),
    vm_size(&[TWO_CORES, MEM_900M]),
    vm_size(&[MEM_2G]),
];
