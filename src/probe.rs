//! The few facts only a running system has, behind a trait so tests can substitute them:
//! the kernel's uname, the host name it holds, the processes running now, and the output of the
//! read-only listing tools that are the only way to see some kernel state (`iptables-save`,
//! `nft -j list ruleset`). More live-only facts (interfaces, sockets, file system space) join
//! here as their checks need them. In `--root` mode there is no probe at all,
//! which is how the host running the tool is kept out of an image's report.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    /// Runs a read-only listing tool (`iptables-save`, `nft -j list ruleset`) found in the
    /// system's sbin and bin directories. `Ok(None)` when the tool is not installed.
    fn run_tool(&self, program: &str, args: &[&str]) -> Result<Option<ToolOutput>, ProbeError>;
}

/// What a listing tool printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOutput {
    /// Where the program was found, with links resolved (`/usr/sbin/xtables-nft-multi`).
    pub resolved: PathBuf,
    pub stdout: String,
}

/// Where listing tools are looked for; PATH is not trusted (cron and Ansible set odd ones).
const TOOL_DIRS: &[&str] = &["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
/// A listing tool that takes longer than this is stopped (a hung lock must not hang the run).
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);
/// Output beyond this is not read (a rule set of a million rules is not a guest's).
const TOOL_OUTPUT_CAP: u64 = 64 * 1024 * 1024;

fn run_with_timeout(path: &Path, program: &str, args: &[&str]) -> Result<ToolOutput, ProbeError> {
    let what = "command";
    let shown = format!("{program} {}", args.join(" "));
    let err = |cause: String| ProbeError {
        what,
        cause: format!("{}: {cause}", shown.trim()),
    };
    let mut child = Command::new(path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("LC_ALL", "C")
        .spawn()
        .map_err(|e| err(e.to_string()))?;
    let mut stdout = child.stdout.take().ok_or_else(|| err("no stdout".into()))?;
    let mut stderr = child.stderr.take().ok_or_else(|| err("no stderr".into()))?;
    // Readers on threads so that a full pipe cannot stall the wait below.
    let out_t = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stdout).take(TOOL_OUTPUT_CAP).read_to_end(&mut buf);
        buf
    });
    let err_t = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut stderr).take(1024 * 1024).read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if start.elapsed() > TOOL_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(err(format!(
                    "no answer within {} s",
                    TOOL_TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(err(e.to_string())),
        }
    };
    let out = out_t.join().unwrap_or_default();
    let errs = err_t.join().unwrap_or_default();
    if !status.success() {
        let msg = String::from_utf8_lossy(&errs).trim().to_string();
        return Err(err(format!(
            "{status}{}",
            if msg.is_empty() {
                String::new()
            } else {
                format!(": {msg}")
            }
        )));
    }
    Ok(ToolOutput {
        resolved: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        stdout: String::from_utf8_lossy(&out).into_owned(),
    })
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

    fn run_tool(&self, program: &str, args: &[&str]) -> Result<Option<ToolOutput>, ProbeError> {
        let Some(path) = TOOL_DIRS
            .iter()
            .map(|d| Path::new(d).join(program))
            .find(|p| p.is_file())
        else {
            return Ok(None);
        };
        run_with_timeout(&path, program, args).map(Some)
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
    /// Tool outputs by command line (`iptables-save`, `nft -j list ruleset`); absent = not
    /// installed.
    pub tools: BTreeMap<String, Result<ToolOutput, ProbeError>>,
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
            tools: BTreeMap::new(),
            processes: Ok(Vec::new()),
        }
    }

    /// Adds a tool's canned output for the command line `cmd`.
    pub fn with_tool(mut self, cmd: &str, resolved: &str, stdout: &str) -> FakeProbe {
        self.tools.insert(
            cmd.to_string(),
            Ok(ToolOutput {
                resolved: PathBuf::from(resolved),
                stdout: stdout.to_string(),
            }),
        );
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
    fn run_tool(&self, program: &str, args: &[&str]) -> Result<Option<ToolOutput>, ProbeError> {
        let cmd = std::iter::once(program)
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        self.tools.get(&cmd).cloned().transpose()
    }
    fn processes(&self) -> Result<Vec<Process>, ProbeError> {
        self.processes.clone()
    }
}
