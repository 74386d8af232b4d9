//! The fleet model: what many host reports say together. Built once from the reports read; every
//! renderer (human, json, csv, html) presents this model and decides nothing. Readiness of a host
//! is the `ready` its own report carries: the fleet view never re-judges a host.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::ffi::OsStrExt;

use serde::Serialize;

use super::read::{Check, HostReport, Read};

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

impl Fleet {
    /// The dimensions hosts differ in, each with its values: "scenario" or "matrix" and the
    /// hosts of each value.
    pub fn mixed_counts(&self) -> impl Iterator<Item = (&str, &[Count])> {
        self.mixed.iter().map(|m| {
            let list = if m == "scenario" {
                &self.scenarios
            } else {
                &self.matrices
            };
            (m.as_str(), list.as_slice())
        })
    }
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

/// One host as the whole-fleet views need it. Its check rows are not kept here: the JSON and CSV
/// views write them as each report is read ([`Builder::add`]), so memory holds the summary of
/// ten thousand hosts, never their checks.
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

/// Builds the model from what was read, in input order (check rows dropped).
pub fn build(reads: impl IntoIterator<Item = Read>) -> Fleet {
    let mut b = Builder::default();
    for read in reads {
        b.add(read);
    }
    b.finish()
}

/// Folds host reports into the model one at a time.
#[derive(Default)]
pub struct Builder {
    hosts: Vec<Host>,
    unreadable: Vec<UnreadableOut>,
    problems: Vec<Problem>,
    by_key: HashMap<String, usize>,
    reports: usize,
}

/// A problem line of one check: its key (finding code or check id), status and waived flag.
type Keyed<'a> = (&'a str, &'a str, bool);

/// With finding codes the problem lines are the unit; without them, the check is.
fn problem_lines(c: &Check) -> Vec<Keyed<'_>> {
    if c.findings.is_empty() {
        if is_problem(&c.status) {
            return vec![(c.id.as_str(), c.status.as_str(), c.waived.is_some())];
        }
        return Vec::new();
    }
    c.findings
        .iter()
        .filter(|f| is_problem(&f.status))
        .map(|f| (f.code.as_str(), f.status.as_str(), f.waived.is_some()))
        .collect()
}

impl Builder {
    /// Folds one read into the model. For a host, gives back its index in `hosts` and its
    /// check rows, for a renderer that writes them now (they are not kept).
    pub fn add(&mut self, read: Read) -> Option<(usize, Vec<HostCheck>)> {
        self.reports += 1;
        let (path, r) = match read {
            Read::Host(p, r) => (p, r),
            Read::Unreadable(u) => {
                self.unreadable.push(UnreadableOut {
                    path: crate::text::escape_bytes(u.path.as_os_str().as_bytes()),
                    reason: u.reason,
                });
                return None;
            }
        };
        let index = self.hosts.len();
        let path_shown = crate::text::escape_bytes(path.as_os_str().as_bytes());
        let mut counts = StatusCounts::default();
        let mut host_problems: Vec<String> = Vec::new();
        let mut checks = Vec::with_capacity(r.checks.len());
        for c in &r.checks {
            counts.add(&c.status);
            let keyed = problem_lines(c);
            let all_waived = !keyed.is_empty() && keyed.iter().all(|k| k.2);
            for (key, status, waived) in keyed {
                if host_problems.iter().any(|k| k == key) {
                    continue;
                }
                self.count_problem(key, &c.id, status, waived, index);
                host_problems.push(key.to_string());
            }
            checks.push(HostCheck {
                id: c.id.clone(),
                status: c.status.clone(),
                summary: c.summary.clone(),
                waived: all_waived,
            });
        }
        let name = r.system.hostname.clone().unwrap_or_else(|| {
            path.file_stem()
                .map(|s| crate::text::escape_bytes(s.as_bytes()))
                .unwrap_or_else(|| path_shown.clone())
        });
        self.hosts.push(Host {
            name,
            path: path_shown,
            ready: r.ready,
            os: os_label(&r),
            kernel: r.system.kernel.release.clone(),
            scenario: r.scenario,
            matrix: r.matrix,
            mode: r.mode,
            counts,
            problems: host_problems,
        });
        Some((index, checks))
    }

    fn count_problem(&mut self, key: &str, check: &str, status: &str, waived: bool, host: usize) {
        let at = match self.by_key.get(key) {
            Some(&at) => at,
            None => {
                self.problems.push(Problem {
                    key: key.to_string(),
                    check: check.to_string(),
                    status: status.to_string(),
                    hosts: 0,
                    waived: 0,
                    host_index: Vec::new(),
                });
                self.by_key.insert(key.to_string(), self.problems.len() - 1);
                self.problems.len() - 1
            }
        };
        let p = &mut self.problems[at];
        p.hosts += 1;
        p.waived += usize::from(waived);
        p.host_index.push(host);
        if rank(status) > rank(&p.status) {
            p.status = status.to_string();
        }
    }

    /// A host added so far, by the index [`Builder::add`] gave.
    pub fn host(&self, index: usize) -> &Host {
        &self.hosts[index]
    }

    /// The model of everything added.
    pub fn finish(self) -> Fleet {
        let Builder {
            hosts,
            unreadable,
            mut problems,
            reports,
            ..
        } = self;
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
}

impl StatusCounts {
    fn add(&mut self, status: &str) {
        match status {
            "pass" => self.pass += 1,
            "warn" => self.warn += 1,
            "fail" => self.fail += 1,
            "skip" => self.skip += 1,
            "error" => self.error += 1,
            _ => {}
        }
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
