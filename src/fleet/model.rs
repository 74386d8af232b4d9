//! The fleet model: what many host reports say together. Built once from the reports read; every
//! renderer (human, json, csv, html) presents this model and decides nothing. Readiness of a host
//! is the `ready` its own report carries: the fleet view never re-judges a host.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::ffi::OsStrExt;

use serde::Serialize;

use super::read::{HostReport, Read};

/// Version of the fleet JSON (schema/fleet.schema.json).
pub const FLEET_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub fleet_schema_version: u32,
    pub totals: Totals,
    /// Most common problem first.
    pub problems: Vec<Problem>,
    pub scenarios: Vec<Count>,
    pub matrices: Vec<Count>,
    pub os: Vec<Count>,
    pub kernels: Vec<Count>,
    /// What differs between hosts in a way that makes their verdicts not comparable:
    /// "scenario" and/or "matrix" when hosts ran with more than one.
    pub mixed: Vec<String>,
    pub hosts: Vec<Host>,
    pub unreadable: Vec<UnreadableOut>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    pub reports: usize,
    pub hosts: usize,
    pub ready: usize,
    pub not_ready: usize,
    pub unreadable: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// A finding code when the reports carry them, else the check id.
    pub key: String,
    pub check: String,
    /// The worst status seen for this problem: fail, error or warn.
    pub status: String,
    /// Hosts that have it (waived or not).
    pub hosts: usize,
    /// Of those, hosts where it is waived.
    pub waived: usize,
    /// Indexes into `hosts` of the fleet, in host order.
    pub host_index: Vec<usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Count {
    /// `null` when the reports did not say.
    pub value: Option<String>,
    pub hosts: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct StatusCounts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// The host name the report gives, else the file name.
    pub name: String,
    pub path: String,
    pub ready: bool,
    pub scenario: Option<String>,
    pub matrix: Option<String>,
    pub mode: Option<String>,
    pub os: Option<String>,
    pub kernel: Option<String>,
    pub counts: StatusCounts,
    /// Problem keys of this host (warn, fail, error), waived ones included.
    pub problems: Vec<String>,
    pub checks: Vec<HostCheck>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostCheck {
    pub id: String,
    pub status: String,
    pub summary: String,
    pub waived: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UnreadableOut {
    pub path: String,
    pub reason: String,
}

fn is_problem(status: &str) -> bool {
    matches!(status, "warn" | "fail" | "error")
}

fn rank(status: &str) -> u8 {
    match status {
        "fail" => 3,
        "error" => 2,
        "warn" => 1,
        _ => 0,
    }
}

fn os_label(r: &HostReport) -> Option<String> {
    match (&r.system.os.id, &r.system.os.version) {
        (Some(id), Some(v)) => Some(format!("{id} {v}")),
        (Some(id), None) => Some(id.clone()),
        _ => None,
    }
}

fn counts_of(values: impl Iterator<Item = Option<String>>) -> Vec<Count> {
    let mut m: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for v in values {
        *m.entry(v).or_default() += 1;
    }
    let mut out: Vec<Count> = m
        .into_iter()
        .map(|(value, hosts)| Count { value, hosts })
        .collect();
    out.sort_by(|a, b| b.hosts.cmp(&a.hosts).then_with(|| a.value.cmp(&b.value)));
    out
}

/// Builds the model from what was read, in input order.
pub fn build(reads: impl IntoIterator<Item = Read>) -> Fleet {
    let mut hosts = Vec::new();
    let mut unreadable = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut reports = 0;
    for read in reads {
        reports += 1;
        let (path, r) = match read {
            Read::Host(p, r) => (p, r),
            Read::Unreadable(u) => {
                unreadable.push(UnreadableOut {
                    path: crate::text::escape_bytes(u.path.as_os_str().as_bytes()),
                    reason: u.reason,
                });
                continue;
            }
        };
        let index = hosts.len();
        let path_shown = crate::text::escape_bytes(path.as_os_str().as_bytes());
        let name = r.system.hostname.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| crate::text::escape_bytes(s.as_bytes()))
                .unwrap_or_else(|| path_shown.clone())
        });
        let mut counts = StatusCounts::default();
        let mut host_problems: Vec<String> = Vec::new();
        let mut checks = Vec::with_capacity(r.checks.len());
        for c in &r.checks {
            match c.status.as_str() {
                "pass" => counts.pass += 1,
                "warn" => counts.warn += 1,
                "fail" => counts.fail += 1,
                "skip" => counts.skip += 1,
                "error" => counts.error += 1,
                _ => {}
            }
            // With finding codes the problem lines are the unit; without them, the check is.
            let mut keyed: Vec<(String, &str, bool)> = Vec::new();
            if c.findings.is_empty() {
                if is_problem(&c.status) {
                    keyed.push((c.id.clone(), c.status.as_str(), c.waived.is_some()));
                }
            } else {
                for f in &c.findings {
                    if is_problem(&f.status) {
                        keyed.push((f.code.clone(), f.status.as_str(), f.waived.is_some()));
                    }
                }
            }
            let all_waived = !keyed.is_empty() && keyed.iter().all(|k| k.2);
            for (key, status, waived) in keyed {
                if host_problems.contains(&key) {
                    continue;
                }
                let at = *by_key.entry(key.clone()).or_insert_with(|| {
                    problems.push(Problem {
                        key: key.clone(),
                        check: c.id.clone(),
                        status: status.to_string(),
                        hosts: 0,
                        waived: 0,
                        host_index: Vec::new(),
                    });
                    problems.len() - 1
                });
                let p = &mut problems[at];
                p.hosts += 1;
                p.waived += usize::from(waived);
                p.host_index.push(index);
                if rank(status) > rank(&p.status) {
                    p.status = status.to_string();
                }
                host_problems.push(key);
            }
            checks.push(HostCheck {
                id: c.id.clone(),
                status: c.status.clone(),
                summary: c.summary.clone(),
                waived: all_waived,
            });
        }
        hosts.push(Host {
            name,
            path: path_shown,
            ready: r.ready,
            scenario: r.scenario.clone(),
            matrix: r.matrix.clone(),
            mode: r.mode.clone(),
            os: os_label(&r),
            kernel: r.system.kernel.release.clone(),
            counts,
            problems: host_problems,
            checks,
        });
    }
    problems.sort_by(|a, b| {
        b.hosts
            .cmp(&a.hosts)
            .then_with(|| rank(&b.status).cmp(&rank(&a.status)))
            .then_with(|| a.key.cmp(&b.key))
    });
    let scenarios = counts_of(hosts.iter().map(|h| h.scenario.clone()));
    let matrices = counts_of(hosts.iter().map(|h| h.matrix.clone()));
    let mut mixed = Vec::new();
    if scenarios.len() > 1 {
        mixed.push("scenario".to_string());
    }
    if matrices.len() > 1 {
        mixed.push("matrix".to_string());
    }
    let ready = hosts.iter().filter(|h| h.ready).count();
    Fleet {
        fleet_schema_version: FLEET_SCHEMA_VERSION,
        totals: Totals {
            reports,
            hosts: hosts.len(),
            ready,
            not_ready: hosts.len() - ready,
            unreadable: unreadable.len(),
        },
        problems,
        scenarios,
        matrices,
        os: counts_of(hosts.iter().map(|h| h.os.clone())),
        kernels: counts_of(hosts.iter().map(|h| h.kernel.clone())),
        mixed,
        hosts,
        unreadable,
    }
}

impl Fleet {
    /// SPEC.md: 0 when every readable host is ready, 1 when any is not, 2 when nothing was read.
    pub fn exit(&self) -> crate::Exit {
        if self.totals.hosts == 0 {
            crate::Exit::Usage
        } else if self.totals.not_ready > 0 {
            crate::Exit::NotReady
        } else {
            crate::Exit::Ready
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::read::{Unreadable, parse};
    use std::path::PathBuf;

    fn host(name: &str, ready: bool, scenario: &str, checks: &str) -> Read {
        let json = format!(
            r#"{{"schema_version":1,"scenario":"{scenario}","matrix":"asr-2016","ready":{ready},
            "system":{{"hostname":"{name}","os":{{"id":"centos","version":"7.2"}},"kernel":{{"release":"3.10"}}}},
            "checks":[{checks}]}}"#
        );
        Read::Host(
            PathBuf::from(format!("{name}.json")),
            Box::new(parse(json.as_bytes()).unwrap()),
        )
    }

    #[test]
    fn counts_problems_by_host_and_keys_by_code_when_present() {
        let reads = vec![
            host(
                "a",
                false,
                "vmware-to-azure",
                r#"{"id":"ssh.autostart","status":"fail"},{"id":"os.arch","status":"pass"}"#,
            ),
            host(
                "b",
                true,
                "vmware-to-azure",
                r#"{"id":"net.proxy","status":"warn"}"#,
            ),
            host(
                "c",
                false,
                "physical-to-azure",
                r#"{"id":"ssh.autostart","status":"fail","findings":[
                {"code":"ssh.autostart/masked","status":"fail","text":"t"},
                {"code":"ssh.autostart/disabled","status":"warn","text":"t","waived":{"reason":"r","expires":"2030-01-01"}}]}"#,
            ),
            Read::Unreadable(Unreadable {
                path: PathBuf::from("x.json"),
                reason: "broken".into(),
            }),
        ];
        let f = build(reads);
        assert_eq!(
            f.totals,
            Totals {
                reports: 4,
                hosts: 3,
                ready: 1,
                not_ready: 2,
                unreadable: 1
            }
        );
        let keys: Vec<(&str, usize, usize)> = f
            .problems
            .iter()
            .map(|p| (p.key.as_str(), p.hosts, p.waived))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("ssh.autostart", 1, 0),
                ("ssh.autostart/masked", 1, 0),
                ("net.proxy", 1, 0),
                ("ssh.autostart/disabled", 1, 1)
            ]
        );
        assert_eq!(f.mixed, vec!["scenario".to_string()]);
        assert_eq!(f.unreadable[0].reason, "broken");
        assert_eq!(f.exit(), crate::Exit::NotReady);
    }

    #[test]
    fn exit_codes_follow_spec() {
        assert_eq!(build(vec![]).exit(), crate::Exit::Usage);
        assert_eq!(
            build(vec![host("a", true, "vmware-to-azure", "")]).exit(),
            crate::Exit::Ready
        );
    }
}
