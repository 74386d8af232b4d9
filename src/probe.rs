//! The few facts only a running system has, behind a trait so tests can substitute them:
//! the kernel's uname, the host name it holds, the processes running now (and their command
//! lines), the kernel's clock discipline state, the tool's own
//! environment, and what the network answers when the endpoints are tried (`--online` only; see
//! [`crate::outbound`]). More live-only facts (interfaces, sockets, file system space) join here
//! as their checks need them. In `--root` mode there is no probe at all,
//! which is how the host running the tool is kept out of an image's report.

use std::ffi::OsString;

use crate::outbound::{Outcome, Plan};

/// What `uname(2)` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uname {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
}

/// One running process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    /// The kernel's short command name (`/proc/PID/comm`, at most 15 bytes), as bytes.
    pub comm: Vec<u8>,
}

/// The kernel's clock discipline state, as `adjtimex(2)` with `modes = 0` reports it (a read:
/// nothing is changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockState {
    /// The call's return value: `TIME_OK` (0) .. `TIME_ERROR` (5, the clock is not synchronised).
    pub state: i32,
    /// The `STA_*` status bits (`STA_UNSYNC` = 0x40).
    pub status: i32,
    /// The kernel's estimate of the maximum error, microseconds.
    pub maxerror_us: i64,
    /// The kernel's estimate of the error, microseconds.
    pub esterror_us: i64,
}

/// `adjtimex` return value: the clock is not synchronised.
pub const TIME_ERROR: i32 = 5;
/// `adjtimex` status bit: the clock is not synchronised.
pub const STA_UNSYNC: i32 = 0x40;

impl ClockState {
    /// Synchronised as the kernel sees it: `STA_UNSYNC` clear and the state not `TIME_ERROR`.
    pub fn synchronised(&self) -> bool {
        self.state != TIME_ERROR && self.status & STA_UNSYNC == 0
    }
}

/// A live-only fact could not be had.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{what}: {cause}")]
pub struct ProbeError {
    pub what: &'static str,
    pub cause: String,
}

/// Facts read from the running kernel rather than from files.
pub trait Probe {
    fn uname(&self) -> Result<Uname, ProbeError>;
    /// The kernel's host name, as bytes (it may be anything the administrator set).
    fn hostname(&self) -> Result<OsString, ProbeError>;
    /// The processes running now, by pid. Processes that exit while being listed are left out.
    fn processes(&self) -> Result<Vec<Process>, ProbeError>;
    /// The command line of a process (`/proc/PID/cmdline`): its arguments, as bytes. Needed
    /// where the command name is the interpreter's (`python3` running `/usr/sbin/waagent`).
    fn cmdline(&self, pid: u32) -> Result<Vec<Vec<u8>>, ProbeError>;
    /// The kernel's clock discipline state (`adjtimex(2)` with no modes: read only).
    fn clock(&self) -> Result<ClockState, ProbeError>;
    /// The environment this run was started with (proxy variables, the test CA override).
    fn env_vars(&self) -> Vec<(OsString, OsString)>;
    /// Tries the endpoints of `plan` over the network, all under the plan's one deadline.
    fn outbound(&self, plan: &Plan) -> Vec<Outcome>;
}

/// The running system.
#[derive(Debug, Default)]
pub struct LiveProbe;

impl Probe for LiveProbe {
    fn uname(&self) -> Result<Uname, ProbeError> {
        let u = nix::sys::utsname::uname().map_err(|e| ProbeError {
            what: "uname",
            cause: e.desc().to_string(),
        })?;
        let s = |v: &std::ffi::OsStr| v.to_string_lossy().into_owned();
        Ok(Uname {
            sysname: s(u.sysname()),
            nodename: s(u.nodename()),
            release: s(u.release()),
            version: s(u.version()),
            machine: s(u.machine()),
        })
    }

    fn hostname(&self) -> Result<OsString, ProbeError> {
        nix::unistd::gethostname().map_err(|e| ProbeError {
            what: "gethostname",
            cause: e.desc().to_string(),
        })
    }

    fn processes(&self) -> Result<Vec<Process>, ProbeError> {
        use std::io::Read;
        let dir = std::fs::read_dir("/proc").map_err(|e| ProbeError {
            what: "/proc",
            cause: e.to_string(),
        })?;
        let mut out = Vec::new();
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            // comm is readable by everyone; a process gone meanwhile is simply skipped.
            let mut comm = Vec::new();
            let Ok(f) = std::fs::File::open(entry.path().join("comm")) else {
                continue;
            };
            if f.take(64).read_to_end(&mut comm).is_err() {
                continue;
            }
            if comm.last() == Some(&b'\n') {
                comm.pop();
            }
            out.push(Process { pid, comm });
        }
        out.sort_by_key(|p| p.pid);
        Ok(out)
    }

    fn cmdline(&self, pid: u32) -> Result<Vec<Vec<u8>>, ProbeError> {
        use std::io::Read;
        let path = format!("/proc/{pid}/cmdline");
        let err = |e: std::io::Error| ProbeError {
            what: "cmdline",
            cause: format!("{path}: {e}"),
        };
        let mut buf = Vec::new();
        std::fs::File::open(&path)
            .map_err(err)?
            .take(64 * 1024)
            .read_to_end(&mut buf)
            .map_err(err)?;
        if buf.last() == Some(&0) {
            buf.pop();
        }
        if buf.is_empty() {
            return Ok(Vec::new());
        }
        Ok(buf.split(|&b| b == 0).map(<[u8]>::to_vec).collect())
    }

    fn clock(&self) -> Result<ClockState, ProbeError> {
        // SAFETY: timex is plain data; modes = 0 asks the kernel to fill it in and change
        // nothing, which any user may do.
        let mut tx: nix::libc::timex = unsafe { std::mem::zeroed() };
        tx.modes = 0;
        let state = unsafe { nix::libc::adjtimex(&mut tx) };
        if state < 0 {
            return Err(ProbeError {
                what: "adjtimex",
                cause: std::io::Error::last_os_error().to_string(),
            });
        }
        Ok(ClockState {
            state,
            status: tx.status,
            maxerror_us: tx.maxerror as i64,
            esterror_us: tx.esterror as i64,
        })
    }

    fn env_vars(&self) -> Vec<(OsString, OsString)> {
        std::env::vars_os().collect()
    }

    fn outbound(&self, plan: &Plan) -> Vec<Outcome> {
        crate::outbound::run(plan)
    }
}

/// Canned answers for tests.
#[derive(Debug, Clone)]
pub struct FakeProbe {
    pub uname: Result<Uname, ProbeError>,
    pub hostname: Result<OsString, ProbeError>,
    pub processes: Result<Vec<Process>, ProbeError>,
    /// Command lines by pid; a pid not here has exited.
    pub cmdlines: std::collections::BTreeMap<u32, Vec<Vec<u8>>>,
    pub clock: Result<ClockState, ProbeError>,
    pub env: Vec<(OsString, OsString)>,
    /// Returned by `outbound` whatever the plan (tests of the verdicts, no traffic).
    pub outbound: Vec<Outcome>,
}

impl FakeProbe {
    /// A probe that reports the given kernel release on x86_64 and the given host name.
    pub fn new(release: &str, hostname: &str) -> FakeProbe {
        FakeProbe {
            uname: Ok(Uname {
                sysname: "Linux".into(),
                nodename: hostname.into(),
                release: release.into(),
                version: "#1 SMP".into(),
                machine: "x86_64".into(),
            }),
            hostname: Ok(hostname.into()),
            processes: Ok(Vec::new()),
            cmdlines: std::collections::BTreeMap::new(),
            clock: Ok(ClockState {
                state: 0,
                status: 0x2001,
                maxerror_us: 10_000,
                esterror_us: 100,
            }),
            env: Vec::new(),
            outbound: Vec::new(),
        }
    }

    /// The same probe with these environment variables.
    pub fn with_env(mut self, vars: &[(&str, &str)]) -> FakeProbe {
        self.env = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        self
    }
}

impl Probe for FakeProbe {
    fn uname(&self) -> Result<Uname, ProbeError> {
        self.uname.clone()
    }
    fn hostname(&self) -> Result<OsString, ProbeError> {
        self.hostname.clone()
    }
    fn processes(&self) -> Result<Vec<Process>, ProbeError> {
        self.processes.clone()
    }
    fn cmdline(&self, pid: u32) -> Result<Vec<Vec<u8>>, ProbeError> {
        self.cmdlines.get(&pid).cloned().ok_or_else(|| ProbeError {
            what: "cmdline",
            cause: format!("/proc/{pid}/cmdline: No such file or directory"),
        })
    }
    fn clock(&self) -> Result<ClockState, ProbeError> {
        self.clock.clone()
    }
    fn env_vars(&self) -> Vec<(OsString, OsString)> {
        self.env.clone()
    }
    fn outbound(&self, _plan: &Plan) -> Vec<Outcome> {
        self.outbound.clone()
    }
}

#[cfg(test)]
mod clock_tests {
    use super::*;

    /// The synchronised verdict needs both the state and the status bit.
    #[test]
    fn synchronised_needs_state_and_status() {
        let c = |state, status| ClockState {
            state,
            status,
            maxerror_us: 0,
            esterror_us: 0,
        };
        assert!(c(0, 0x2001).synchronised());
        assert!(!c(TIME_ERROR, 0x2001).synchronised());
        assert!(!c(0, 0x2041).synchronised());
        assert!(!c(TIME_ERROR, STA_UNSYNC).synchronised());
    }

    /// The live probe reads its own command line back, argument by argument.
    #[test]
    fn live_cmdline_of_self() {
        let me = std::process::id();
        let args = LiveProbe.cmdline(me).unwrap();
        let first = std::env::args_os().next().unwrap();
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(args[0], first.as_bytes());
        assert_eq!(args.len(), std::env::args_os().count());
    }
}
