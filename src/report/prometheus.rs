//! `--format prometheus`: the report as node_exporter textfile-collector metrics (the Prometheus
//! text exposition format), so a fleet can alert when readiness drifts, e.g. after a kernel update.
//! Each check is a state set: one sample per possible status, 1 for the status it has, so both
//! `== 1` alerts and `changes()` work. Label values are escaped as the format requires.

use std::fmt::Write as _;

use super::{RenderOptions, Report};
use crate::checks::Status;

const STATUSES: [Status; 5] = [
    Status::Pass,
    Status::Warn,
    Status::Fail,
    Status::Skip,
    Status::Error,
];

/// Escapes a label value: backslash, double quote and line feed (exposition format).
fn label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn head(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// Each check's status (one gauge per status) and whether a waiver covers it.
fn check_metrics(out: &mut String, r: &Report) {
    head(
        out,
        "asr_preflight_check_status",
        "1 for the status each check has, 0 for the others.",
    );
    for c in &r.checks {
        let id = label(&c.id);
        for s in STATUSES {
            let _ = writeln!(
                out,
                "asr_preflight_check_status{{check=\"{id}\",status=\"{}\"}} {}",
                s.as_str(),
                u8::from(c.status == s)
            );
        }
    }
    head(
        out,
        "asr_preflight_check_waived",
        "1 when a waiver covers the check's problem (its status is kept).",
    );
    for c in &r.checks {
        let _ = writeln!(
            out,
            "asr_preflight_check_waived{{check=\"{}\"}} {}",
            label(&c.id),
            u8::from(c.waived.is_some())
        );
    }
}

/// What describes the run: tool and system labels, how long it took, when it ended.
fn run_metrics(out: &mut String, r: &Report, opts: RenderOptions) {
    head(
        out,
        "asr_preflight_info",
        "Always 1; the labels describe the run and the machine.",
    );
    let o = |v: &Option<String>| label(v.as_deref().unwrap_or(""));
    let _ = writeln!(
        out,
        "asr_preflight_info{{version=\"{}\",mode=\"{}\",os_id=\"{}\",os_version=\"{}\",kernel=\"{}\",strict=\"{}\"}} 1",
        label(&r.tool.version),
        label(&r.mode),
        o(&r.system.os.id),
        o(&r.system.os.version),
        o(&r.system.kernel.release),
        opts.strict
    );
    if let Some(d) = opts.elapsed {
        head(
            out,
            "asr_preflight_run_seconds",
            "How long the run took, in seconds.",
        );
        let _ = writeln!(out, "asr_preflight_run_seconds {:.6}", d.as_secs_f64());
    }
    if let Some(t) = opts.finished {
        head(
            out,
            "asr_preflight_last_run_timestamp_seconds",
            "When the run ended, in seconds since the Unix epoch.",
        );
        let _ = writeln!(out, "asr_preflight_last_run_timestamp_seconds {t}");
    }
}

pub fn render(r: &Report, opts: RenderOptions) -> String {
    let mut out = String::new();
    let sc = label(&r.scenario);
    let mx = label(&r.matrix);
    head(
        &mut out,
        "asr_preflight_ready",
        "1 when the machine is ready for Azure Site Recovery (no check failed or errored; with --strict none warned).",
    );
    let _ = writeln!(
        out,
        "asr_preflight_ready{{scenario=\"{sc}\",matrix=\"{mx}\"}} {}",
        u8::from(r.ready)
    );
    check_metrics(&mut out, r);
    if let Some(w) = &r.waivers {
        head(
            &mut out,
            "asr_preflight_waivers_expired",
            "Waivers in the file that have expired.",
        );
        let _ = writeln!(out, "asr_preflight_waivers_expired {}", w.expired.len());
        head(
            &mut out,
            "asr_preflight_waivers_stale",
            "Waivers in the file that matched no problem on this host.",
        );
        let _ = writeln!(out, "asr_preflight_waivers_stale {}", w.stale.len());
    }
    head(
        &mut out,
        "asr_preflight_checks",
        "Number of checks with each status.",
    );
    let s = &r.summary;
    for (name, n) in [
        ("pass", s.pass),
        ("warn", s.warn),
        ("fail", s.fail),
        ("skip", s.skip),
        ("error", s.error),
    ] {
        let _ = writeln!(out, "asr_preflight_checks{{status=\"{name}\"}} {n}");
    }
    run_metrics(&mut out, r, opts);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
