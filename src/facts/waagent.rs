//! The Azure Linux VM agent (WALinuxAgent, `waagent`): whether it is installed, which version,
//! and (live) whether it runs now. Whether it starts at boot comes from `facts::services`
//! (`waagent` on RHEL and SUSE, `walinuxagent` on Debian and Ubuntu).
//!
//! The version comes from, in order: the Python package's `azurelinuxagent/common/version.py`
//! (`AGENT_VERSION = '2.7.3.0'`), the package's metadata directory name
//! (`WALinuxAgent-2.7.3.0.egg-info`, `.dist-info`), and the `/usr/sbin/waagent` script itself
//! (the single-file 2.0 agent's `GuestAgentVersion = "WALinuxAgent-2.0.16"`, the launcher's
//! `__requires__ = 'WALinuxAgent==2.7.3.0'`). Versions the agent downloaded for itself
//! (auto-update) sit in `/var/lib/waagent/WALinuxAgent-X.Y.Z` and are listed separately.

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::probe::{Probe, Process};
use crate::root::{FileKind, Root};

/// Where distributions install the agent's entry script.
const SCRIPTS: &[&str] = &[
    "/usr/sbin/waagent",
    "/usr/bin/waagent",
    "/usr/local/sbin/waagent",
];
/// Where Python packages live.
const PY_LIBS: &[&str] = &["/usr/lib", "/usr/lib64", "/usr/local/lib"];

/// What is known about the VM agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaAgentFacts {
    /// The entry script found.
    pub script: Option<String>,
    /// The installed version, and where it was read.
    pub version: Option<(String, String)>,
    /// Versions under /var/lib/waagent (downloaded by the agent's auto-update).
    pub updated: Vec<String>,
    /// Live: the pids of running agent processes; `None` in `--root` mode or when unknown.
    pub running: Option<Vec<u32>>,
    pub errors: Vec<FactError>,
}

impl WaAgentFacts {
    pub fn installed(&self) -> bool {
        self.script.is_some() || self.version.is_some()
    }
}

pub fn gather(
    root: &Root,
    probe: Option<&dyn Probe>,
    processes: Option<&[Process]>,
) -> WaAgentFacts {
    let mut out = WaAgentFacts::default();
    for s in SCRIPTS {
        match root.kind(Path::new(s)) {
            Ok(Some(FileKind::File)) => {
                out.script = Some(s.to_string());
                break;
            }
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => out.errors.push(e.into()),
        }
    }
    out.version = package_version(root, &mut out.errors);
    if out.version.is_none() {
        if let Some(s) = &out.script {
            match root.read_bytes_capped(Path::new(s), 4 * 1024 * 1024) {
                Ok(b) => {
                    out.version =
                        script_version(&String::from_utf8_lossy(&b)).map(|v| (v, s.clone()));
                }
                Err(e) => out.errors.push(e.into()),
            }
        }
    }
    match root.read_dir_optional(Path::new("/var/lib/waagent")) {
        Ok(entries) => {
            for e in entries {
                if e.kind != FileKind::Dir {
                    continue;
                }
                if let Some(v) = e
                    .name
                    .as_bytes()
                    .strip_prefix(b"WALinuxAgent-")
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .filter(|v| is_version(v))
                {
                    out.updated.push(v.to_string());
                }
            }
        }
        Err(e) => out.errors.push(e.into()),
    }
    if let (Some(p), Some(list)) = (probe, processes) {
        out.running = Some(running_agent(p, list));
    }
    out
}

/// The installed Python package's version.
fn package_version(root: &Root, errors: &mut Vec<FactError>) -> Option<(String, String)> {
    let mut site_dirs: Vec<PathBuf> = Vec::new();
    for lib in PY_LIBS {
        let entries = match root.read_dir_optional(Path::new(lib)) {
            Ok(e) => e,
            Err(e) => {
                errors.push(e.into());
                continue;
            }
        };
        for e in entries {
            if !e.name.as_bytes().starts_with(b"python") {
                continue;
            }
            for sub in ["site-packages", "dist-packages"] {
                site_dirs.push(Path::new(lib).join(&e.name).join(sub));
            }
        }
    }
    for dir in &site_dirs {
        let version_py = dir.join("azurelinuxagent/common/version.py");
        match root.read_optional(&version_py) {
            Ok(Some(text)) => {
                if let Some(v) = assigned_version(&text, "AGENT_VERSION") {
                    return Some((v, version_py.display().to_string()));
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(e.into()),
        }
    }
    for dir in &site_dirs {
        let Ok(entries) = root.read_dir_optional(dir) else {
            continue;
        };
        for e in entries {
            let Some(rest) = e.name.as_bytes().strip_prefix(b"WALinuxAgent-") else {
                continue;
            };
            let rest = String::from_utf8_lossy(rest);
            let v = rest.split(['-']).next().unwrap_or("");
            let v = v
                .strip_suffix(".egg-info")
                .or_else(|| v.strip_suffix(".dist-info"))
                .unwrap_or(v);
            if is_version(v) {
                return Some((v.to_string(), dir.join(&e.name).display().to_string()));
            }
        }
    }
    None
}

/// `NAME = 'x.y.z'` (or double quotes) at the start of a line.
fn assigned_version(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(name)?.trim_start().strip_prefix('=')?.trim();
        let v = rest.trim_matches(|c| c == '\'' || c == '"');
        is_version(v).then(|| v.to_string())
    })
}

/// The version written in the entry script itself.
pub fn script_version(text: &str) -> Option<String> {
    if let Some(v) = assigned_version(text, "AGENT_VERSION") {
        return Some(v);
    }
    for l in text.lines() {
        for marker in ["WALinuxAgent-", "WALinuxAgent=="] {
            if let Some(i) = l.find(marker) {
                let rest = &l[i + marker.len()..];
                let v: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                let v = v.trim_end_matches('.');
                if is_version(v) {
                    return Some(v.to_string());
                }
            }
        }
    }
    None
}

fn is_version(v: &str) -> bool {
    !v.is_empty()
        && v.split('.').count() >= 2
        && v.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The pids running the agent: a process named `waagent`, or an interpreter whose first
/// arguments run a `waagent` script (`python3 -u /usr/sbin/waagent -daemon`).
fn running_agent(p: &dyn Probe, list: &[Process]) -> Vec<u32> {
    list.iter()
        .filter(|proc_| {
            if proc_.comm == b"waagent" {
                return true;
            }
            if !proc_.comm.starts_with(b"python") {
                return false;
            }
            p.cmdline(proc_.pid).is_ok_and(|args| {
                args.iter()
                    .skip(1)
                    .take(3)
                    .any(|a| a.rsplit(|&b| b == b'/').next() == Some(b"waagent"))
            })
        })
        .map(|proc_| proc_.pid)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::FakeProbe;

    /// The three ways the script states its version: the 2.x launcher's `__requires__`, the
    /// 2.0 single file's `GuestAgentVersion`, an `AGENT_VERSION` assignment.
    #[test]
    fn script_versions() {
        assert_eq!(
            script_version("#!/usr/bin/python3\n__requires__ = 'WALinuxAgent==2.7.3.0'\n")
                .as_deref(),
            Some("2.7.3.0")
        );
        assert_eq!(
            script_version("GuestAgentVersion = \"WALinuxAgent-2.0.16\"\n").as_deref(),
            Some("2.0.16")
        );
        assert_eq!(
            script_version("AGENT_VERSION = '2.2.49.2'\n").as_deref(),
            Some("2.2.49.2")
        );
        assert_eq!(script_version("import azurelinuxagent.agent\n"), None);
    }

    /// An interpreter counts only when it runs a script named waagent; a process named
    /// waagent counts as it is.
    #[test]
    fn running_by_comm_or_script() {
        let mut probe = FakeProbe::new("5.15.0", "vm");
        let procs = vec![
            Process {
                pid: 10,
                comm: b"python3".to_vec(),
            },
            Process {
                pid: 11,
                comm: b"python3".to_vec(),
            },
            Process {
                pid: 12,
                comm: b"waagent".to_vec(),
            },
            Process {
                pid: 13,
                comm: b"sshd".to_vec(),
            },
        ];
        probe.cmdlines.insert(
            10,
            vec![
                b"/usr/bin/python3".to_vec(),
                b"-u".to_vec(),
                b"/usr/sbin/waagent".to_vec(),
                b"-daemon".to_vec(),
            ],
        );
        probe.cmdlines.insert(
            11,
            vec![b"python3".to_vec(), b"/opt/waagent-tools.py".to_vec()],
        );
        assert_eq!(running_agent(&probe, &procs), vec![10, 12]);
    }
}
