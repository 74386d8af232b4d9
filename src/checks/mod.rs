//! The check registry: every check is a record of data (id, title, the scenarios it applies to,
//! whether it needs the running system, its documentation) and a pure function from facts to a
//! [`Finding`]. Which checks run, and the skips for scenario, mode and `--online`, are decided
//! here once, not inside each check.

pub mod agent;
pub mod ascii;
pub mod azure;
pub mod azure_size;
#[cfg(test)]
mod coverage;
pub mod disk;
pub mod egress;
pub mod failover;
pub mod firewall;
pub mod hostname;
pub mod hosts;
pub mod image;
pub mod kernel;
pub mod mvc;
pub mod net;
pub mod nic;
pub mod os;
pub mod severity;
pub mod ssh;
pub mod time;
pub mod trust;
pub mod vmware;

use std::path::PathBuf;
use std::time::Duration;

use crate::facts::{FactError, Facts};
use crate::matrix::LoadedMatrix;
use crate::parse::glob::Glob;
use crate::scenario::Scenario;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Fail,
    Error,
    Warn,
    Skip,
    Pass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub status: Status,
    pub summary: String,
    pub details: Vec<String>,
    pub remediation: Option<String>,
    /// What the check would report if its rule is only advice in this run; the run chooses
    /// ([`severity::apply`]), so a check never reads the options that decide it.
    pub if_advice: Option<(severity::Advice, Box<Finding>)>,
    /// The finding code (the name after `CHECK-ID/`) of the problem the summary states; `None`
    /// for a pass or skip, or a check that does not name its problems yet.
    pub code: Option<&'static str>,
    /// Further problems of the same check, each with its own code (the summary's comes first).
    pub problems: Vec<ProblemLine>,
}

/// One problem line of a check: its code (declared in the check's [`CheckDef::codes`]), its
/// status and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemLine {
    pub code: &'static str,
    pub status: Status,
    pub text: String,
}

/// A finding code a check declares: the name after `CHECK-ID/` (kebab-case, never renamed once
/// published), the statuses it is given with, and one line saying what it means.
#[derive(Debug, Clone, Copy)]
pub struct Code {
    pub name: &'static str,
    pub statuses: &'static [Status],
    pub about: &'static str,
}

impl Code {
    pub const fn fail(name: &'static str, about: &'static str) -> Code {
        Code {
            name,
            statuses: &[Status::Fail],
            about,
        }
    }
    pub const fn warn(name: &'static str, about: &'static str) -> Code {
        Code {
            name,
            statuses: &[Status::Warn],
            about,
        }
    }
    pub const fn error(name: &'static str, about: &'static str) -> Code {
        Code {
            name,
            statuses: &[Status::Error],
            about,
        }
    }
    /// A problem that fails where its rule is enforced and warns where it is advice.
    pub const fn fail_or_warn(name: &'static str, about: &'static str) -> Code {
        Code {
            name,
            statuses: &[Status::Fail, Status::Warn],
            about,
        }
    }
}

impl Finding {
    fn new(status: Status, summary: impl Into<String>) -> Finding {
        Finding {
            status,
            summary: summary.into(),
            details: Vec::new(),
            remediation: None,
            if_advice: None,
            code: None,
            problems: Vec::new(),
        }
    }
    /// Names the problem the summary states (a code the check declares).
    pub fn code(mut self, name: &'static str) -> Finding {
        self.code = Some(name);
        self
    }
    /// Adds another problem line with its own code.
    pub fn problem(
        mut self,
        status: Status,
        code: &'static str,
        text: impl Into<String>,
    ) -> Finding {
        self.problems.push(ProblemLine {
            code,
            status,
            text: text.into(),
        });
        self
    }
    /// The problem lines of the finding: the summary's (when it is a problem) and the added
    /// ones. `None` as a code: the check has not named this problem.
    pub fn problem_lines(&self) -> Vec<(Option<&'static str>, Status, &str)> {
        let mut out = Vec::new();
        // The summary's line, unless an added line with its code says it more precisely.
        let stated = self.code.is_some() && self.problems.iter().any(|p| Some(p.code) == self.code);
        if is_problem(self.status) && !stated {
            out.push((self.code, self.status, self.summary.as_str()));
        }
        for p in &self.problems {
            if is_problem(p.status) && (stated || Some(p.code) != self.code) {
                out.push((Some(p.code), p.status, p.text.as_str()));
            }
        }
        out
    }
    /// `advised` is what this finding becomes when the rule is advice (see [`severity`]).
    pub fn if_advice(mut self, advice: severity::Advice, advised: Finding) -> Finding {
        self.if_advice = (advised != self).then(|| (advice, Box::new(advised)));
        self
    }
    pub fn pass(s: impl Into<String>) -> Finding {
        Finding::new(Status::Pass, s)
    }
    pub fn warn(s: impl Into<String>) -> Finding {
        Finding::new(Status::Warn, s)
    }
    pub fn fail(s: impl Into<String>) -> Finding {
        Finding::new(Status::Fail, s)
    }
    pub fn skip(s: impl Into<String>) -> Finding {
        Finding::new(Status::Skip, s)
    }
    pub fn error(s: impl Into<String>) -> Finding {
        Finding::new(Status::Error, s)
    }
    pub fn detail(mut self, d: impl Into<String>) -> Finding {
        self.details.push(d.into());
        self
    }
    pub fn details<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ds: I) -> Finding {
        self.details.extend(ds.into_iter().map(Into::into));
        self
    }
    pub fn fix(mut self, r: impl Into<String>) -> Finding {
        self.remediation = Some(r.into());
        self
    }

    /// The finding cut to what a report can carry: a hostile image (100,000 interfaces, say)
    /// would otherwise make one check's text tens of megabytes. What is cut is counted.
    pub fn bounded(mut self) -> Finding {
        cut_text(&mut self.summary, MAX_SUMMARY_BYTES);
        for d in &mut self.details {
            cut_text(d, MAX_SUMMARY_BYTES);
        }
        if self.details.len() > MAX_DETAILS {
            let more = self.details.len() - MAX_DETAILS;
            self.details.truncate(MAX_DETAILS);
            self.details
                .push(format!("... and {more} more details not shown"));
        }
        if let Some(r) = &mut self.remediation {
            cut_text(r, MAX_REMEDIATION_BYTES);
        }
        self.problems.truncate(MAX_DETAILS);
        for p in &mut self.problems {
            cut_text(&mut p.text, MAX_SUMMARY_BYTES);
        }
        self
    }
}

/// Warn, fail and error are problems; pass and skip are not.
pub fn is_problem(s: Status) -> bool {
    matches!(s, Status::Warn | Status::Fail | Status::Error)
}

/// The most detail lines one check reports (a scan's capped list of 1000 fits).
pub const MAX_DETAILS: usize = 2000;
/// The most bytes of a summary or of one detail line.
pub const MAX_SUMMARY_BYTES: usize = 16 * 1024;
/// The most bytes of a remediation (hosts lines to add, commands to run).
pub const MAX_REMEDIATION_BYTES: usize = 64 * 1024;

/// The most bytes of one `system.*` field of the report (host name, OS name and version,
/// kernel release): each comes from the inspected system and could be megabytes long.
pub const MAX_SYSTEM_FIELD_BYTES: usize = 256;

/// A `system.*` value cut to [`MAX_SYSTEM_FIELD_BYTES`], saying how much was left out.
pub fn bounded_field(v: Option<&String>) -> Option<String> {
    v.map(|s| {
        let mut s = s.clone();
        cut_text(&mut s, MAX_SYSTEM_FIELD_BYTES);
        s
    })
}

/// Cuts `s` to at most `max` bytes at a character boundary, saying how much was left out.
fn cut_text(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let more = s.len() - end;
    s.truncate(end);
    s.push_str(&format!(" ... ({more} more bytes not shown)"));
}

/// Which scenarios a check is meaningful in.
#[derive(Debug, Clone, Copy)]
pub enum Applies {
    All,
    Only(&'static [Scenario]),
}

impl Applies {
    /// The scenarios in which the Mobility service runs inside the machine and talks to Azure
    /// or the appliance itself: VMware, physical and Azure-to-Azure (not Hyper-V, whose host
    /// replicates the disks).
    pub const MOBILITY_AGENT: Applies = Applies::Only(&[
        Scenario::VmwareToAzure,
        Scenario::PhysicalToAzure,
        Scenario::AzureToAzure,
    ]);

    pub fn includes(self, s: Scenario) -> bool {
        match self {
            Applies::All => true,
            Applies::Only(list) => list.contains(&s),
        }
    }

    pub fn names(self) -> Vec<&'static str> {
        match self {
            Applies::All => Scenario::ALL.iter().map(|s| s.as_str()).collect(),
            Applies::Only(list) => list.iter().map(|s| s.as_str()).collect(),
        }
    }
}

/// A check's documentation, shown by `explain` (clippy's what / why / how to fix).
#[derive(Debug, Clone, Copy)]
pub struct Doc {
    /// The requirement, in our own words.
    pub requirement: &'static str,
    /// Why Site Recovery needs it, and what happens otherwise.
    pub why: &'static str,
    /// How an administrator fixes it.
    pub fix: &'static str,
    /// Source document and section.
    pub reference: &'static str,
    /// Site Recovery error codes and installer error names this check prevents.
    pub prevents: &'static [&'static str],
}

/// Options that change what checks conclude.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub multi_vm: bool,
    pub online: bool,
    pub install_dir: PathBuf,
    pub scan: Option<Vec<PathBuf>>,
    /// `--ignore-interface`: more interfaces hosts.nic-addresses does not count.
    pub ignore_interfaces: Vec<Glob>,
    /// `--storage-account NAME`: the real cache account, tried as NAME.blob.core.windows.net.
    pub storage_account: Option<String>,
    /// `--endpoint HOST[:PORT]`: replaces the matrix's endpoints.
    pub endpoints: Vec<crate::outbound::Target>,
    /// `--timeout SECS`: the one deadline of the outbound connections.
    pub timeout: Duration,
    /// `--service-tags FILE`, read and parsed: Azure's published address prefixes per tag.
    pub service_tags: Option<std::sync::Arc<crate::parse::service_tags::ServiceTags>>,
    /// `--source-region`: where the protected Azure VM runs.
    pub source_region: Option<String>,
    /// `--target-region`: where it is replicated to.
    pub target_region: Option<String>,
    /// `--appliance HOST`: the configuration server / replication appliance (VMware, physical).
    pub appliance: Option<String>,
}

/// The default deadline of the outbound connections.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            multi_vm: false,
            online: false,
            install_dir: PathBuf::from("/usr/local/ASR"),
            scan: None,
            ignore_interfaces: Vec::new(),
            storage_account: None,
            endpoints: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            service_tags: None,
            source_region: None,
            target_region: None,
            appliance: None,
        }
    }
}

/// What a check function sees.
pub struct Context<'a> {
    pub facts: &'a Facts,
    pub scenario: Scenario,
    pub matrix: &'a LoadedMatrix,
    /// The built-in matrices, to say when another one would accept the system.
    pub all_matrices: &'a [LoadedMatrix],
    pub options: &'a CheckOptions,
}

/// One registered check.
pub struct CheckDef {
    pub id: &'static str,
    pub title: &'static str,
    pub applies: Applies,
    /// Needs the running system: `skip` with `--root`.
    pub live_only: bool,
    /// Sends traffic: runs only with `--online`.
    pub online_only: bool,
    pub doc: Doc,
    /// Every distinct problem the check can report (`explain` lists them; README's table of
    /// finding codes is tested against them).
    pub codes: &'static [Code],
    pub run: fn(&Context<'_>) -> Result<Finding, FactError>,
}

impl CheckDef {
    /// The declared code of this name.
    pub fn code(&self, name: &str) -> Option<&'static Code> {
        self.codes.iter().find(|c| c.name == name)
    }
    /// The full code `CHECK-ID/name` of a problem line; the check id for one not yet named.
    pub fn full_code(&self, name: Option<&str>) -> String {
        match name {
            Some(n) => format!("{}/{n}", self.id),
            None => self.id.to_string(),
        }
    }
}

/// Every check, in report order.
pub fn registry() -> Vec<&'static CheckDef> {
    // The product contract's ids first, in SPEC order; then the checks added since.
    let areas: &[&[CheckDef]] = &[
        os::CHECKS,
        hostname::CHECKS,
        hosts::CHECKS,
        ssh::CHECKS,
        mvc::CHECKS,
        egress::CHECKS,
        ascii::CHECKS,
        disk::CHECKS,
        vmware::CHECKS,
        net::CHECKS,
        agent::CHECKS,
        kernel::CHECKS,
        failover::CHECKS,
        failover::boot::CHECKS,
        disk::layout::CHECKS,
        nic::CHECKS,
        time::CHECKS,
        trust::CHECKS,
        image::CHECKS,
        azure::CHECKS,
        azure_size::CHECKS,
    ];
    areas.iter().flat_map(|a| a.iter()).collect()
}

/// Looks a check up by id.
pub fn find(id: &str) -> Option<&'static CheckDef> {
    registry().into_iter().find(|c| c.id == id)
}

/// Runs one check with the central skips applied.
pub fn evaluate(def: &CheckDef, ctx: &Context<'_>) -> Finding {
    if !def.applies.includes(ctx.scenario) {
        return Finding::skip(format!(
            "not applicable to {} (applies to {})",
            ctx.scenario.as_str(),
            def.applies.names().join(", ")
        ));
    }
    if def.live_only && !ctx.facts.is_live() {
        return Finding::skip("needs the running system; not evaluable against --root");
    }
    if def.online_only && !ctx.options.online {
        return Finding::skip("makes network connections; run with --online to include it");
    }
    severity::apply(outcome((def.run)(ctx)), ctx).bounded()
}

/// A check's answer as a finding: a fact the check could not do without (`?` on a
/// [`FactError`]) becomes `error` with the path and the reason. The one place that happens.
pub fn outcome(result: Result<Finding, FactError>) -> Finding {
    match result {
        Ok(f) => f,
        Err(e) => {
            let f = Finding::error(format!("could not read what this check needs: {e}"))
                .code(fact_code(&e.kind));
            match e.hint() {
                Some(hint) => f.fix(hint),
                None => f,
            }
        }
    }
}

/// The finding codes every check may give when a fact it needs could not be read (the run
/// gives them in [`outcome`], so no check declares them): `CHECK-ID/fact-KIND`.
pub const FACT_CODES: &[(&str, &str)] = &[
    ("fact-not-found", "a file the check needs is not there"),
    (
        "fact-permission-denied",
        "reading needs more rights: run as root",
    ),
    ("fact-too-large", "a file is larger than the tool reads"),
    (
        "fact-not-regular-file",
        "a directory, FIFO or device where a file was needed",
    ),
    ("fact-unparsable", "a file was read but does not parse"),
    (
        "fact-unreadable",
        "a file could not be read for another reason",
    ),
];

fn fact_code(kind: &crate::facts::error::FactErrorKind) -> &'static str {
    use crate::facts::error::FactErrorKind as K;
    match kind {
        K::NotFound => FACT_CODES[0].0,
        K::PermissionDenied => FACT_CODES[1].0,
        K::TooLarge => FACT_CODES[2].0,
        K::NotRegularFile => FACT_CODES[3].0,
        K::Unparsable { .. } => FACT_CODES[4].0,
        K::Other => FACT_CODES[5].0,
    }
}

/// Runs one check function against a fixture root, live (with `probe`) or not.
#[cfg(test)]
pub(crate) fn run_on(
    dir: &std::path::Path,
    probe: Option<crate::probe::FakeProbe>,
    scenario: Scenario,
    run: fn(&Context<'_>) -> Result<Finding, FactError>,
) -> Finding {
    judge_on(dir, probe, scenario, crate::matrix::DEFAULT, &|ctx| {
        outcome(run(ctx))
    })
}

/// What the run reports for one check function against a fixture root with `matrix`: the
/// check's answer with the run's severity applied (advice from the matrix included).
#[cfg(test)]
pub(crate) fn report_on(
    dir: &std::path::Path,
    probe: Option<crate::probe::FakeProbe>,
    scenario: Scenario,
    matrix: &str,
    run: fn(&Context<'_>) -> Result<Finding, FactError>,
) -> Finding {
    judge_on(dir, probe, scenario, matrix, &|ctx| {
        severity::apply(outcome(run(ctx)), ctx)
    })
}

#[cfg(test)]
fn judge_on(
    dir: &std::path::Path,
    probe: Option<crate::probe::FakeProbe>,
    scenario: Scenario,
    matrix: &str,
    judge: &dyn Fn(&Context<'_>) -> Finding,
) -> Finding {
    use crate::facts::Sources;
    let facts = Facts::new(Sources {
        root: crate::root::Root::image(dir).unwrap(),
        probe: probe.map(|p| Box::new(p) as Box<dyn crate::probe::Probe>),
    });
    let matrix = crate::matrix::load(matrix).unwrap();
    let all = crate::matrix::builtins();
    let options = CheckOptions::default();
    let ctx = Context {
        facts: &facts,
        scenario,
        matrix: &matrix,
        all_matrices: &all,
        options: &options,
    };
    judge(&ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Ids are unique, kebab/dot shaped, and every check is documented with a reference.
    #[test]
    fn registry_invariants() {
        let mut seen = HashSet::new();
        for c in registry() {
            assert!(seen.insert(c.id), "duplicate id {}", c.id);
            assert!(
                c.id.chars().all(|ch| ch.is_ascii_lowercase()
                    || ch.is_ascii_digit()
                    || ch == '.'
                    || ch == '-'),
                "bad id {}",
                c.id
            );
            assert!(c.id.contains('.'), "{} has no area prefix", c.id);
            assert!(!c.title.is_empty(), "{} has no title", c.id);
            assert!(
                c.doc.requirement.len() > 20,
                "{} requirement too short",
                c.id
            );
            assert!(c.doc.why.len() > 20, "{} why too short", c.id);
            assert!(c.doc.fix.len() > 10, "{} fix too short", c.id);
            assert!(!c.doc.reference.is_empty(), "{} has no reference", c.id);
        }
    }

    /// Every check id of the product contract that this build implements appears in SPEC order.
    #[test]
    fn contract_ids_present() {
        for id in [
            "os.arch",
            "os.supported",
            "os.kernel",
            "hostname.valid",
            "hosts.nic-addresses",
            "ssh.autostart",
            "disk.size",
            "disk.count",
            "disk.install-space",
            "vmware.tools",
            "ascii.hostname",
            "ascii.mount-points",
            "ascii.device-names",
            "ascii.system-paths",
            "ssh.firewall",
            "mvc.port-20004",
            "net.proxy",
            "net.outbound",
        ] {
            assert!(find(id).is_some(), "{id} missing");
        }
    }

    /// A fact a check could not do without becomes `error` naming the path and reason, with
    /// "run as root" as the fix when permission was denied; a finding passes through as it is.
    #[test]
    fn fact_errors_become_error_findings() {
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = FactError::io(std::path::Path::new("/etc/shadow"), &denied);
        let f = outcome(Err(e));
        assert_eq!(f.status, Status::Error);
        assert!(f.summary.contains("/etc/shadow: "), "{}", f.summary);
        assert_eq!(f.remediation.as_deref(), Some("run asr-preflight as root"));
        assert_eq!(f.code, Some("fact-permission-denied"));
        let f = outcome(Err(FactError::unparsable("/etc/fstab", Some(2), "bad")));
        assert_eq!(f.status, Status::Error);
        assert!(f.summary.ends_with("/etc/fstab: bad"), "{}", f.summary);
        assert_eq!(f.remediation, None);
        assert_eq!(f.code, Some("fact-unparsable"));
        let pass = Finding::pass("fine");
        assert_eq!(outcome(Ok(pass.clone())), pass);
    }

    /// Oversized findings are cut at character boundaries with what was left out counted;
    /// findings within the limits are untouched.
    #[test]
    fn findings_are_bounded() {
        let small = Finding::fail("short").detail("one").fix("do this");
        assert_eq!(small.clone().bounded(), small);

        let long = "\u{e9}".repeat(MAX_SUMMARY_BYTES); // two bytes each
        let f = Finding::fail(long.clone())
            .details((0..MAX_DETAILS + 5).map(|i| format!("line {i}")))
            .fix("x".repeat(MAX_REMEDIATION_BYTES + 10))
            .bounded();
        assert!(f.summary.starts_with("\u{e9}\u{e9}"));
        assert!(
            f.summary
                .ends_with(&format!("({} more bytes not shown)", MAX_SUMMARY_BYTES)),
            "{}",
            &f.summary[f.summary.len() - 40..]
        );
        assert_eq!(f.details.len(), MAX_DETAILS + 1);
        assert_eq!(f.details[MAX_DETAILS], "... and 5 more details not shown");
        assert!(
            f.remediation
                .unwrap()
                .ends_with("(10 more bytes not shown)")
        );
    }
}
