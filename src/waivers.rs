//! Waivers (`--waivers FILE`, SPEC.md "Added in the second round"): accepted, known problems that
//! must not block a host. A waiver names a check id or a finding code, optionally host-name globs,
//! a reason and an expiry date. [`Waivers::apply`] is a pure function of the results, the host
//! name and the day: it marks the matching problems waived (their status is kept) and reports the
//! waivers that expired and those that matched nothing (stale waivers are how real problems hide).
//! The run calls it in the step that decides readiness; renderers only show what it decided.
//!
//! A waiver applies up to and including its `expires` day. The day is today's UTC date, or the
//! `ASR_PREFLIGHT_TODAY` environment variable (YYYY-MM-DD) when set, so runs are reproducible.

use serde::{Deserialize, Serialize};

use crate::checks::Status;
use crate::parse::glob::Glob;
use crate::report::CheckResult;

/// The environment variable that sets the day waivers are judged on.
pub const TODAY_ENV: &str = "ASR_PREFLIGHT_TODAY";

/// Waiver files larger than this are refused (a real one is a few kilobytes).
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` with a real month and day.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u16> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (num(0..4)?, num(5..7)? as u8, num(8..10)? as u8);
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// The UTC date `days` days after 1970-01-01.
    pub fn from_unix_days(days: u64) -> Date {
        let mut year: u16 = 1970;
        let mut left = days;
        loop {
            let len = if days_in_month(year, 2) == 29 {
                366
            } else {
                365
            };
            if left < len {
                break;
            }
            left -= len;
            year = year.saturating_add(1);
        }
        let mut month = 1;
        while left >= u64::from(days_in_month(year, month)) {
            left -= u64::from(days_in_month(year, month));
            month += 1;
        }
        Date {
            year,
            month,
            day: left as u8 + 1,
        }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The file could not be used (a usage error: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("--waivers {path}: {reason}")]
    File { path: String, reason: String },
    #[error("{TODAY_ENV}={0}: expected a date YYYY-MM-DD")]
    Today(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    code: String,
    #[serde(default)]
    hosts: Vec<String>,
    reason: String,
    expires: String,
}

/// One accepted problem.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// A check id (`ssh.autostart`) or a finding code (`ssh.autostart/masked`).
    pub code: String,
    /// Host-name globs; empty means every host.
    pub hosts: Vec<Glob>,
    pub reason: String,
    pub expires: Date,
}

/// The waivers of one file and the day they are judged on.
#[derive(Debug, Clone)]
pub struct Waivers {
    pub list: Vec<Waiver>,
    pub today: Date,
}

/// How a result was waived (JSON: `"waived": {"reason", "expires"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    pub reason: String,
    pub expires: String,
}

/// A waiver that no longer applies, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expired {
    pub code: String,
    pub reason: String,
    pub expires: String,
}

/// A waiver that matched no problem on this host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stale {
    pub code: String,
    pub reason: String,
    pub expires: String,
}

/// What applying the waivers found beside the results it marked (JSON: `"waivers"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The day the waivers were judged on.
    pub today: String,
    pub applied: usize,
    pub expired: Vec<Expired>,
    pub stale: Vec<Stale>,
}

/// Parses a waivers file's text (pure). `what` names the file in messages.
pub fn parse(text: &str, what: &str) -> Result<Vec<Waiver>, WaiverError> {
    let bad = |reason: String| WaiverError::File {
        path: what.to_string(),
        reason,
    };
    let raw: RawFile = crate::parse::toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::with_capacity(raw.waiver.len());
    for (i, w) in raw.waiver.into_iter().enumerate() {
        let n = i + 1;
        if !valid_code(&w.code) {
            return Err(bad(format!(
                "waiver {n}: code '{}' is not a check id or finding code (e.g. ssh.autostart or ssh.autostart/masked)",
                crate::text::sanitize_terminal(&w.code)
            )));
        }
        if w.reason.trim().is_empty() {
            return Err(bad(format!("waiver {n} ({}): the reason is empty", w.code)));
        }
        let expires = Date::parse(&w.expires).ok_or_else(|| {
            bad(format!(
                "waiver {n} ({}): expires '{}' is not a date YYYY-MM-DD",
                w.code,
                crate::text::sanitize_terminal(&w.expires)
            ))
        })?;
        let hosts = w
            .hosts
            .iter()
            .map(|h| Glob::new(h).map_err(|e| bad(format!("waiver {n} ({}): hosts {e}", w.code))))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Waiver {
            code: w.code,
            hosts,
            reason: w.reason,
            expires,
        });
    }
    Ok(out)
}

/// `area.name` optionally followed by `/kebab-name`, in the characters ids and codes use.
fn valid_code(code: &str) -> bool {
    let (id, finding) = match code.split_once('/') {
        Some((id, f)) => (id, Some(f)),
        None => (code, None),
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    word(id) && id.contains('.') && finding.is_none_or(word)
}

/// The day waivers are judged on: `ASR_PREFLIGHT_TODAY` when set, else today's UTC date.
pub fn today() -> Result<Date, WaiverError> {
    match std::env::var(TODAY_ENV) {
        Ok(v) if !v.is_empty() => Date::parse(&v).ok_or(WaiverError::Today(v)),
        _ => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            Ok(Date::from_unix_days(secs / 86_400))
        }
    }
}

/// Reads and parses a waivers file; `None` when no file was given.
pub fn load(path: Option<&std::path::Path>) -> Result<Option<Waivers>, WaiverError> {
    use std::io::Read as _;
    let Some(path) = path else { return Ok(None) };
    let shown = crate::text::escape_bytes(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()));
    let bad = |reason: String| WaiverError::File {
        path: shown.clone(),
        reason,
    };
    let f = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| bad(e.to_string()))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(bad("larger than 4 MiB".into()));
    }
    let text = String::from_utf8(buf).map_err(|_| bad("not UTF-8 text".into()))?;
    Ok(Some(Waivers {
        list: parse(&text, &shown)?,
        today: today()?,
    }))
}

fn is_problem(s: Status) -> bool {
    matches!(s, Status::Warn | Status::Fail | Status::Error)
}

impl Waivers {
    /// Marks the problems the waivers cover (pure). A waiver whose code is a check id covers that
    /// check's result and all its problem lines; one whose code is a finding code covers the
    /// problem lines with that code, and the check once every problem line of it is covered.
    /// Hosts (if any) must match `host`. The first waiver in file order that covers a problem
    /// is the one shown.
    pub fn apply(&self, host: Option<&str>, results: &mut [CheckResult]) -> Outcome {
        let mut out = Outcome {
            today: self.today.to_string(),
            ..Outcome::default()
        };
        for w in &self.list {
            let for_host = w.hosts.is_empty()
                || host.is_some_and(|h| w.hosts.iter().any(|g| g.matches(h.as_bytes())));
            let expired = self.today > w.expires;
            let mut matched = false;
            if for_host {
                for r in results.iter_mut() {
                    let (m, applied) = cover(w, r, !expired);
                    matched |= m;
                    out.applied += applied;
                }
            }
            let (code, reason, expires) = (w.code.clone(), w.reason.clone(), w.expires.to_string());
            if expired {
                out.expired.push(Expired {
                    code,
                    reason,
                    expires,
                });
            } else if !matched {
                out.stale.push(Stale {
                    code,
                    reason,
                    expires,
                });
            }
        }
        for r in results.iter_mut() {
            if r.waived.is_none()
                && is_problem(r.status)
                && !r.findings.is_empty()
                && r.findings.iter().all(|f| f.waived.is_some())
            {
                r.waived = r.findings[0].waived.clone();
            }
        }
        out
    }
}

/// Whether waiver `w` covers a problem of `r`, and how many problems it waived (when `apply`).
fn cover(w: &Waiver, r: &mut CheckResult, apply: bool) -> (bool, usize) {
    let waived = || Waived {
        reason: w.reason.clone(),
        expires: w.expires.to_string(),
    };
    let mut applied = 0;
    if w.code == r.id {
        if !is_problem(r.status) {
            return (false, 0);
        }
        if apply && r.waived.is_none() {
            r.waived = Some(waived());
            applied += 1;
            for f in r.findings.iter_mut().filter(|f| f.waived.is_none()) {
                f.waived = Some(waived());
            }
        }
        return (true, applied);
    }
    let mut matched = false;
    for f in r.findings.iter_mut() {
        if f.code != w.code || !is_problem(f.status) {
            continue;
        }
        matched = true;
        if apply && f.waived.is_none() {
            f.waived = Some(waived());
            applied += 1;
        }
    }
    (matched, applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status) -> CheckResult {
        CheckResult {
            id: id.into(),
            title: String::new(),
            status,
            summary: String::new(),
            details: vec![],
            remediation: None,
            reference: String::new(),
            prevents: vec![],
            blocks_ready: false,
            waived: None,
            findings: if is_problem(status) {
                vec![crate::report::FindingLine {
                    code: id.to_string(),
                    status,
                    text: String::new(),
                    waived: None,
                }]
            } else {
                vec![]
            },
        }
    }

    fn coded(id: &str, lines: &[(&str, Status)]) -> CheckResult {
        let mut r = result(id, lines.iter().map(|l| l.1).min().unwrap_or(Status::Pass));
        r.findings = lines
            .iter()
            .map(|(code, status)| crate::report::FindingLine {
                code: format!("{id}/{code}"),
                status: *status,
                text: String::new(),
                waived: None,
            })
            .collect();
        r
    }

    fn waivers(text: &str, today: &str) -> Waivers {
        Waivers {
            list: parse(text, "w.toml").unwrap(),
            today: Date::parse(today).unwrap(),
        }
    }

    const FILE: &str = r#"
[[waiver]]
code = "ssh.autostart"
hosts = ["web-*", "db-0[12]"]
reason = "ssh is started by the orchestrator"
expires = "2027-01-31"

[[waiver]]
code = "net.proxy"
reason = "proxy replaced in Q1"
expires = "2026-12-31"

[[waiver]]
code = "os.arch"
reason = "never fails here"
expires = "2030-01-01"
"#;

    #[test]
    fn host_globs_expiry_and_stale() {
        let w = waivers(FILE, "2027-01-31");
        let mut rs = vec![
            result("ssh.autostart", Status::Fail),
            result("net.proxy", Status::Warn),
            result("os.arch", Status::Pass),
        ];
        let o = w.apply(Some("web-3"), &mut rs);
        assert_eq!(rs[0].status, Status::Fail, "a waiver keeps the status");
        assert_eq!(rs[0].waived.as_ref().unwrap().expires, "2027-01-31");
        assert!(rs[1].waived.is_none(), "expired on 2026-12-31");
        assert_eq!(o.applied, 1);
        assert_eq!(o.expired.len(), 1);
        assert_eq!(o.expired[0].expires, "2026-12-31");
        assert_eq!(o.stale.len(), 1);
        assert_eq!(o.stale[0].code, "os.arch");

        let mut rs = vec![result("ssh.autostart", Status::Fail)];
        let o = w.apply(Some("app-1"), &mut rs);
        assert!(rs[0].waived.is_none(), "glob does not match app-1");
        assert_eq!(o.stale[0].code, "ssh.autostart");
        let mut rs = vec![result("ssh.autostart", Status::Error)];
        w.apply(Some("db-02"), &mut rs);
        assert!(rs[0].waived.is_some());
        let mut rs = vec![result("ssh.autostart", Status::Fail)];
        w.apply(None, &mut rs);
        assert!(
            rs[0].waived.is_none(),
            "an unknown host name matches no glob"
        );

        // The day after the expiry date the waiver is gone.
        let w = waivers(FILE, "2027-02-01");
        let mut rs = vec![result("ssh.autostart", Status::Fail)];
        let o = w.apply(Some("web-3"), &mut rs);
        assert!(rs[0].waived.is_none());
        assert_eq!(o.expired.len(), 2);
    }

    #[test]
    fn finding_codes_without_findings_are_stale() {
        let w = waivers(
            "[[waiver]]\ncode = \"ssh.autostart/masked\"\nreason = \"r\"\nexpires = \"2030-01-01\"\n",
            "2026-01-01",
        );
        let mut rs = vec![result("ssh.autostart", Status::Fail)];
        let o = w.apply(Some("h"), &mut rs);
        assert!(rs[0].waived.is_none());
        assert_eq!(o.stale.len(), 1);
    }

    /// A finding-code waiver covers its lines only; the check is waived once all its problem
    /// lines are, and a waived error still counts under --strict (severity decides that).
    #[test]
    fn finding_codes_cover_their_lines() {
        let w = waivers(
            "[[waiver]]\ncode = \"hosts.nic-addresses/loopback-mapping\"\nreason = \"Debian default\"\nexpires = \"2030-01-01\"\n",
            "2026-01-01",
        );
        let mut rs = vec![
            coded(
                "hosts.nic-addresses",
                &[
                    ("loopback-mapping", Status::Warn),
                    ("ipv6-unmapped", Status::Warn),
                ],
            ),
            coded("other.check", &[("loopback-mapping", Status::Warn)]),
        ];
        let o = w.apply(Some("h"), &mut rs);
        assert_eq!(o.applied, 1);
        assert!(o.stale.is_empty());
        assert!(rs[0].findings[0].waived.is_some());
        assert!(rs[0].findings[1].waived.is_none());
        assert!(rs[0].waived.is_none(), "one problem line is not covered");
        assert!(rs[1].findings[0].waived.is_none(), "code of another check");

        let mut rs = vec![coded(
            "hosts.nic-addresses",
            &[("loopback-mapping", Status::Warn)],
        )];
        w.apply(Some("h"), &mut rs);
        assert_eq!(rs[0].waived.as_ref().unwrap().reason, "Debian default");

        let w = waivers(
            "[[waiver]]\ncode = \"ssh.autostart/cannot-read\"\nreason = \"r\"\nexpires = \"2030-01-01\"\n",
            "2026-01-01",
        );
        let mut rs = vec![coded("ssh.autostart", &[("cannot-read", Status::Error)])];
        w.apply(Some("h"), &mut rs);
        assert!(rs[0].waived.is_some());
        assert!(crate::checks::severity::blocks_ready(
            rs[0].status,
            true,
            rs[0].waived.is_some()
        ));
    }

    #[test]
    fn bad_files_are_refused() {
        for text in [
            "[[waiver]]\ncode = \"ssh.autostart\"\nreason = \"r\"\n",
            "[[waiver]]\ncode = \"ssh.autostart\"\nreason = \"r\"\nexpires = \"2027-02-30\"\n",
            "[[waiver]]\ncode = \"ssh.autostart\"\nreason = \" \"\nexpires = \"2027-02-01\"\n",
            "[[waiver]]\ncode = \"SSH autostart\"\nreason = \"r\"\nexpires = \"2027-02-01\"\n",
            "[[waiver]]\ncode = \"ssh.autostart\"\nreason = \"r\"\nexpires = \"2027-02-01\"\nhost = [\"a\"]\n",
            "[[waiver]]\ncode = \"ssh.autostart\"\nhosts = [\"[a\"]\nreason = \"r\"\nexpires = \"2027-02-01\"\n",
        ] {
            assert!(parse(text, "w").is_err(), "{text}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix_days(20_454).to_string(), "2026-01-01");
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-1-01").is_none());
        assert!(Date::parse("2023-13-01").is_none());
    }
}
