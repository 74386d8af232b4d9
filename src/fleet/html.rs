//! The HTML fleet view: one self-contained file (no external asset, no network), inline SVG charts
//! (readiness, top problems, operating systems and scenarios, kernels), a host table that filters
//! and sorts in the browser, light and dark colours (prefers-color-scheme) and print styles.
//! Every string from a report is HTML-escaped: reports come from hosts that may be hostile. No
//! report text is put inside the script; the script only reads the table it is given.

use std::fmt::Write as _;

use super::model::{Count, Fleet};

/// Bars per chart: the rest of a long tail would be unreadable.
const BARS: usize = 15;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls other than tab/newline have no business in a page.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--gray:#8c959f;--bar:#0969da;--panel:#f6f8fa}
@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--gray:#6e7681;--bar:#4493f8;--panel:#161b22}}
body{background:var(--bg);color:var(--fg);font:14px/1.4 system-ui,sans-serif;margin:1.5rem}
h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
.kpi{display:flex;gap:1rem;flex-wrap:wrap}.kpi div{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5rem 1rem}
.kpi b{display:block;font-size:1.6rem}.note{border-left:4px solid var(--warn);padding:.3rem .7rem;background:var(--panel)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
.chart{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.5rem}
svg text{fill:var(--fg);font-size:12px}svg .ok{fill:var(--ok)}svg .bad{fill:var(--bad)}svg .warn{fill:var(--warn)}svg .gray{fill:var(--gray)}svg .bar{fill:var(--bar)}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
th{cursor:pointer;user-select:none;position:sticky;top:0;background:var(--panel)}th[aria-sort=ascending]::after{content:" \25B2"}th[aria-sort=descending]::after{content:" \25BC"}
td.num{text-align:right}.r-yes{color:var(--ok);font-weight:600}.r-no{color:var(--bad);font-weight:600}
.controls{display:flex;gap:.5rem;margin:.5rem 0}input,select{background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:4px;padding:.25rem .4rem}
@media print{:root{--bg:#fff;--fg:#000;--panel:#fff;--line:#999}.controls{display:none}th{position:static}.chart{break-inside:avoid}tr{break-inside:avoid}}
"#;

const SCRIPT: &str = r#"
(function(){
var table=document.getElementById('hosts'),body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
var text=document.getElementById('filter'),ready=document.getElementById('ready-filter'),shown=document.getElementById('shown-count');
function apply(){var q=text.value.toLowerCase(),r=ready.value,n=0;
rows.forEach(function(tr){var ok=(r===''||tr.getAttribute('data-ready')===r)&&(q===''||tr.textContent.toLowerCase().indexOf(q)>=0);
tr.hidden=!ok;if(ok)n++;});shown.textContent=String(n);return n;}
window.fleetFilter=function(q,r){text.value=q;ready.value=r||'';return apply();};
text.addEventListener('input',apply);ready.addEventListener('change',apply);
Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){th.addEventListener('click',function(){
var asc=th.getAttribute('aria-sort')!=='ascending',num=th.hasAttribute('data-num');
Array.prototype.forEach.call(table.tHead.rows[0].cells,function(o){o.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,c=num?(Number(x)-Number(y)):x.localeCompare(y);return asc?c:-c;});
rows.forEach(function(tr){body.appendChild(tr);});});});
apply();
})();
"#;

/// A horizontal bar chart; `bars` are (label, value, css class).
fn bar_chart(out: &mut String, id: &str, title: &str, bars: &[(String, usize, &str)]) {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let row_h = 22;
    let h = (bars.len().max(1) * row_h + 10) as u32;
    let _ = write!(
        out,
        "<div class=\"chart\"><h2>{}</h2><svg id=\"{id}\" role=\"img\" aria-label=\"{}\" width=\"100%\" viewBox=\"0 0 600 {h}\" preserveAspectRatio=\"xMinYMin meet\">",
        esc(title),
        esc(title)
    );
    if bars.is_empty() {
        out.push_str("<text x=\"4\" y=\"18\">none</text>");
    }
    for (i, (label, value, class)) in bars.iter().enumerate() {
        let y = i * row_h + 4;
        let w = (*value as f64 / max as f64 * 330.0).max(2.0);
        let shown: String = label.chars().take(38).collect();
        let _ = write!(
            out,
            "<g><title>{}: {value}</title><text x=\"0\" y=\"{}\">{}</text><rect class=\"{class}\" x=\"220\" y=\"{y}\" width=\"{w:.1}\" height=\"16\" rx=\"2\"></rect><text x=\"{:.1}\" y=\"{}\">{value}</text></g>",
            esc(label),
            y + 13,
            esc(&shown),
            224.0 + w,
            y + 13
        );
    }
    out.push_str("</svg></div>");
}

fn count_bars(list: &[Count]) -> Vec<(String, usize, &'static str)> {
    list.iter()
        .take(BARS)
        .map(|c| {
            (
                c.value.clone().unwrap_or_else(|| "unknown".into()),
                c.hosts,
                "bar",
            )
        })
        .collect()
}

fn readiness(out: &mut String, f: &Fleet) {
    let t = &f.totals;
    let total = t.reports.max(1) as f64;
    let parts = [
        ("ready", t.ready, "ok"),
        ("not ready", t.not_ready, "bad"),
        ("unreadable", t.unreadable, "gray"),
    ];
    out.push_str("<div class=\"chart\"><h2>Readiness</h2><svg id=\"chart-readiness\" role=\"img\" aria-label=\"Readiness\" width=\"100%\" viewBox=\"0 0 600 90\" preserveAspectRatio=\"xMinYMin meet\">");
    let mut x = 0.0;
    for (label, n, class) in parts {
        let w = n as f64 / total * 600.0;
        if n > 0 {
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"4\" width=\"{w:.1}\" height=\"40\"><title>{label}: {n}</title></rect>"
            );
        }
        x += w;
    }
    let mut lx = 0;
    for (label, n, class) in parts {
        let _ = write!(
            out,
            "<rect class=\"{class}\" x=\"{lx}\" y=\"60\" width=\"12\" height=\"12\"></rect><text x=\"{}\" y=\"71\">{label}: {n}</text>",
            lx + 16
        );
        lx += 180;
    }
    out.push_str("</svg></div>");
}

fn opt(v: &Option<String>) -> String {
    esc(v.as_deref().unwrap_or("unknown"))
}

/// Hosts that ran with different scenarios or matrices: their verdicts are not comparable.
fn mixed_notes(out: &mut String, f: &Fleet) {
    for (m, list) in f.mixed_counts() {
        let values: Vec<String> = list
            .iter()
            .map(|c| format!("{} ({})", opt(&c.value), c.hosts))
            .collect();
        let _ = write!(
            out,
            "<p class=\"note\" id=\"mixed-{}\">Hosts ran with different {}s: {}. Their verdicts are not comparable.</p>",
            esc(m),
            esc(m),
            values.join(", ")
        );
    }
}

/// The readiness donut and the bar charts: top problems, systems, kernels, scenarios.
fn charts(out: &mut String, f: &Fleet) {
    out.push_str("<div class=\"charts\">");
    readiness(out, f);
    let problems: Vec<(String, usize, &str)> = f
        .problems
        .iter()
        .take(BARS)
        .map(|p| {
            let class = match p.status.as_str() {
                "warn" => "warn",
                _ => "bad",
            };
            (p.key.clone(), p.hosts, class)
        })
        .collect();
    bar_chart(out, "chart-problems", "Top problems (hosts)", &problems);
    bar_chart(out, "chart-os", "Operating systems", &count_bars(&f.os));
    bar_chart(out, "chart-kernels", "Kernels", &count_bars(&f.kernels));
    bar_chart(
        out,
        "chart-scenarios",
        "Scenarios",
        &count_bars(&f.scenarios),
    );
    out.push_str("</div>");
}

/// Every problem with how many hosts have it and how many of those waived it.
fn problem_table(out: &mut String, f: &Fleet) {
    out.push_str("<h2>Problems</h2><table id=\"problems\"><thead><tr><th data-num>hosts</th><th>status</th><th>problem</th><th data-num>waived</th></tr></thead><tbody>");
    for p in &f.problems {
        let _ = write!(
            out,
            "<tr class=\"problem\"><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            p.hosts,
            esc(&p.status),
            esc(&p.key),
            p.waived
        );
    }
    out.push_str("</tbody></table>");
}

/// One row per host, with the controls the page script filters and sorts by.
fn host_table(out: &mut String, f: &Fleet) {
    let t = &f.totals;
    out.push_str("<h2>Hosts</h2><div class=\"controls\"><input id=\"filter\" type=\"search\" placeholder=\"filter: name, OS, kernel, problem\" aria-label=\"filter hosts\"><select id=\"ready-filter\" aria-label=\"readiness\"><option value=\"\">all</option><option value=\"yes\">ready</option><option value=\"no\">not ready</option></select><span>shown: <b id=\"shown-count\">");
    let _ = write!(out, "{}", t.hosts);
    out.push_str("</b></span></div><table id=\"hosts\"><thead><tr><th>host</th><th>ready</th><th>os</th><th>kernel</th><th>scenario</th><th>matrix</th><th data-num>fail</th><th data-num>error</th><th data-num>warn</th><th>problems</th></tr></thead><tbody>");
    for h in &f.hosts {
        let (r, rc) = if h.ready {
            ("yes", "r-yes")
        } else {
            ("no", "r-no")
        };
        let _ = write!(
            out,
            "<tr class=\"host\" data-ready=\"{r}\"><td title=\"{}\">{}</td><td class=\"{rc}\">{r}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&h.path),
            esc(&h.name),
            opt(&h.os),
            opt(&h.kernel),
            opt(&h.scenario),
            opt(&h.matrix),
            h.counts.fail,
            h.counts.error,
            h.counts.warn,
            esc(&h.problems.join(" "))
        );
    }
    out.push_str("</tbody></table>");
}

/// Reports that could not be read, never silently dropped.
fn unreadable_list(out: &mut String, f: &Fleet) {
    if !f.unreadable.is_empty() {
        out.push_str("<h2>Unreadable reports</h2><ul id=\"unreadable\">");
        for u in &f.unreadable {
            let _ = write!(
                out,
                "<li><code>{}</code>: {}</li>",
                esc(&u.path),
                esc(&u.reason)
            );
        }
        out.push_str("</ul>");
    }
}

pub fn render(f: &Fleet) -> String {
    let mut out = String::with_capacity(1024 * 1024);
    let t = &f.totals;
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    // No network: nothing may be fetched, not even by a string a hostile host put in a report.
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\"><title>asr-preflight fleet report</title><style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body><h1>asr-preflight fleet report</h1><div class=\"kpi\">");
    let _ = write!(
        out,
        "<div>hosts<b id=\"total-hosts\">{}</b></div><div>ready<b id=\"ready-count\">{}</b></div><div>not ready<b id=\"not-ready-count\">{}</b></div><div>unreadable reports<b id=\"unreadable-count\">{}</b></div></div>",
        t.hosts, t.ready, t.not_ready, t.unreadable
    );
    mixed_notes(&mut out, f);
    charts(&mut out, f);
    problem_table(&mut out, f);
    host_table(&mut out, f);
    unreadable_list(&mut out, f);
    out.push_str("<script>");
    out.push_str(SCRIPT);
    out.push_str("</script></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::model::build;
    use crate::fleet::read::{Read, parse};
    use std::path::PathBuf;

    #[test]
    fn hostile_strings_are_escaped_everywhere() {
        let evil = r#"<script>alert(1)</script>\" onmouseover=\"x"#;
        let json = format!(
            r#"{{"schema_version":1,"ready":false,"system":{{"hostname":"{evil}","kernel":{{"release":"{evil}"}}}},
            "checks":[{{"id":"{evil}","status":"fail","summary":"{evil}"}}]}}"#
        );
        let r = parse(json.as_bytes()).unwrap();
        let f = build(vec![Read::Host(PathBuf::from("<b>.json"), Box::new(r))]);
        let html = render(&f);
        // Only the page's own single script element.
        assert_eq!(html.matches("<script").count(), 1);
        assert!(!html.contains("\" onmouseover"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!html.contains("<b>.json"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
