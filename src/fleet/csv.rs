//! The CSV fleet view: one row per host and check (RFC 4180 quoting), and one row per unreadable
//! report with an empty check. Cells that a spreadsheet would run as a formula are prefixed with
//! a quote: the text comes from hosts that may be hostile.

use super::model::Fleet;

const HEADER: &str = "host,file,ready,scenario,matrix,os,kernel,check,status,waived,summary";

fn cell(out: &mut String, v: &str) {
    let guarded;
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{v}");
        guarded.as_str()
    } else {
        v
    };
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

fn row(out: &mut String, cells: &[&str]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        cell(out, c);
    }
    out.push_str("\r\n");
}

pub fn render(f: &Fleet) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(HEADER);
    out.push_str("\r\n");
    for h in &f.hosts {
        let ready = if h.ready { "true" } else { "false" };
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let (sc, mx, os, k) = (o(&h.scenario), o(&h.matrix), o(&h.os), o(&h.kernel));
        for c in &h.checks {
            let waived = if c.waived { "true" } else { "false" };
            row(
                &mut out,
                &[
                    &h.name, &h.path, ready, &sc, &mx, &os, &k, &c.id, &c.status, waived,
                    &c.summary,
                ],
            );
        }
    }
    for u in &f.unreadable {
        row(
            &mut out,
            &[
                "",
                &u.path,
                "",
                "",
                "",
                "",
                "",
                "",
                "unreadable",
                "",
                &u.reason,
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_guards_formulas() {
        let mut s = String::new();
        row(&mut s, &["a,b", "say \"hi\"", "=cmd()", "plain"]);
        assert_eq!(s, "\"a,b\",\"say \"\"hi\"\"\",'=cmd(),plain\r\n");
    }
}
