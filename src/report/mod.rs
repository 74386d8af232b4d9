//! The report model of SPEC.md's JSON schema version 1, and its three renderers. Renderers only
//! present; statuses and readiness are decided before a report reaches them.

pub mod human;
pub mod junit;
pub mod prometheus;

use serde::Serialize;

use crate::checks::Status;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub scenario: String,
    pub scenario_source: String,
    pub matrix: String,
    pub mode: String,
    pub root: String,
    pub system: System,
    pub ready: bool,
    pub summary: Summary,
    pub checks: Vec<CheckResult>,
    /// With `--waivers`: the day they were judged on, how many applied, the expired and the
    /// stale ones. Absent without a waivers file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waivers: Option<crate::waivers::Outcome>,
    /// With `--root`: the file systems mounted beneath the root that the run did not read
    /// (outermost only), each once. Absent when there are none (always in a live run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_mounts: Vec<SkippedMount>,
}

impl Report {
    /// The report with every noted secret masked in the text that comes from the inspected
    /// system ([`crate::secrets::scrub`]); ids, titles and references are the program's own.
    pub fn scrubbed(mut self) -> Report {
        use crate::secrets::scrub;
        let opt = |v: &mut Option<String>| {
            if let Some(s) = v {
                *s = scrub(s);
            }
        };
        self.root = scrub(&self.root);
        opt(&mut self.system.hostname);
        opt(&mut self.system.os.id);
        opt(&mut self.system.os.name);
        opt(&mut self.system.kernel.release);
        opt(&mut self.system.kernel.flavor);
        opt(&mut self.system.arch);
        for c in &mut self.checks {
            c.summary = scrub(&c.summary);
            c.details.iter_mut().for_each(|d| *d = scrub(d));
            opt(&mut c.remediation);
            c.findings.iter_mut().for_each(|f| f.text = scrub(&f.text));
        }
        for m in &mut self.skipped_mounts {
            m.path = scrub(&m.path);
        }
        self
    }
}

/// A file system beneath `--root` that was not read, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SkippedMount {
    /// The mount point as a path inside the image.
    pub path: String,
    pub fstype: String,
    /// `not-entered` (no `--cross-mounts`), `kernel-fs` (a live procfs, sysfs...: never
    /// entered), `no-answer` (did not answer within the deadline).
    pub reason: &'static str,
    /// The same in words, for the human report and JUnit.
    #[serde(skip)]
    pub explained: String,
}

impl From<crate::root::SkippedMount> for SkippedMount {
    fn from(m: crate::root::SkippedMount) -> SkippedMount {
        SkippedMount {
            path: m.path,
            fstype: m.fstype,
            reason: m.reason.as_str(),
            explained: m.reason.explain(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct System {
    pub hostname: Option<String>,
    pub os: OsInfo,
    pub kernel: KernelInfo,
    pub arch: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OsInfo {
    pub id: Option<String>,
    pub version: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KernelInfo {
    pub release: Option<String>,
    pub flavor: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
}

impl Summary {
    pub fn count(results: &[CheckResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Skip => s.skip += 1,
                Status::Error => s.error += 1,
            }
        }
        s
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    #[serde(serialize_with = "ser_status")]
    pub status: Status,
    pub summary: String,
    pub details: Vec<String>,
    pub remediation: Option<String>,
    pub reference: String,
    /// Site Recovery error codes and installer error names the check prevents. Not a JSON field
    /// of its own (SPEC's schema is frozen): `reference` carries them there; the human report
    /// shows them next to a problem.
    #[serde(skip)]
    pub prevents: Vec<String>,
    /// Whether this result keeps the machine from being ready, as the run decided
    /// ([`crate::checks::severity::blocks_ready`]: `--strict` makes warnings count). Renderers
    /// read it; the JSON report's `ready` says it for the whole machine.
    #[serde(skip)]
    pub blocks_ready: bool,
    /// Set by a waiver (the status is kept); absent when not waived. A check is waived when a
    /// waiver names its id, or when waivers cover every one of its problem lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<crate::waivers::Waived>,
    /// Each problem line with its finding code (SPEC.md, second round); empty for pass and skip.
    /// A line the check has not named yet carries the check id as its code here and is left
    /// out of the JSON (whose codes are all `CHECK-ID/name`); it still keeps the check from
    /// being waived by finding codes alone. Absent from the JSON when no line is named.
    #[serde(serialize_with = "ser_named", skip_serializing_if = "no_named")]
    pub findings: Vec<FindingLine>,
}

fn no_named(lines: &[FindingLine]) -> bool {
    !lines.iter().any(|l| l.code.contains('/'))
}

fn ser_named<S: serde::Serializer>(lines: &[FindingLine], ser: S) -> Result<S::Ok, S::Error> {
    ser.collect_seq(lines.iter().filter(|l| l.code.contains('/')))
}

/// One problem line of a check in the report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FindingLine {
    /// `CHECK-ID/name`; the check id alone for a problem the check has not named yet.
    pub code: String,
    #[serde(serialize_with = "ser_status")]
    pub status: Status,
    pub text: String,
    pub waived: Option<crate::waivers::Waived>,
}

impl FindingLine {
    /// The problem lines of `finding`, as the check `def` reports them.
    pub fn of(def: &crate::checks::CheckDef, finding: &crate::checks::Finding) -> Vec<FindingLine> {
        finding
            .problem_lines()
            .into_iter()
            .map(|(code, status, text)| FindingLine {
                code: def.full_code(code),
                status,
                text: text.to_string(),
                waived: None,
            })
            .collect()
    }
}

fn ser_status<S: serde::Serializer>(s: &Status, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.as_str())
}

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Junit,
    Prometheus,
}

/// Rendering options that do not change content.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub color: bool,
    /// `--strict` was given: shown as a label only (the run decided what it counts for).
    pub strict: bool,
    /// How long the run took (the prometheus format reports it).
    pub elapsed: Option<std::time::Duration>,
    /// When the run ended, seconds since the Unix epoch (the prometheus format reports it).
    pub finished: Option<u64>,
}

pub fn render(report: &Report, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Human => human::render(report, opts),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
                format!("{{\"error\": \"report could not be serialised: {e}\"}}")
            });
            s.push('\n');
            s
        }
        Format::Junit => junit::render(report),
        Format::Prometheus => prometheus::render(report, opts),
    }
}
