//! The informational commands: `list`, `explain`, `matrix`, `version`, `man`, `completions`. Each
//! returns the text to print, so that tests can call them without a process.

use std::fmt::Write;

use serde_json::json;

use crate::checks::{self, CheckDef};
use crate::cli::ListFormat;
use crate::matrix::{self, MatrixError};

pub fn list(format: ListFormat) -> String {
    let reg = checks::registry();
    match format {
        ListFormat::Json => {
            let v: Vec<_> = reg
                .iter()
                .map(|c| {
                    json!({
                        "id": c.id,
                        "title": c.title,
                        "scenarios": c.applies.names(),
                        "live_only": c.live_only,
                        "online_only": c.online_only,
                        "codes": c.codes.iter().map(|k| json!({
                            "code": format!("{}/{}", c.id, k.name),
                            "statuses": k.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                            "about": k.about,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        ListFormat::Human => {
            let mut out = String::new();
            for c in reg {
                let mut flags = Vec::new();
                if c.live_only {
                    flags.push("live only");
                }
                if c.online_only {
                    flags.push("--online");
                }
                let scen = match c.applies {
                    checks::Applies::All => "all scenarios".to_string(),
                    a => a.names().join(", "),
                };
                let _ = writeln!(
                    out,
                    "{:<24} {}  [{}{}]",
                    c.id,
                    c.title,
                    scen,
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", flags.join(", "))
                    }
                );
            }
            out
        }
    }
}

/// The `explain` text of one check.
pub fn explain(def: &CheckDef) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}\n", def.id, def.title);
    let _ = writeln!(out, "What it checks\n  {}\n", def.doc.requirement);
    let _ = writeln!(out, "Why\n  {}\n", def.doc.why);
    let _ = writeln!(out, "How to fix\n  {}\n", def.doc.fix);
    let _ = writeln!(out, "Source\n  {}", def.doc.reference);
    if !def.doc.prevents.is_empty() {
        let _ = writeln!(out, "\nPrevents\n  {}", def.doc.prevents.join(", "));
    }
    if !def.codes.is_empty() {
        let _ = writeln!(out, "\nFinding codes");
        for c in def.codes {
            let statuses: Vec<&str> = c.statuses.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(
                out,
                "  {}/{} ({}): {}",
                def.id,
                c.name,
                statuses.join(", "),
                c.about
            );
        }
    }
    if def.id == "net.egress-firewall" {
        region_table(&mut out);
    }
    if def.id == "os.supported" || def.id == "os.kernel" {
        judging_documents(&mut out);
    }
    let _ = writeln!(
        out,
        "\nApplies to: {}{}",
        def.applies.names().join(", "),
        if def.live_only {
            "; needs the running system (skipped with --root)"
        } else {
            ""
        }
    );
    out
}

/// Which built-in matrix judges (the default first), with each scenario's document and the
/// documents (key and ms.date) its rows come from, counted.
fn judging_documents(out: &mut String) {
    let _ = writeln!(
        out,
        "\nMatrices that judge it (`--matrix NAME`; `asr-preflight matrix --matrix NAME` shows every row with its source key and ms.date):"
    );
    for m in matrix::builtins() {
        let default = if m.data.name == matrix::DEFAULT {
            " (the default)"
        } else {
            ""
        };
        let _ = writeln!(out, "  {}{default}: {}", m.data.name, m.data.description);
        for (name, rule) in &m.data.scenarios {
            let _ = writeln!(out, "    {name}: {}", rule.source);
        }
        let mut docs: Vec<(String, usize)> = Vec::new();
        for row in &m.data.os {
            let key = row
                .provenance()
                .unwrap_or_else(|| format!("the matrix's own source ({})", m.data.source));
            match docs.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => docs.push((key, 1)),
            }
        }
        for (key, n) in docs {
            let _ = writeln!(out, "    rows from {key}: {n}");
        }
    }
}

/// The default matrix's per-region Site Recovery addresses, which net.egress-firewall uses for
/// `--target-region` without `--service-tags`.
fn region_table(out: &mut String) {
    let Ok(m) = matrix::load(matrix::DEFAULT) else {
        return;
    };
    let rows = &m.data.region_ips;
    let Some(first) = rows.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "\nSite Recovery addresses per target region ({}; matrix {}), used with --target-region when no --service-tags file is given:",
        first.source, m.data.name
    );
    for r in rows {
        let _ = writeln!(
            out,
            "  {:<20} service {:<32} monitoring {}",
            r.region,
            r.service.join(", "),
            r.monitoring.join(", ")
        );
    }
}

pub fn matrix(spec: &str, format: ListFormat) -> Result<String, MatrixError> {
    let m = matrix::load(spec)?;
    let d = &m.data;
    Ok(match format {
        ListFormat::Json => serde_json::to_string_pretty(d).unwrap_or_default() + "\n",
        ListFormat::Human => matrix_text(&m),
    })
}

/// `matrix` as text: the scenarios with their limits, the agent's prerequisites, each listed
/// operating system with its kernel rules, and the outbound endpoints.
fn matrix_text(m: &matrix::LoadedMatrix) -> String {
    let d = &m.data;
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}\nsource: {}\n", d.name, d.description, d.source);
    let _ = writeln!(out, "architectures: {}", d.arch.join(", "));
    for (name, rule) in &d.scenarios {
        let policy = match rule.policy {
            matrix::model::Policy::Listed => "the operating systems listed below",
            matrix::model::Policy::AnyAzureSupported => "any guest Azure supports",
            matrix::model::Policy::NotCovered => "no list in this matrix",
        };
        let _ = writeln!(out, "scenario {name}: {policy}");
        let limits = m.limits_for_name(name);
        let words = limits.describe();
        let _ = writeln!(
            out,
            "  limits: {}",
            if words.is_empty() {
                "none".to_string()
            } else {
                words.join("; ")
            }
        );
    }
    if let Some(a) = &d.agent {
        let _ = writeln!(
            out,
            "\nagent installer prerequisites: {} (failures {}); {} KiB free on /; / on {}; /boot on {}\n  source: {}",
            match a.prerequisites {
                matrix::model::Enforcement::Enforce => "enforced",
                matrix::model::Enforcement::Advise => "advisory",
            },
            match a.prerequisites {
                matrix::model::Enforcement::Enforce => "fail",
                matrix::model::Enforcement::Advise => "warn",
            },
            a.root_free_kib,
            a.root_filesystems.join(", "),
            a.boot_filesystems.join(", "),
            a.source
        );
    }
    os_rows(&mut out, d);
    endpoint_rows(&mut out, d);
    out
}

fn os_rows(out: &mut String, d: &matrix::model::Matrix) {
    for os in &d.os {
        let scen = if os.scenarios.is_empty() {
            "every listed scenario".to_string()
        } else {
            os.scenarios.join(", ")
        };
        let _ = writeln!(
            out,
            "\n{} ({}): {}\n  scenarios: {scen}",
            os.name,
            os.id,
            os.versions.join(", ")
        );
        if let Some(p) = os.provenance() {
            let _ = writeln!(out, "  source: {p}");
        }
        if let Some(d) = &os.dropped {
            let _ = writeln!(out, "  no longer supported: {d}");
        }
        if let Some(n) = &os.note {
            let _ = writeln!(out, "  note: {n}");
        }
        for k in &os.kernels {
            let agent = k
                .agent
                .as_ref()
                .map(|a| format!(" [agent {a}]"))
                .unwrap_or_default();
            let builds = if k.builds.is_empty() {
                String::new()
            } else {
                format!(" ({} builds)", k.builds.len())
            };
            let _ = writeln!(out, "  kernel: {}{agent}{builds}", k.description);
        }
    }
}

fn endpoint_rows(out: &mut String, d: &matrix::model::Matrix) {
    if !d.endpoints.is_empty() {
        let _ = writeln!(
            out,
            "\noutbound endpoints (HTTPS, tried by net.outbound with --online):"
        );
    }
    for e in &d.endpoints {
        let scen = if e.scenarios.is_empty() {
            "every scenario".to_string()
        } else {
            e.scenarios.join(", ")
        };
        let tried = if e.host == e.url {
            String::new()
        } else {
            format!(" (tried as {})", e.host)
        };
        let _ = writeln!(out, "  {}:{}{tried}: {} [{scen}]", e.url, e.port, e.purpose);
        if let Some(w) = &e.only_when {
            let _ = writeln!(out, "    only when {w}");
        }
    }
}

pub fn version(format: ListFormat) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let target = env!("ASR_BUILD_TARGET");
    let commit = env!("ASR_BUILD_COMMIT");
    let profile = env!("ASR_BUILD_PROFILE");
    match format {
        ListFormat::Json => {
            json!({
                "name": "asr-preflight",
                "version": version,
                "target": target,
                "commit": commit,
                "profile": profile,
            })
            .to_string()
                + "\n"
        }
        ListFormat::Human => {
            format!("asr-preflight {version} ({target}, commit {commit}, {profile} build)\n")
        }
    }
}

/// The manual page (roff): clap_mangen's rendering of the command line definition, followed by
/// the sections clap does not know (exit status, environment, examples).
pub fn man() -> String {
    use clap::CommandFactory;
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = clap_mangen::Man::new(crate::cli::Cli::command()).render(&mut out);
    let mut page = String::from_utf8_lossy(&out).into_owned();
    page.push_str(MAN_EXTRA);
    page
}

const MAN_EXTRA: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
ready: no check failed or errored (warnings allowed unless \fB\-\-strict\fR)
.TP
\fB1\fR
not ready: at least one check is fail or error (or warn with \fB\-\-strict\fR)
.TP
\fB2\fR
usage error, or the tool could not run at all (for example \fB\-\-root\fR does not exist)
.SH ENVIRONMENT
.TP
\fBNO_COLOR\fR
when set and not empty, human output has no colour unless \fB\-\-color always\fR
.SH EXAMPLES
.TP
\fBasr\-preflight\fR
check this machine and print the report
.TP
\fBasr\-preflight \-\-root /mnt/image \-\-format junit \-\-output report.xml\fR
check a mounted image in a build pipeline
.TP
\fBasr\-preflight explain os.kernel\fR
what a check checks, why, and how to fix it
"#;

/// Shell completions for `shell`, generated from the command line definition.
pub fn completions(shell: clap_complete::Shell) -> String {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "asr-preflight", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}
