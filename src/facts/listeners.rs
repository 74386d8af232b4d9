//! TCP sockets in the LISTEN state on the running system (`/proc/net/tcp` and `tcp6`, which show
//! the network namespace of the reader), and the process holding each one, found by the socket
//! inode among the links in `/proc/PID/fd`. Live only: an image has no sockets.

use crate::facts::{FactError, FactErrorKind};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use crate::parse::proc_net_tcp::{self, STATE_LISTEN};
use crate::root::Root;
use crate::text::escape_bytes;

/// The process holding a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub comm: String,
    /// The executable's path, when readable.
    pub exe: Option<String>,
    /// The command line, arguments separated by spaces.
    pub cmdline: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub addr: IpAddr,
    pub port: u16,
    pub uid: u32,
    pub inode: u64,
    /// `None` when no readable /proc/PID/fd holds the socket (another user's process when not
    /// running as root), and on ports not in [`PORTS_WITH_OWNERS`] when none of those is used.
    pub owner: Option<Owner>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListenerFacts {
    pub listeners: Vec<Listener>,
    /// /proc/net files that could not be read or parsed.
    pub errors: Vec<FactError>,
    /// Processes whose descriptors could not be read.
    pub unreadable_processes: usize,
}

/// The ports whose holders a check names (`mvc.port-20004`). Finding a holder reads every
/// process's /proc/PID/fd (hundreds of directory reads and links on a busy machine), so it is
/// done only when one of these ports is listened on; other listeners keep `owner: None`.
pub const PORTS_WITH_OWNERS: &[u16] = &[20004];

pub fn gather(root: &Root) -> ListenerFacts {
    let mut out = ListenerFacts::default();
    for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let table = match root.open_file(Path::new(path)) {
            Ok((file, _)) => {
                let read = std::io::BufReader::new(file);
                proc_net_tcp::parse_reader(read, |s| s.state == STATE_LISTEN)
                    .map(Some)
                    .map_err(|e| FactError::unparsable(path, None, e))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(FactError::from(e)),
        };
        match table {
            Ok(Some((sockets, errors))) => {
                out.errors.extend(
                    errors
                        .into_iter()
                        .map(|e| FactError::unparsable(path, None, e)),
                );
                out.listeners.extend(sockets.into_iter().map(|s| Listener {
                    addr: s.local,
                    port: s.local_port,
                    uid: s.uid,
                    inode: s.inode,
                    owner: None,
                }));
            }
            // tcp6 is absent when IPv6 is disabled.
            Ok(None) if path.ends_with('6') => {}
            Ok(None) => out.errors.push(FactError {
                kind: FactErrorKind::NotFound,
                path: Some(path.into()),
                reason: "not found".into(),
            }),
            Err(e) => out.errors.push(e),
        }
    }
    if out
        .listeners
        .iter()
        .any(|l| PORTS_WITH_OWNERS.contains(&l.port))
    {
        let (owners, unreadable) = socket_owners(root);
        out.unreadable_processes = unreadable;
        for l in &mut out.listeners {
            l.owner = owners.get(&l.inode).cloned();
        }
    }
    out
}

/// Socket inode -> owning process, and how many processes could not be inspected.
fn socket_owners(root: &Root) -> (HashMap<u64, Owner>, usize) {
    let mut map = HashMap::new();
    let mut unreadable = 0;
    let Ok(procs) = root.read_dir(Path::new("/proc")) else {
        return (map, 0);
    };
    for p in procs {
        let Some(pid) = p.name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let base = Path::new("/proc").join(pid.to_string());
        let fds = match root.read_dir(&base.join("fd")) {
            Ok(f) => f,
            Err(_) => {
                unreadable += 1;
                continue;
            }
        };
        let mut owner: Option<Owner> = None;
        for fd in fds {
            let Ok(target) = root.read_link(&base.join("fd").join(&fd.name)) else {
                continue;
            };
            let t = target.to_string_lossy();
            let Some(inode) = t
                .strip_prefix("socket:[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let o = owner.get_or_insert_with(|| describe(root, pid, &base));
            map.entry(inode).or_insert_with(|| o.clone());
        }
    }
    (map, unreadable)
}

fn describe(root: &Root, pid: u32, base: &Path) -> Owner {
    let comm = root
        .read_prefix(&base.join("comm"), 64)
        .map(|b| escape_bytes(b.trim_ascii()))
        .unwrap_or_default();
    let exe = root
        .read_link(&base.join("exe"))
        .ok()
        .map(|p| escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str())));
    let cmdline = root
        .read_prefix(&base.join("cmdline"), 4096)
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|a| !a.is_empty())
                .map(escape_bytes)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Owner {
        pid,
        comm,
        exe,
        cmdline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The holder of TCP 20004 (the port `mvc.port-20004` names holders of) is found through
    /// /proc/PID/fd; without a listener on such a port, /proc/PID/fd is not walked.
    #[test]
    fn holders_are_looked_for_on_the_named_ports_only() {
        assert!(PORTS_WITH_OWNERS.contains(&crate::checks::mvc::MVC_PORT));
        let head = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
        let l22 = "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 10001 1 0000000000000000 100 0 0 10 0\n";
        let l20004 = "   1: 00000000:4E24 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20001 1 0000000000000000 100 0 0 10 0\n";
        let with = |table: &str| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("proc/net")).unwrap();
            std::fs::write(dir.path().join("proc/net/tcp"), table).unwrap();
            let fd = dir.path().join("proc/700/fd");
            std::fs::create_dir_all(&fd).unwrap();
            std::os::unix::fs::symlink("socket:[20001]", fd.join("3")).unwrap();
            std::os::unix::fs::symlink("socket:[10001]", fd.join("4")).unwrap();
            std::fs::write(dir.path().join("proc/700/comm"), "holder\n").unwrap();
            let f = gather(&Root::image(dir.path()).unwrap());
            f.listeners
                .iter()
                .map(|l| (l.port, l.owner.as_ref().map(|o| o.comm.clone())))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            with(&format!("{head}{l22}{l20004}")),
            [(22, Some("holder".into())), (20004, Some("holder".into()))]
        );
        assert_eq!(with(&format!("{head}{l22}")), [(22, None)]);
    }

    /// A busy server's table (here 300,000 connections, 45 MB, over the cap for a file read
    /// whole) is read line by line: its listener is found and nothing is an error.
    #[test]
    fn a_table_larger_than_the_read_cap() {
        let dir = tempfile::tempdir().unwrap();
        let net = dir.path().join("proc/net");
        std::fs::create_dir_all(&net).unwrap();
        let mut text = String::from(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
        );
        let conn = "0264A8C0:0016 0164A8C0:D5C4 01 00000000:00000000 02:0009A77E 00000000     0        0 30001 4 0000000000000000 20 4 29 10 -1\n";
        for i in 0..300_000 {
            text.push_str(&format!("{i:6}: {conn}"));
        }
        text.push_str("300000: 00000000:4E24 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20001 1 0000000000000000 100 0 0 10 0\n");
        assert!(text.len() as u64 > crate::root::MAX_FILE_BYTES);
        std::fs::write(net.join("tcp"), &text).unwrap();
        let root = Root::image(dir.path()).unwrap();
        let f = gather(&root);
        assert_eq!(f.errors, Vec::<crate::facts::FactError>::new());
        assert_eq!(f.listeners.len(), 1);
        assert_eq!(f.listeners[0].port, 20004);
    }
}
