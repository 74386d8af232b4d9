//! The human fleet view: readiness counts, problems by how many hosts have them, the hosts of each
//! problem, unreadable reports. Every string from a report is sanitised for the terminal: reports
//! come from hosts that may be hostile.

use std::fmt::Write as _;

use super::model::{Count, Fleet};
use crate::text::sanitize_terminal as clean;

/// At most this many host names are listed under one problem; the rest is counted.
const NAMES_PER_PROBLEM: usize = 20;

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(clean).unwrap_or_else(|| "unknown".into())
}

fn counts(out: &mut String, title: &str, list: &[Count]) {
    let _ = writeln!(out, "\n{title}:");
    for c in list {
        let _ = writeln!(out, "  {:>6}  {}", c.hosts, opt(&c.value));
    }
}

pub fn render(f: &Fleet) -> String {
    let mut out = String::new();
    let t = &f.totals;
    let _ = writeln!(
        out,
        "Fleet: {} host(s): {} ready, {} not ready; {} unreadable report(s) of {}",
        t.hosts, t.ready, t.not_ready, t.unreadable, t.reports
    );
    for (m, list) in f.mixed_counts() {
        let values: Vec<String> = list
            .iter()
            .map(|c| format!("{} ({})", opt(&c.value), c.hosts))
            .collect();
        let _ = writeln!(
            out,
            "Note: hosts ran with different {m}s: {}; their verdicts are not comparable",
            values.join(", ")
        );
    }
    let _ = writeln!(out, "\nProblems by number of hosts:");
    if f.problems.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for p in &f.problems {
        let waived = if p.waived > 0 {
            format!(" ({} waived)", p.waived)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:>6}  {:<5}  {}{}",
            p.hosts,
            p.status,
            clean(&p.key),
            waived
        );
    }
    let _ = writeln!(out, "\nHosts by problem:");
    for p in &f.problems {
        let names: Vec<String> = p
            .host_index
            .iter()
            .take(NAMES_PER_PROBLEM)
            .map(|&i| clean(&f.hosts[i].name))
            .collect();
        let more = p.host_index.len().saturating_sub(NAMES_PER_PROBLEM);
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}: {}{}", clean(&p.key), names.join(", "), tail);
    }
    let not_ready: Vec<String> = f
        .hosts
        .iter()
        .filter(|h| !h.ready)
        .map(|h| clean(&h.name))
        .collect();
    if !not_ready.is_empty() {
        let _ = writeln!(out, "\nNot ready: {}", not_ready.join(", "));
    }
    counts(&mut out, "Scenarios", &f.scenarios);
    counts(&mut out, "Matrices", &f.matrices);
    counts(&mut out, "Operating systems", &f.os);
    counts(&mut out, "Kernels", &f.kernels);
    if !f.unreadable.is_empty() {
        let _ = writeln!(out, "\nUnreadable reports:");
        for u in &f.unreadable {
            let _ = writeln!(out, "  {}: {}", clean(&u.path), clean(&u.reason));
        }
    }
    out
}
