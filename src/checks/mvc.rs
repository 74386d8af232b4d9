//! `mvc.port-20004`: the multi-VM consistency port is open in the local firewall (now and after
//! a reboot) and free, not held by another program.

use super::firewall::{
    PortResult, SideVerdict, all_details, decided, evaluate_side_with, firewall_status,
    port_result, port_summary, remediation, side_details,
};
use super::severity::Advice;
use super::{Applies, CheckDef, Code, Context, Doc, Finding, ProblemLine, Status};
use crate::facts::FactError;
use crate::facts::listeners::Listener;
use crate::firewall::Family;
use crate::firewall::egress::evaluate_connect;

/// The multi-VM consistency port.
pub const MVC_PORT: u16 = 20004;

const SEED_VMWARE_ROW: &str = "seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), section \"Disaster Recovery of VMware virtual machines or physical Windows/Linux servers to Azure\", Replicated machine prerequisites, row \"On-premises (VMware VMs)\"; reference/asr-matrix.md section 7";

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "mvc.port-20004",
    title: "TCP 20004 open and free for multi-VM consistency",
    applies: Applies::MOBILITY_AGENT,
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "Machines replicated with multi-VM consistency talk to each other on TCP port 20004: the local firewall must accept new connections to it (now and after a reboot), and no other program may already listen on it.",
        why: "Members of a replication group coordinate consistent recovery points over port 20004; if one member cannot be reached, or another program holds the port, no multi-VM consistent recovery point is created.",
        fix: "Open TCP 20004 in the firewall that decides (e.g. `firewall-cmd --permanent --add-port=20004/tcp; firewall-cmd --reload`) and stop or move the program that listens on it. Only needed with multi-VM consistency; run with --multi-vm to make problems failures.",
        reference: SEED_VMWARE_ROW,
        prevents: &["no multi-VM consistent recovery points"],
    },
    codes: &[
        Code::fail_or_warn(
            "inbound-blocked",
            "the firewall blocks new connections to TCP 20004 (a warning without --multi-vm)",
        ),
        Code::warn(
            "inbound-may-be-blocked",
            "TCP 20004 is let in only from some addresses or interfaces, or the rules cannot be decided",
        ),
        Code::fail_or_warn(
            "outbound-blocked",
            "the firewall blocks new outbound connections to the other members' TCP 20004 (a warning without --multi-vm)",
        ),
        Code::warn(
            "outbound-may-be-blocked",
            "outbound TCP 20004 is let out only to some addresses or by some interfaces, or cannot be decided",
        ),
        Code::error("cannot-read-rules", "the firewall rules could not be read"),
        Code::error(
            "cannot-read-sockets",
            "the running machine's listening sockets could not be read",
        ),
        Code::fail(
            "port-in-use",
            "another program already listens on TCP 20004",
        ),
    ],
    run: check_mvc,
}];

/// Whether a listener on the port is Site Recovery's own (or this tool's peer test).
fn known_listener(l: &Listener, install_dir: &std::path::Path) -> Option<&'static str> {
    let o = l.owner.as_ref()?;
    let exe = o.exe.as_deref().unwrap_or("");
    let dir = install_dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    if exe.starts_with("/usr/local/ASR/")
        || exe.starts_with("/usr/local/InMage/")
        || (!dir.is_empty() && exe.starts_with(&format!("{dir}/")))
    {
        return Some("Site Recovery");
    }
    if o.comm == "asr-preflight" && o.cmdline.contains("mvc") {
        return Some("asr-preflight mvc listen (the peer test)");
    }
    None
}

/// Without `--multi-vm` a blocked port is advice: the run picks one of the two findings.
/// The code of a firewall verdict's problem: blocked, undecided, or unreadable rules.
fn verdict_code(
    fw_status: Status,
    blocked: &'static str,
    undecided: &'static str,
) -> Option<&'static str> {
    match fw_status {
        Status::Fail => Some(blocked),
        Status::Warn => Some(undecided),
        Status::Error => Some("cannot-read-rules"),
        Status::Pass | Status::Skip => None,
    }
}

/// What the firewall says of outbound TCP 20004 to the other members, now and after a reboot.
struct Outbound {
    status: Status,
    /// (code, status, line) of each side that is not a pass.
    problems: Vec<(&'static str, Status, String)>,
    details: Vec<String>,
}

fn outbound_to_members(ctx: &Context<'_>, required: bool) -> Outbound {
    let fw = ctx.facts.firewall();
    let mut out = Outbound {
        status: Status::Pass,
        problems: Vec::new(),
        details: Vec::new(),
    };
    for (label, side) in [("now", &fw.now), ("after reboot", &fw.boot)] {
        let Some(o) = evaluate_side_with(side, Family::V4, &|rs| {
            evaluate_connect(rs, Family::V4, MVC_PORT, None)
        }) else {
            continue;
        };
        let st = match &o.verdict {
            SideVerdict::Blocked(_) if required => Status::Fail,
            SideVerdict::Blocked(_) => Status::Warn,
            SideVerdict::Unreadable(_) => Status::Error,
            SideVerdict::Undetermined(_) | SideVerdict::Conditional(_) => Status::Warn,
            SideVerdict::Accepted(_) | SideVerdict::NoFirewall => Status::Pass,
        };
        if st < Status::Pass {
            let verb = match &o.verdict {
                SideVerdict::Conditional(_) => {
                    "is let out only to some addresses or by some interfaces"
                }
                v => v.short(),
            };
            let line = format!(
                "outbound TCP 20004 to the other members {verb} {label}{}",
                decided(&o.verdict)
            );
            let blocked = matches!(o.verdict, SideVerdict::Blocked(_));
            let code = match st {
                Status::Error => "cannot-read-rules",
                _ if blocked => "outbound-blocked",
                _ => "outbound-may-be-blocked",
            };
            out.problems.push((code, st, line));
            side_details(
                &format!("outbound TCP 20004 {label}"),
                Family::V4,
                &o,
                &mut out.details,
            );
        }
        out.status = out.status.min(st);
    }
    out
}

/// Who listens on TCP 20004: the agent's own listeners go into the details as expected; other
/// programs are returned as (address, who).
struct Holders {
    details: Vec<String>,
    others: Vec<(std::net::IpAddr, String)>,
    /// The listening sockets could not be read (wholly or in part).
    unreadable: bool,
}

fn port_holders(ctx: &Context<'_>) -> Holders {
    let mut h = Holders {
        details: Vec::new(),
        others: Vec::new(),
        unreadable: false,
    };
    let Some(l) = ctx.facts.listeners() else {
        h.details.push(
            "listening sockets: an image has none; whether another program will hold TCP 20004 cannot be known with --root".into(),
        );
        return h;
    };
    for e in &l.errors {
        h.details.push(format!("listening sockets: {e}"));
    }
    h.unreadable = !l.errors.is_empty();
    for s in l.listeners.iter().filter(|s| s.port == MVC_PORT) {
        let who = match &s.owner {
            Some(o) => format!(
                "{} (pid {}, {})",
                o.comm,
                o.pid,
                o.exe.clone().unwrap_or_else(|| o.cmdline.clone())
            ),
            None => format!(
                "an unknown process (uid {}; its /proc/PID/fd could not be read{})",
                s.uid,
                if l.unreadable_processes > 0 {
                    ": run as root"
                } else {
                    ""
                }
            ),
        };
        match known_listener(s, &ctx.options.install_dir) {
            Some(k) => h.details.push(format!(
                "TCP 20004 on {} is held by {who}: {k}, as expected",
                s.addr
            )),
            None => h.others.push((s.addr, who)),
        }
    }
    h
}

/// The fixes for what port_finding found, most specific first.
fn port_fixes(
    ctx: &Context<'_>,
    r: &PortResult,
    holders: &[(std::net::IpAddr, String)],
    out_status: Status,
    fw_status: Status,
    status: Status,
) -> Vec<String> {
    let mut fixes = Vec::new();
    if !holders.is_empty() {
        fixes.push(format!(
            "stop or reconfigure the program listening on TCP 20004 ({})",
            holders
                .iter()
                .map(|(_, w)| w.clone())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if out_status < Status::Pass {
        fixes.push("let new outbound TCP connections to port 20004 out (e.g. `iptables -I OUTPUT -p tcp --dport 20004 -j ACCEPT`, `nft insert rule inet filter output tcp dport 20004 accept`), saved the way the system loads its rules".into());
    }
    if matches!(fw_status, Status::Fail | Status::Warn) {
        fixes.extend(remediation(
            std::slice::from_ref(r),
            false,
            ctx.facts.os().id.as_deref(),
        ));
    }
    if status == Status::Error {
        fixes.push(
            "Run asr-preflight as root so that it can read the firewall rules and sockets.".into(),
        );
    }
    fixes
}

fn check_mvc(ctx: &Context<'_>) -> Result<Finding, FactError> {
    Ok(port_finding(ctx, true).if_advice(Advice::MultiVm, port_finding(ctx, false)))
}

/// What the port's firewall answer and its listeners say, with multi-VM consistency `required`
/// or not.
fn port_finding(ctx: &Context<'_>, required: bool) -> Finding {
    let r = port_result(ctx, MVC_PORT);
    let fw_status = firewall_status(std::slice::from_ref(&r));
    let mut details = Vec::new();
    let mut status = match fw_status {
        Status::Fail if !required => Status::Warn,
        s => s,
    };
    let mut summary = port_summary(&r);
    if fw_status == Status::Fail && !required {
        summary.push_str(" (a warning because multi-VM consistency was not asked for; --multi-vm makes it a failure)");
    }
    let mut problems = Vec::new();
    let mut problem = |code: &'static str, status: Status, text: &str| {
        // Inbound and outbound may both be unreadable: one line for the same problem.
        if !problems.iter().any(|p: &ProblemLine| p.code == code) {
            problems.push(ProblemLine {
                code,
                status,
                text: text.to_string(),
            });
        }
    };
    if let Some(code) = verdict_code(fw_status, "inbound-blocked", "inbound-may-be-blocked") {
        problem(code, status, &summary);
    }
    // Members of a replication group also connect out to each other on the port.
    let out = outbound_to_members(ctx, required);
    let (out_status, out_details) = (out.status, out.details);
    let mut out_lines = Vec::new();
    for (code, st, line) in out.problems {
        problem(code, st, &line);
        out_lines.push(line);
    }
    if out_status < Status::Pass {
        status = status.min(out_status);
        summary = format!("{summary}; {}", out_lines.join("; "));
    }
    details.extend(out_details);
    // Who holds the port.
    let held = port_holders(ctx);
    details.extend(held.details);
    if held.unreadable && status != Status::Fail {
        status = Status::Error;
        summary = format!("{summary}; the listening sockets could not be read");
        problem(
            "cannot-read-sockets",
            Status::Error,
            "the listening sockets could not be read",
        );
    }
    let holders = held.others;
    if !holders.is_empty() {
        status = Status::Fail;
        let list: Vec<String> = holders.iter().map(|(a, w)| format!("{a}: {w}")).collect();
        let line = format!(
            "TCP 20004 is already held by another program ({})",
            list.join("; ")
        );
        summary = format!("{line}; {summary}");
        problem("port-in-use", Status::Fail, &line);
    }
    details.extend(all_details(ctx, std::slice::from_ref(&r)));
    let mut f = Finding {
        status,
        summary,
        details,
        remediation: None,
        if_advice: None,
        code: problems.first().map(|p| p.code),
        problems,
    };
    let fixes = port_fixes(ctx, &r, &holders, out_status, fw_status, status);
    if !fixes.is_empty() {
        f.remediation = Some(fixes.join("\n"));
    }
    f
}
