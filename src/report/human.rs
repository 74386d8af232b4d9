//! The report for a person at a terminal: problems first, each with its details and the fix
//! under it, passes last and brief, then a one-line verdict. Everything taken from the inspected
//! system is sanitised so that a hostile name cannot drive the terminal.

use std::fmt::Write;

use super::{CheckResult, RenderOptions, Report};
use crate::checks::Status;
use crate::text::sanitize_terminal as clean;

/// Details shown per check before the rest is summarised (JSON has them all).
const MAX_DETAILS: usize = 12;

const ORDER: [Status; 5] = [
    Status::Fail,
    Status::Error,
    Status::Warn,
    Status::Skip,
    Status::Pass,
];

fn label(s: Status) -> &'static str {
    match s {
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Warn => "WARN",
        Status::Skip => "SKIP",
        Status::Pass => "PASS",
    }
}

fn paint(s: Status, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match s {
        Status::Fail | Status::Error => "1;31",
        Status::Warn => "1;33",
        Status::Skip => "2",
        Status::Pass => "32",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

pub fn render(r: &Report, opts: RenderOptions) -> String {
    let mut out = String::new();
    let os = &r.system.os;
    let _ = writeln!(
        out,
        "asr-preflight {}: {} ({}), {} {}, kernel {}, {}",
        r.tool.version,
        clean(
            r.system
                .hostname
                .as_deref()
                .unwrap_or("(host name unknown)")
        ),
        if r.mode == "root" {
            format!("image at {}", clean(&r.root))
        } else {
            "this machine".to_string()
        },
        clean(os.id.as_deref().unwrap_or("unknown OS")),
        clean(os.version.as_deref().unwrap_or("")),
        clean(r.system.kernel.release.as_deref().unwrap_or("unknown")),
        r.system.arch.as_deref().unwrap_or("unknown arch"),
    );
    let _ = writeln!(
        out,
        "scenario {} ({}), matrix {}\n",
        r.scenario,
        match r.scenario_source.as_str() {
            "option" => "from --scenario",
            "dmi" => "detected from DMI",
            _ => "default; pass --scenario to choose",
        },
        r.matrix
    );
    for status in ORDER {
        let group: Vec<&CheckResult> = r.checks.iter().filter(|c| c.status == status).collect();
        for c in group {
            write_check(&mut out, c, opts);
        }
    }
    write_skipped_mounts(&mut out, &r.skipped_mounts);
    if let Some(w) = &r.waivers {
        write_waivers(&mut out, w);
    }
    let s = &r.summary;
    let verdict = if r.ready { "READY" } else { "NOT READY" };
    let verdict_status = if r.ready { Status::Pass } else { Status::Fail };
    let counts = [
        (s.fail, "failed", "failed"),
        (s.error, "error", "errors"),
        (s.warn, "warning", "warnings"),
        (s.skip, "skipped", "skipped"),
        (s.pass, "passed", "passed"),
    ]
    .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
    .join(", ");
    let _ = writeln!(
        out,
        "\n{}: {counts}{}",
        paint(verdict_status, verdict, opts.color),
        if r.checks
            .iter()
            .any(|c| c.status == Status::Warn && c.blocks_ready)
        {
            " (--strict: warnings count)"
        } else {
            ""
        }
    );
    out
}

/// The file systems beneath the root that were not read: what the checks above could not see.
fn write_skipped_mounts(out: &mut String, mounts: &[super::SkippedMount]) {
    if mounts.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nnot read beneath the root ({}):", mounts.len());
    for m in mounts {
        let _ = writeln!(
            out,
            "  {} ({}): {}",
            clean(&m.path),
            clean(&m.fstype),
            m.explained
        );
    }
}

/// Expired and stale waivers: both mean the waivers file no longer says what is true.
fn write_waivers(out: &mut String, w: &crate::waivers::Outcome) {
    let _ = writeln!(
        out,
        "\nwaivers (judged on {}): {} applied, {} expired, {} matched nothing",
        w.today,
        w.applied,
        w.expired.len(),
        w.stale.len()
    );
    for e in &w.expired {
        let _ = writeln!(
            out,
            "  expired {}: {} ({}); it no longer applies",
            clean(&e.expires),
            clean(&e.code),
            clean(&e.reason)
        );
    }
    for s in &w.stale {
        let _ = writeln!(
            out,
            "  stale: {} ({}) matched no problem on this host; remove it or fix its code/hosts",
            clean(&s.code),
            clean(&s.reason)
        );
    }
}

fn write_check(out: &mut String, c: &CheckResult, opts: RenderOptions) {
    let tag = format!("{:<5}", label(c.status));
    let _ = writeln!(
        out,
        "{} {}  {}",
        paint(c.status, &tag, opts.color),
        c.id,
        clean(&c.summary)
    );
    if c.status == Status::Pass {
        return;
    }
    if let Some(w) = &c.waived {
        let _ = writeln!(
            out,
            "        WAIVED until {}: {} (does not count against readiness{})",
            clean(&w.expires),
            clean(&w.reason),
            if c.status == Status::Error && c.blocks_ready {
                ", except that --strict counts a waived error"
            } else {
                ""
            }
        );
    }
    for f in c.findings.iter().filter(|f| f.code.contains('/')) {
        let waived = match &f.waived {
            Some(w) if c.waived.is_none() => format!(" (waived until {})", clean(&w.expires)),
            _ => String::new(),
        };
        let _ = writeln!(out, "        [{}] {}{waived}", f.code, label(f.status));
    }
    for d in c.details.iter().take(MAX_DETAILS) {
        let _ = writeln!(out, "        {}", clean(d));
    }
    if c.details.len() > MAX_DETAILS {
        let _ = writeln!(
            out,
            "        ... and {} more (all of them in --format json)",
            c.details.len() - MAX_DETAILS
        );
    }
    if let Some(fix) = &c.remediation {
        if matches!(c.status, Status::Fail | Status::Error | Status::Warn) {
            // A fix may list lines to add to a file, one per line: keep them one per line,
            // each sanitised on its own.
            for (i, line) in fix.lines().enumerate() {
                let lead = if i == 0 { "fix: " } else { "     " };
                let _ = writeln!(out, "        {lead}{}", clean(line));
            }
        }
    }
    if matches!(c.status, Status::Fail | Status::Error | Status::Warn) && !c.prevents.is_empty() {
        let _ = writeln!(out, "        prevents {}", prevents_text(&c.prevents));
    }
}

/// `95320/151126 (GrubDeviceNameChange)`: Site Recovery codes (an entry that starts with a
/// number, its explanation left to `explain`) joined by slashes, the installer's error names
/// after them.
pub fn prevents_text(prevents: &[String]) -> String {
    let mut codes = Vec::new();
    let mut names = Vec::new();
    for p in prevents {
        let first = p.split_whitespace().next().unwrap_or("");
        if !first.is_empty() && first.chars().all(|c| c.is_ascii_digit()) {
            codes.push(first);
        } else {
            names.push(p.as_str());
        }
    }
    let codes = codes.join("/");
    let names = names.join(", ");
    match (codes.is_empty(), names.is_empty()) {
        (false, false) => format!("{codes} ({names})"),
        (false, true) => codes,
        _ => names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numeric codes come first, joined by slashes; names follow in parentheses.
    #[test]
    fn prevents_line() {
        let p = |v: &[&str]| prevents_text(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            p(&["95320", "151126", "GrubDeviceNameChange"]),
            "95320/151126 (GrubDeviceNameChange)"
        );
        assert_eq!(p(&["170010"]), "170010");
        assert_eq!(p(&["installer exit 208"]), "installer exit 208");
        assert_eq!(
            p(&["95117 (process server cannot reach it)", "97118 (push)"]),
            "95117/97118"
        );
    }
}
