//! The CSV fleet view: one row per host and check (RFC 4180 quoting), and one row per unreadable
//! report with an empty check. Cells that a spreadsheet would run as a formula are prefixed with
//! a quote: the text comes from hosts that may be hostile.

use std::io::{self, Write};

use super::model::{Builder, Fleet};
use super::read::Read;

const HEADER: &str = "host,file,ready,scenario,matrix,os,kernel,check,status,waived,summary";

fn cell(out: &mut String, v: &str) {
    let guard = v.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if v.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.push('"');
        if guard {
            out.push('\'');
        }
        for (i, part) in v.split('"').enumerate() {
            if i > 0 {
                out.push_str("\"\"");
            }
            out.push_str(part);
        }
        out.push('"');
    } else {
        if guard {
            out.push('\'');
        }
        out.push_str(v);
    }
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or_default()
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

/// Writes the CSV of `reads` to `out`, each host's rows as soon as its report is read, and
/// returns the model (without check rows) for the exit status.
pub fn write(reads: impl Iterator<Item = Read>, out: &mut dyn Write) -> io::Result<Fleet> {
    let mut b = Builder::default();
    let mut line = String::with_capacity(64 * 1024);
    line.push_str(HEADER);
    line.push_str("\r\n");
    for read in reads {
        let Some((index, checks)) = b.add(read) else {
            continue;
        };
        let h = b.host(index);
        let ready = if h.ready { "true" } else { "false" };
        let (sc, mx, os, k) = (opt(&h.scenario), opt(&h.matrix), opt(&h.os), opt(&h.kernel));
        for c in &checks {
            let waived = if c.waived { "true" } else { "false" };
            let cells: [&str; 11] = [
                &h.name, &h.path, ready, sc, mx, os, k, &c.id, &c.status, waived, &c.summary,
            ];
            row(&mut line, &cells);
        }
        out.write_all(line.as_bytes())?;
        line.clear();
    }
    let f = b.finish();
    for u in &f.unreadable {
        let cells: [&str; 11] = [
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
        ];
        row(&mut line, &cells);
    }
    out.write_all(line.as_bytes())?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_guards_formulas() {
        let mut s = String::new();
        row(
            &mut s,
            &["a,b", "say \"hi\"", "=cmd()", "plain", "-x,\"y\""],
        );
        assert_eq!(
            s,
            "\"a,b\",\"say \"\"hi\"\"\",'=cmd(),plain,\"'-x,\"\"y\"\"\"\r\n"
        );
    }
}
