//! JUnit XML for CI systems: one testsuite, one testcase per check. `fail` becomes a
//! `<failure>`, `error` an `<error>`, `skip` a `<skipped>`; a `warn` is a passing testcase with
//! its text in `<system-out>`, or a failure when the run decided it blocks readiness
//! (`--strict`).

use std::fmt::Write;

use super::Report;
use crate::checks::Status;

/// Escapes text for XML 1.0, dropping the characters XML 1.0 cannot carry at all.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn body(c: &super::CheckResult) -> String {
    let mut b = String::new();
    // The named problems first, one line each with its finding code, so a CI page shows which
    // problem failed the testcase and a waiver can be written for exactly that code.
    for f in c.findings.iter().filter(|f| f.code.contains('/')) {
        let _ = write!(b, "[{}] {}: {}", f.code, f.status.as_str(), f.text);
        if let Some(w) = &f.waived {
            let _ = write!(b, " (waived until {}: {})", w.expires, w.reason);
        }
        b.push('\n');
    }
    for d in &c.details {
        b.push_str(d);
        b.push('\n');
    }
    if let Some(fix) = &c.remediation {
        let _ = writeln!(b, "fix: {fix}");
    }
    let _ = write!(b, "reference: {}", c.reference);
    b
}

/// How a check is shown: a waived problem that the run decided does not block readiness is a
/// passing testcase that says so (a waived error under `--strict` still blocks, and shows).
fn shown_status(c: &super::CheckResult) -> Status {
    match (c.status, &c.waived) {
        (Status::Fail | Status::Error | Status::Warn, Some(_)) if !c.blocks_ready => Status::Pass,
        (s, _) => s,
    }
}

/// The run's properties: matrix, mode, root, how the scenario was chosen, readiness, and one
/// per file system beneath the root that was not read.
fn properties(out: &mut String, r: &Report) {
    let _ = writeln!(out, "    <properties>");
    for (k, v) in [
        ("matrix", r.matrix.as_str()),
        ("mode", r.mode.as_str()),
        ("root", r.root.as_str()),
        ("scenario_source", r.scenario_source.as_str()),
        ("ready", if r.ready { "true" } else { "false" }),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{k}\" value=\"{}\"/>",
            xml_escape(v)
        );
    }
    for m in &r.skipped_mounts {
        let _ = writeln!(
            out,
            "      <property name=\"skipped_mount\" value=\"{}\"/>",
            xml_escape(&format!("{} ({}): {}", m.path, m.fstype, m.explained))
        );
    }
    let _ = writeln!(out, "    </properties>");
}

/// One check as a test case: failures and errors as such, warnings as output unless the run
/// made them block readiness.
fn testcase(out: &mut String, c: &super::CheckResult) {
    let area = c.id.split('.').next().unwrap_or("check");
    let _ = write!(
        out,
        "    <testcase classname=\"asr-preflight.{}\" name=\"{}\" time=\"0\">",
        xml_escape(area),
        xml_escape(&c.id)
    );
    let mut summary = c.summary.clone();
    if let Some(w) = &c.waived {
        summary = format!(
            "WAIVED {} until {} ({}): {summary}",
            c.status.as_str(),
            w.expires,
            w.reason
        );
    }
    let msg = xml_escape(&summary);
    let text = xml_escape(&body(c));
    match shown_status(c) {
        Status::Fail => {
            let _ = write!(
                out,
                "\n      <failure message=\"{msg}\" type=\"fail\">{text}</failure>\n    "
            );
        }
        Status::Error => {
            let _ = write!(
                out,
                "\n      <error message=\"{msg}\" type=\"error\">{text}</error>\n    "
            );
        }
        Status::Skip => {
            let _ = write!(out, "\n      <skipped message=\"{msg}\"/>\n    ");
        }
        Status::Warn if c.blocks_ready => {
            let _ = write!(
                out,
                "\n      <failure message=\"{msg}\" type=\"warn\">{text}</failure>\n    "
            );
        }
        Status::Warn => {
            let _ = write!(
                out,
                "\n      <system-out>WARN: {msg}\n{text}</system-out>\n    "
            );
        }
        Status::Pass => {
            // A waived problem shown as passing keeps its coded lines.
            let more = if c.findings.is_empty() {
                String::new()
            } else {
                format!("\n{text}")
            };
            let _ = write!(
                out,
                "\n      <system-out>PASS: {msg}{more}</system-out>\n    "
            );
        }
    }
    let _ = writeln!(out, "</testcase>");
}

pub fn render(r: &Report) -> String {
    let mut s = super::Summary::default();
    for c in &r.checks {
        match shown_status(c) {
            Status::Pass => s.pass += 1,
            Status::Warn => s.warn += 1,
            Status::Fail => s.fail += 1,
            Status::Skip => s.skip += 1,
            Status::Error => s.error += 1,
        }
    }
    let s = &s;
    // Warnings the run decided block readiness (`--strict`) are failures to CI.
    let strict_warn = r
        .checks
        .iter()
        .filter(|c| shown_status(c) == Status::Warn && c.blocks_ready)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let suite = format!(
        "asr-preflight {} {}",
        r.scenario,
        r.system.hostname.as_deref().unwrap_or("")
    );
    let _ = writeln!(
        out,
        "<testsuites name=\"asr-preflight\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        r.checks.len(),
        s.fail + strict_warn,
        s.error,
        s.skip
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">",
        xml_escape(suite.trim()),
        r.checks.len(),
        s.fail + strict_warn,
        s.error,
        s.skip
    );
    properties(&mut out, r);
    for c in &r.checks {
        testcase(&mut out, c);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Markup and control characters cannot break the XML.
    #[test]
    fn escaping() {
        assert_eq!(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(xml_escape("x\u{1b}y"), "x\\x1by");
    }
}
