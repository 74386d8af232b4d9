//! The processes running now, for checks that add "and it runs now" to "it starts at boot"
//! (sshd, VMware tools). Live only: in `--root` mode nothing runs, and the host's processes
//! must never be mistaken for the image's.

use crate::probe::{Probe, Process};

/// The running processes, or why they are not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessFacts {
    /// `--root` mode: an image runs nothing.
    NotLive,
    Listed(Vec<Process>),
    Failed(String),
}

pub fn gather(probe: Option<&dyn Probe>) -> ProcessFacts {
    match probe {
        None => ProcessFacts::NotLive,
        Some(p) => match p.processes() {
            Ok(list) => ProcessFacts::Listed(list),
            Err(e) => ProcessFacts::Failed(e.to_string()),
        },
    }
}

impl ProcessFacts {
    /// The pids of the processes whose command name is one of `names`; `None` when the
    /// processes are not known.
    pub fn pids_named(&self, names: &[&str]) -> Option<Vec<u32>> {
        match self {
            ProcessFacts::Listed(list) => Some(
                list.iter()
                    .filter(|p| names.iter().any(|n| p.comm == n.as_bytes()))
                    .map(|p| p.pid)
                    .collect(),
            ),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::FakeProbe;

    /// Matching is on the exact command name; no probe means not known, never "not running".
    #[test]
    fn pids_by_name() {
        let mut probe = FakeProbe::new("5.10.0", "host");
        probe.processes = Ok(vec![
            Process {
                pid: 1,
                comm: b"systemd".to_vec(),
            },
            Process {
                pid: 812,
                comm: b"sshd".to_vec(),
            },
            Process {
                pid: 900,
                comm: b"sshd-session".to_vec(),
            },
        ]);
        let facts = gather(Some(&probe));
        assert_eq!(facts.pids_named(&["sshd"]), Some(vec![812]));
        assert_eq!(facts.pids_named(&["vmtoolsd"]), Some(vec![]));
        assert_eq!(gather(None).pids_named(&["sshd"]), None);
    }
}
