//! The few facts only a running system has, behind a trait so tests can substitute them:
//! the kernel's uname, the host name it holds, the processes running now. More live-only facts (interfaces, sockets, file
//! system space) join here as their checks need them. In `--root` mode there is no probe at all,
//! which is how the host running the tool is kept out of an image's report.

use std::ffi::OsString;

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
}

/// Canned answers for tests.
#[derive(Debug, Clone)]
pub struct FakeProbe {
    pub uname: Result<Uname, ProbeError>,
    pub hostname: Result<OsString, ProbeError>,
    pub processes: Result<Vec<Process>, ProbeError>,
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
        }
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
}
