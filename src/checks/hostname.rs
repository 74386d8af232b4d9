//! `hostname.valid`: the machine name follows Azure's naming rule for the virtual machine
//! created at failover (1-63 letters, digits and hyphens, no hyphen at either end).

use super::{Applies, CheckDef, Code, Context, Doc, Finding};
use crate::facts::FactError;
use crate::scenario::Scenario;
use crate::text::escape_bytes;

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "hostname.valid",
    title: "Machine name is 1-63 letters, digits and hyphens",
    applies: Applies::Only(&[
        Scenario::VmwareToAzure,
        Scenario::PhysicalToAzure,
        Scenario::HypervToAzure,
        Scenario::HypervVmmToAzure,
    ]),
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "The machine's name (the host name up to its first dot) has between 1 and 63 characters, all ASCII letters, digits or hyphens, and neither begins nor ends with a hyphen.",
        why: "The Azure virtual machine created at failover is named after the protected machine, and Azure refuses names outside this rule; the Mobility service installer also refuses a machine whose host name is not set.",
        fix: "Rename the machine to a name that follows the rule (`hostnamectl set-hostname NAME`, or HOSTNAME= in /etc/sysconfig/network on RHEL 6, or /etc/HOSTNAME on SLES 11), and update /etc/hosts to match. The Azure name can also be changed after replication is enabled.",
        reference: "seeds/000 (2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"On-premises (VMware VMs)\", and section \"Disaster Recovery of Hyper-V virtual machines in VMM clouds to Azure\", row \"Protected VMs\"; reference/asr-matrix.md section 5 (VM name) and section 4 (installer check HostNameSet)",
        prevents: &[
            "installer check HostNameSet",
            "Azure VM creation at failover (invalid name)",
        ],
    },
    codes: &[
        Code::error("cannot-read", "the host name could not be read"),
        Code::fail("empty", "the host name is empty"),
        Code::warn("localhost", "the host name is the default localhost"),
        Code::fail(
            "bad-name",
            "the machine name breaks the 1-63 letters, digits and hyphens rule",
        ),
    ],
    run: check_hostname,
}];

/// Why the machine name breaks the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong {
        bytes: usize,
    },
    /// A character that is not a letter, digit or hyphen, at a 1-based position.
    BadChar {
        shown: String,
        position: usize,
    },
    HyphenFirst,
    HyphenLast,
}

impl NameProblem {
    pub fn describe(&self) -> String {
        match self {
            NameProblem::Empty => "the machine name is empty".into(),
            NameProblem::TooLong { bytes } => {
                format!("it is {bytes} characters long; at most 63 are allowed")
            }
            NameProblem::BadChar { shown, position } => format!(
                "character {position} is {shown}; only letters, digits and hyphens are allowed"
            ),
            NameProblem::HyphenFirst => "it begins with a hyphen".into(),
            NameProblem::HyphenLast => "it ends with a hyphen".into(),
        }
    }
}

/// Every way `label` breaks the rule (empty when it follows it).
pub fn name_problems(label: &[u8]) -> Vec<NameProblem> {
    if label.is_empty() {
        return vec![NameProblem::Empty];
    }
    let mut out = Vec::new();
    if label.len() > 63 {
        out.push(NameProblem::TooLong { bytes: label.len() });
    }
    let mut position = 0;
    for chunk in label.utf8_chunks() {
        for c in chunk.valid().chars() {
            position += 1;
            if !(c.is_ascii_alphanumeric() || c == '-') {
                let shown = if c.is_ascii_graphic() {
                    format!("'{c}'")
                } else if c == ' ' {
                    "a space".into()
                } else {
                    format!(
                        "'{}' (U+{:04X})",
                        escape_bytes(c.to_string().as_bytes()),
                        c as u32
                    )
                };
                out.push(NameProblem::BadChar { shown, position });
            }
        }
        for b in chunk.invalid() {
            position += 1;
            out.push(NameProblem::BadChar {
                shown: format!("the byte \\x{b:02x} (not UTF-8)"),
                position,
            });
        }
    }
    if label.first() == Some(&b'-') {
        out.push(NameProblem::HyphenFirst);
    }
    if label.last() == Some(&b'-') && label.len() > 1 {
        out.push(NameProblem::HyphenLast);
    }
    out
}

/// A name close to `label` that follows the rule: bad characters become hyphens, runs of them
/// collapse, hyphens are trimmed from both ends, and the result is cut to 63.
pub fn suggest_name(label: &[u8]) -> Option<String> {
    let mut s = String::new();
    for &b in label {
        let c = b as char;
        if b.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let mut s = s.trim_matches('-').to_string();
    s.truncate(63);
    let s = s.trim_end_matches('-').to_string();
    (!s.is_empty()).then_some(s)
}

/// The machine name: the host name up to its first dot.
pub(super) fn first_label(name: &[u8]) -> &[u8] {
    name.split(|b| *b == b'.').next().unwrap_or(name)
}

fn rename_fix(ctx: &Context<'_>, new_full: &str) -> String {
    let h = ctx.facts.hostname();
    let live = ctx.facts.is_live();
    let how = match h.boot_file.as_deref() {
        Some(f) if f.starts_with("/etc/sysconfig/network") => format!(
            "set HOSTNAME={new_full} in /etc/sysconfig/network{}",
            if live {
                format!(" and run `hostname {new_full}`")
            } else {
                String::new()
            }
        ),
        Some("/etc/HOSTNAME") => format!(
            "write {new_full} to /etc/HOSTNAME{}",
            if live {
                format!(" and run `hostname {new_full}`")
            } else {
                String::new()
            }
        ),
        _ if live => format!(
            "run `hostnamectl set-hostname {new_full}` (without systemd: write it to /etc/hostname and run `hostname {new_full}`)"
        ),
        _ => format!("write {new_full} to /etc/hostname in the image"),
    };
    format!(
        "Rename the machine, for example to {new_full}: {how}; then update the host name in /etc/hosts."
    )
}

fn check_hostname(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let h = ctx.facts.hostname();
    let others = h
        .others
        .iter()
        .map(|(src, n)| format!("{src} sets '{}' (not the name in use)", escape_bytes(n)));
    let Some(name) = &h.name else {
        if ctx.facts.is_live() || !h.errors.is_empty() {
            return Ok(Finding::error("could not read the host name")
                .code("cannot-read")
                .detail(h.source.clone())
                .details(h.errors.clone()));
        }
        return Ok(Finding::skip(format!(
            "the image configures no host name ({}); it gets one at boot, so check the running machine",
            h.source
        )));
    };
    let label = first_label(name);
    let shown_full = escape_bytes(name);
    let shown = escape_bytes(label);
    let from = format!("host name '{shown_full}' from {}", h.source);
    if name.is_empty() {
        return Ok(Finding::fail("the host name is empty")
            .code("empty")
            .detail(from)
            .details(others)
            .fix(rename_fix(ctx, "NEW-NAME")));
    }
    let problems = name_problems(label);
    if problems.is_empty() {
        let f = if label.eq_ignore_ascii_case(b"localhost") {
            Finding::warn(format!(
                "'{shown}' follows the naming rule but is the default 'localhost', not a name of this machine"
            )).code("localhost")
            .fix(rename_fix(ctx, "NEW-NAME"))
        } else {
            Finding::pass(format!(
                "'{shown}' ({} characters) has only letters, digits and hyphens and starts and ends with a letter or digit",
                label.len()
            ))
        };
        return Ok(f.detail(from).details(others));
    }
    let rest = &name[label.len()..];
    let new_full = match suggest_name(label) {
        Some(s) => format!("{s}{}", escape_bytes(rest)),
        None => format!("NEW-NAME{}", escape_bytes(rest)),
    };
    let summary = format!(
        "machine name '{shown}' breaks the naming rule: {}",
        problems[0].describe()
    );
    Ok(Finding::fail(summary)
        .code("bad-name")
        .details(
            problems
                .iter()
                .map(|p| format!("'{shown}': {}", p.describe())),
        )
        .detail(from)
        .details(others)
        .fix(rename_fix(ctx, &new_full)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naming rule, with the breaking character and position named.
    #[test]
    fn naming_rule() {
        assert!(name_problems(b"web01").is_empty());
        assert!(name_problems(b"a").is_empty());
        assert!(name_problems(b"9-lives").is_empty());
        assert!(name_problems(&[b'a'; 63]).is_empty());
        assert_eq!(
            name_problems(&[b'a'; 64]),
            vec![NameProblem::TooLong { bytes: 64 }]
        );
        assert_eq!(name_problems(b""), vec![NameProblem::Empty]);
        assert_eq!(
            name_problems(b"web_01"),
            vec![NameProblem::BadChar {
                shown: "'_'".into(),
                position: 4
            }]
        );
        assert_eq!(name_problems(b"-web"), vec![NameProblem::HyphenFirst]);
        assert_eq!(name_problems(b"web-"), vec![NameProblem::HyphenLast]);
        let p = name_problems("sérveur".as_bytes());
        assert_eq!(p.len(), 1);
        assert!(
            matches!(&p[0], NameProblem::BadChar { position: 2, shown } if shown.contains("U+00E9"))
        );
        let b = name_problems(b"ab\xff");
        assert!(
            matches!(&b[0], NameProblem::BadChar { position: 3, shown } if shown.contains("\\xff"))
        );
        assert!(name_problems(b"a b")[0].describe().contains("a space"));
    }

    /// Suggested names follow the rule.
    #[test]
    fn suggestions_follow_the_rule() {
        for bad in [
            &b"web_01"[..],
            b"-web-",
            b"S\xc3\xa9rveur",
            b"a  b",
            &[b'x'; 80],
        ] {
            let s = suggest_name(bad).unwrap();
            assert!(name_problems(s.as_bytes()).is_empty(), "{s}");
        }
        assert_eq!(suggest_name(b"web_01").as_deref(), Some("web-01"));
        assert_eq!(suggest_name(b"___"), None);
    }
}
