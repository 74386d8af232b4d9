//! The few facts only a running system has, behind a trait so tests can substitute them:
//! the kernel's uname, the host name it holds, its network interfaces and their addresses, the
//! processes running now (and their command lines), the kernel's clock discipline state, the
//! tool's own environment, the free space of a mounted file system, what the network answers
//! when the endpoints are tried (`--online` only; see [`crate::outbound`]), and the output of
//! the read-only listing tools that are the only way to see some kernel state (`iptables-save`,
//! `nft -j list ruleset`, `chronyc -c tracking`). In `--root` mode there is no probe at all,
//! which is how the host running the tool is kept out of an image's report.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

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

/// One address of an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfAddr {
    pub addr: IpAddr,
    pub prefix: Option<u8>,
}

/// A network interface as the kernel lists it (getifaddrs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The name as bytes: the kernel accepts any bytes but `/`, `:` and blanks.
    pub name: Vec<u8>,
    /// Administratively up (IFF_UP).
    pub up: bool,
    pub loopback: bool,
    pub addrs: Vec<IfAddr>,
}

impl Interface {
    /// An up, non-loopback interface with the given addresses (`"198.51.100.10/24"`), for tests.
    pub fn new(name: &str, addrs: &[&str]) -> Interface {
        Interface {
            name: name.as_bytes().to_vec(),
            up: true,
            loopback: name == "lo",
            addrs: addrs
                .iter()
                .filter_map(|a| crate::parse::netconf::parse_cidr(a))
                .map(|(addr, prefix)| IfAddr { addr, prefix })
                .collect(),
        }
    }
}

/// The size and free space of a mounted file system, as statvfs(2) reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FsSpace {
    /// Fragment size (`f_frsize`): the unit of the block counts.
    pub fragment_size: u64,
    pub blocks: u64,
    /// Free blocks for anyone (`f_bfree`), the reserved ones included.
    pub blocks_free: u64,
    /// Free blocks for unprivileged users (`f_bavail`): what `df` calls available.
    pub blocks_available: u64,
}

impl FsSpace {
    /// Available bytes, as `df` reports them.
    pub fn available_bytes(&self) -> u64 {
        self.blocks_available.saturating_mul(self.fragment_size)
    }
    pub fn total_bytes(&self) -> u64 {
        self.blocks.saturating_mul(self.fragment_size)
    }
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
    /// Every interface with every address it holds, in the kernel's order.
    fn interfaces(&self) -> Result<Vec<Interface>, ProbeError>;
    /// statvfs(2) of the file system holding `path`.
    fn statvfs(&self, path: &Path) -> Result<FsSpace, ProbeError>;
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
    /// Runs a read-only listing tool (`iptables-save`, `nft -j list ruleset`) found in the
    /// system's sbin and bin directories. `Ok(None)` when the tool is not installed.
    fn run_tool(&self, program: &str, args: &[&str]) -> Result<Option<ToolOutput>, ProbeError>;
    /// Starts listing tools now, all at once, so that a later [`Probe::run_tool`] with the same
    /// command line collects the result instead of waiting for the program one after another.
    /// A probe that cannot run programs in the background ignores it.
    fn start_tools(&self, _tools: &[(&'static str, &'static [&'static str])]) {}
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

fn run_with_timeout(
    path: &Path,
    program: &str,
    args: &[&str],
    deadline: Instant,
) -> Result<ToolOutput, ProbeError> {
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
        crate::output::leave_signals_to_main_thread();
        let mut buf = Vec::new();
        let _ = (&mut stdout).take(TOOL_OUTPUT_CAP).read_to_end(&mut buf);
        buf
    });
    let err_t = std::thread::spawn(move || {
        crate::output::leave_signals_to_main_thread();
        let mut buf = Vec::new();
        let _ = (&mut stderr).take(1024 * 1024).read_to_end(&mut buf);
        buf
    });
    // The exit is awaited on a thread that leaves the child unreaped (WNOWAIT), so the answer
    // comes the moment the program ends (no polling interval added to every tool) while a
    // program past the deadline can still be killed by its pid without any risk of hitting
    // another process that reused it.
    let (tx, rx) = mpsc::channel();
    let pid = child.id() as nix::libc::id_t;
    std::thread::spawn(move || {
        crate::output::leave_signals_to_main_thread();
        let _ = tx.send(wait_exit_unreaped(pid));
    });
    let left = deadline.saturating_duration_since(Instant::now());
    let status = match rx.recv_timeout(left) {
        Ok(Ok(())) => child.wait().map_err(|e| err(e.to_string()))?,
        Ok(Err(e)) => return Err(err(e.to_string())),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(err(format!(
                "no answer within {} s",
                TOOL_TIMEOUT.as_secs()
            )));
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

/// Blocks until process `pid` has exited, leaving it for `Child::wait` to reap.
fn wait_exit_unreaped(pid: nix::libc::id_t) -> std::io::Result<()> {
    loop {
        // SAFETY: siginfo_t is plain data that waitid fills in; WNOWAIT leaves the child as it
        // is, so the std Child handle stays the one owner of its reaping.
        let mut info: nix::libc::siginfo_t = unsafe { std::mem::zeroed() };
        let r = unsafe {
            nix::libc::waitid(
                nix::libc::P_PID,
                pid,
                &mut info,
                nix::libc::WEXITED | nix::libc::WNOWAIT,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// Finds a listing tool in [`TOOL_DIRS`] and runs it; `Ok(None)` when it is not installed.
fn find_and_run(
    program: &str,
    args: &[&str],
    deadline: Instant,
) -> Result<Option<ToolOutput>, ProbeError> {
    let Some(path) = TOOL_DIRS
        .iter()
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
    else {
        return Ok(None);
    };
    run_with_timeout(&path, program, args, deadline).map(Some)
}

/// A tool's result to come, from a thread started ahead of need.
type Started = std::thread::JoinHandle<Result<Option<ToolOutput>, ProbeError>>;

/// The command line a tool run is known by (`nft -j list ruleset`).
fn tool_key(program: &str, args: &[&str]) -> String {
    std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The running system.
#[derive(Debug, Default)]
pub struct LiveProbe {
    /// Listing tools started by [`Probe::start_tools`], by command line, not yet collected.
    started: Mutex<Vec<(String, Started)>>,
}

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
        let key = tool_key(program, args);
        let handle = {
            let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
            started
                .iter()
                .position(|(k, _)| *k == key)
                .map(|i| started.swap_remove(i).1)
        };
        match handle {
            Some(h) => h.join().unwrap_or_else(|_| {
                Err(ProbeError {
                    what: "command",
                    cause: format!("{key}: the thread running it failed"),
                })
            }),
            None => find_and_run(program, args, Instant::now() + TOOL_TIMEOUT),
        }
    }

    fn start_tools(&self, tools: &[(&'static str, &'static [&'static str])]) {
        // One deadline for all of them: together they cost the slowest, not the sum.
        let deadline = Instant::now() + TOOL_TIMEOUT;
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        for &(program, args) in tools {
            let key = tool_key(program, args);
            if started.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let spawned = std::thread::Builder::new().spawn(move || {
                crate::output::leave_signals_to_main_thread();
                find_and_run(program, args, deadline)
            });
            // A thread that cannot be had leaves the tool to run when it is asked for.
            if let Ok(h) = spawned {
                started.push((key, h));
            }
        }
    }

    fn interfaces(&self) -> Result<Vec<Interface>, ProbeError> {
        use nix::net::if_::InterfaceFlags;
        let list = nix::ifaddrs::getifaddrs().map_err(|e| ProbeError {
            what: "getifaddrs",
            cause: e.desc().to_string(),
        })?;
        // nix gives names as lossy UTF-8; the exact bytes come from if_nameindex when needed.
        let exact: Vec<Vec<u8>> = nix::net::if_::if_nameindex()
            .map(|ifs| ifs.iter().map(|i| i.name().to_bytes().to_vec()).collect())
            .unwrap_or_default();
        let mut out: Vec<Interface> = Vec::new();
        for ia in list {
            let name = exact_name(&ia.interface_name, &exact);
            let idx = match out.iter().position(|i| i.name == name) {
                Some(i) => i,
                None => {
                    out.push(Interface {
                        name,
                        up: ia.flags.contains(InterfaceFlags::IFF_UP),
                        loopback: ia.flags.contains(InterfaceFlags::IFF_LOOPBACK),
                        addrs: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let Some(sa) = ia.address else { continue };
            let addr: IpAddr = if let Some(v4) = sa.as_sockaddr_in() {
                v4.ip().into()
            } else if let Some(v6) = sa.as_sockaddr_in6() {
                v6.ip().into()
            } else {
                continue;
            };
            let prefix = ia.netmask.and_then(|m| {
                if let Some(v4) = m.as_sockaddr_in() {
                    Some(u32::from(v4.ip()).count_ones() as u8)
                } else {
                    m.as_sockaddr_in6()
                        .map(|v6| u128::from(v6.ip()).count_ones() as u8)
                }
            });
            out[idx].addrs.push(IfAddr { addr, prefix });
        }
        Ok(out)
    }

    fn statvfs(&self, path: &Path) -> Result<FsSpace, ProbeError> {
        // Under the deadline: statvfs on a hung NFS or FUSE mount never returns.
        let owned = path.to_path_buf();
        let answer = crate::deadline::within(crate::deadline::MOUNT_DEADLINE, move || {
            nix::sys::statvfs::statvfs(&owned)
        })
        .map_err(|e| ProbeError {
            what: "statvfs",
            cause: format!(
                "{}: {e}",
                crate::text::escape_bytes(path.as_os_str().as_bytes())
            ),
        })?;
        let s = answer.map_err(|e| ProbeError {
            what: "statvfs",
            cause: format!(
                "{}: {}",
                crate::text::escape_bytes(path.as_os_str().as_bytes()),
                e.desc()
            ),
        })?;
        // f_frsize is 0 on some old file systems; statvfs(3) then means f_bsize.
        let frsize = match s.fragment_size() {
            0 => s.block_size(),
            f => f,
        };
        // The widths of these fields differ between C libraries and targets: the casts are
        // no-ops on x86_64 glibc and musl only.
        #[allow(clippy::unnecessary_cast)]
        Ok(FsSpace {
            fragment_size: frsize as u64,
            blocks: s.blocks() as u64,
            blocks_free: s.blocks_free() as u64,
            blocks_available: s.blocks_available() as u64,
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

/// The byte name of an interface whose name nix converted lossily.
fn exact_name(lossy: &str, exact: &[Vec<u8>]) -> Vec<u8> {
    if !lossy.contains('\u{FFFD}') {
        return lossy.as_bytes().to_vec();
    }
    exact
        .iter()
        .find(|b| String::from_utf8_lossy(b) == lossy)
        .cloned()
        .unwrap_or_else(|| lossy.as_bytes().to_vec())
}

/// Canned answers for tests.
#[derive(Debug, Clone)]
pub struct FakeProbe {
    pub uname: Result<Uname, ProbeError>,
    pub hostname: Result<OsString, ProbeError>,
    /// Tool outputs by command line (`iptables-save`, `nft -j list ruleset`); absent = not
    /// installed.
    pub tools: BTreeMap<String, Result<ToolOutput, ProbeError>>,
    pub interfaces: Result<Vec<Interface>, ProbeError>,
    /// statvfs answers by exact path; any other path is an error.
    pub space: Vec<(PathBuf, FsSpace)>,
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
            tools: BTreeMap::new(),
            interfaces: Ok(vec![Interface::new("lo", &["127.0.0.1/8", "::1/128"])]),
            space: Vec::new(),
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
    fn run_tool(&self, program: &str, args: &[&str]) -> Result<Option<ToolOutput>, ProbeError> {
        let cmd = std::iter::once(program)
            .chain(args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        self.tools.get(&cmd).cloned().transpose()
    }
    fn interfaces(&self) -> Result<Vec<Interface>, ProbeError> {
        self.interfaces.clone()
    }
    fn statvfs(&self, path: &Path) -> Result<FsSpace, ProbeError> {
        self.space
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, s)| *s)
            .ok_or_else(|| ProbeError {
                what: "statvfs",
                cause: format!("{}: no such file system in the fake", path.display()),
            })
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
        let args = LiveProbe::default().cmdline(me).unwrap();
        let first = std::env::args_os().next().unwrap();
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(args[0], first.as_bytes());
        assert_eq!(args.len(), std::env::args_os().count());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tools started together cost the slowest of them, not the sum; each is collected by its
    /// command line with its own output; one not started ahead still runs when asked; a missing
    /// program is `None`; a failing one an error.
    #[test]
    fn started_tools_run_together() {
        let p = LiveProbe::default();
        let t = Instant::now();
        p.start_tools(&[
            ("sh", &["-c", "sleep 0.4; echo a"]),
            ("sh", &["-c", "sleep 0.4; echo b"]),
            ("sh", &["-c", "sleep 0.4; echo c"]),
        ]);
        let mut outs = Vec::new();
        for args in [
            &["-c", "sleep 0.4; echo c"][..],
            &["-c", "sleep 0.4; echo a"],
            &["-c", "sleep 0.4; echo b"],
        ] {
            outs.push(p.run_tool("sh", args).unwrap().unwrap().stdout);
        }
        let took = t.elapsed();
        assert_eq!(outs, ["c\n", "a\n", "b\n"]);
        assert!(
            took < Duration::from_millis(1000),
            "{took:?}: run one after another"
        );
        assert!(p.started.lock().unwrap().is_empty());
        assert_eq!(
            p.run_tool("sh", &["-c", "echo late"])
                .unwrap()
                .unwrap()
                .stdout,
            "late\n"
        );
        assert!(p.run_tool("no-such-tool-asr", &[]).unwrap().is_none());
        let e = p
            .run_tool("sh", &["-c", "echo oops >&2; exit 3"])
            .unwrap_err();
        assert!(e.cause.contains("oops"), "{e}");
    }

    /// The live probe lists the loopback interface, up and flagged as loopback, with 127.0.0.1.
    #[test]
    fn live_interfaces_include_loopback() {
        let ifs = LiveProbe::default().interfaces().unwrap();
        let lo = ifs
            .iter()
            .find(|i| i.loopback)
            .expect("a loopback interface");
        assert!(lo.up);
        assert!(
            lo.addrs
                .iter()
                .any(|a| a.addr == IpAddr::from([127, 0, 0, 1]) && a.prefix == Some(8))
        );
    }

    /// Lossy names are mapped back to the kernel's bytes; clean names pass through.
    #[test]
    fn exact_names() {
        let exact = vec![b"eth0".to_vec(), b"caf\xe9".to_vec()];
        assert_eq!(exact_name("eth0", &exact), b"eth0");
        assert_eq!(exact_name("caf\u{FFFD}", &exact), b"caf\xe9");
    }
}
