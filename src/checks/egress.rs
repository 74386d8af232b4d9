//! `net.egress-firewall`: will the machine's own firewall let out a new TCP connection to each
//! endpoint Site Recovery needs, now and after a reboot? In Azure-to-Azure a default route through
//! a tunnel or VPN interface (forced tunnelling) is also a warning. In Azure-to-Azure the endpoints are the
//! Azure services of the networking document (Site Recovery, Storage, Entra ID, monitoring, Key
//! Vault, automation) on 443, with their addresses from `--service-tags` (regional tags chosen by
//! `--source-region`/`--target-region`) or, for Site Recovery itself, the matrix's dated table;
//! for VMware and physical machines it is the configuration server / replication appliance
//! (`--appliance`, TCP 443 and 9443). A rule that tests the destination address is judged against
//! the endpoint's addresses; when they are not known such a rule is a warning naming it.

use super::firewall::{
    SideResult, SideVerdict, decided, describe_origins, evaluate_side_with, rule_sources,
    side_details,
};
use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::firewall::{FirewallFacts, Side};
use crate::firewall::addr::Range;
use crate::firewall::egress::evaluate_connect;
use crate::firewall::{Family, Origin};
use crate::parse::service_tags::region_key;
use crate::scenario::Scenario;

const REFERENCE: &str = "seeds/003 (Networking guidance for replicating Azure virtual machines, ms.date 2017-05-13), sections \"Outbound connectivity for Azure Site Recovery URLs\", \"Outbound connectivity for Azure Site Recovery IP ranges\" (the per-target-region table of service and monitoring IPs) and \"Forced tunneling configuration\"; seeds/000 (Prerequisites for replication using Azure Site Recovery, 2016-12-11), sections \"Disaster Recovery of Hyper-V virtual machines to Azure (no VMM)\" and \"... in VMM clouds to Azure\", row \"Provider and agent\" (IP address-based firewall rules must allow communication to Azure on HTTPS 443); reference/asr-matrix.md section 6 (service tags; source machine to appliance on 443 and 9443)";

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "net.egress-firewall",
    title: "Firewall lets connections to Site Recovery out",
    applies: Applies::Only(&[
        Scenario::AzureToAzure,
        Scenario::VmwareToAzure,
        Scenario::PhysicalToAzure,
    ]),
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "The machine's own firewall (iptables/ip6tables OUTPUT, nftables output and postrouting hooks, firewalld, ufw, SuSEfirewall2), with the rules active now and with those loaded at boot, must let out a new TCP connection to every endpoint the Site Recovery agent talks to: in Azure-to-Azure the Site Recovery service, the cache storage account, Entra ID and the monitoring endpoint on HTTPS 443 (Key Vault and automation when those features are used); for VMware and physical machines the configuration server / replication appliance on TCP 443 and 9443. Rules limited to destination addresses are judged against the endpoint's addresses: Azure's Service Tags file (--service-tags, regional tags chosen with --source-region and --target-region) or, without it, the matrix's 2017 table of Site Recovery service and monitoring IPs for --target-region; an address-limited rule that could decide while the addresses are not known is a warning naming the rule.",
        why: "IP-based outbound filtering must allow HTTPS to Azure's addresses for the region; if the guest's own firewall drops or rejects these connections, replication cannot be enabled or stops (the agent cannot reach the service, write to the cache storage account, or send monitoring data), whatever the network security groups allow.",
        fix: "Allow new outbound TCP connections to the endpoint in the firewall that decides (the report names the rule): e.g. `iptables -I OUTPUT -p tcp --dport 443 -m state --state NEW -j ACCEPT` (saved the way the system loads its rules), `nft insert rule inet filter output tcp dport 443 accept`, `ufw allow out 443/tcp`; limit it to the Service Tags prefixes of the regions if outbound traffic must stay filtered by address.",
        reference: REFERENCE,
        prevents: &[
            "151037",
            "151072",
            "151196",
            "151197",
            "registration with the configuration server failing: (7) Couldn't connect",
        ],
    },
    codes: &[
        Code::fail(
            "blocked",
            "the firewall blocks new TCP connections to an endpoint the agent needs",
        ),
        Code::warn(
            "optional-blocked",
            "the firewall blocks an endpoint needed only when a feature is used",
        ),
        Code::warn(
            "address-limited",
            "rules limited to addresses or interfaces decide, and the endpoint's addresses are not known",
        ),
        Code::warn(
            "undetermined",
            "the rules cannot be evaluated for an endpoint (a jump or target not followed)",
        ),
        Code::error(
            "cannot-read",
            "firewall rules that decide could not be read",
        ),
        Code::warn(
            "forced-tunnel",
            "the default route leaves through a tunnel or VPN interface (Azure-to-Azure)",
        ),
    ],
    run: check_egress,
}];

/// One endpoint asked about.
#[derive(Debug, Clone)]
pub(super) struct Endpoint {
    pub name: String,
    pub ports: Vec<u16>,
    /// Its addresses; `None` when not known.
    pub ranges: Option<Vec<Range>>,
    /// Where the addresses came from, or why they are not known.
    pub addresses: String,
    /// Needed only in some setups: a block then warns.
    pub only_when: Option<&'static str>,
}

/// The Azure services of Azure-to-Azure, each with the region option that picks its regional
/// tag (`Some(true)`: source, `Some(false)`: target, `None`: global).
const A2A_SERVICES: &[(&str, &str, Option<bool>, Option<&str>)] = &[
    (
        "AzureSiteRecovery",
        "the Site Recovery service",
        Some(false),
        None,
    ),
    ("Storage", "the cache storage account", Some(true), None),
    (
        "AzureActiveDirectory",
        "Entra ID (authentication)",
        None,
        None,
    ),
    ("EventHub", "Site Recovery monitoring", Some(false), None),
    (
        "AzureKeyVault",
        "Key Vault",
        Some(true),
        Some("the VM uses Azure Disk Encryption"),
    ),
    (
        "GuestAndHybridManagement",
        "Azure Automation",
        Some(true),
        Some("automatic Mobility service updates are enabled"),
    ),
];

/// The endpoints of the scenario, with notes on where their addresses come from.
pub(super) fn endpoints(ctx: &Context<'_>) -> Vec<Endpoint> {
    let o = ctx.options;
    match ctx.scenario {
        Scenario::AzureToAzure => {
            let mut out = Vec::new();
            for (service, what, regional, only_when) in A2A_SERVICES {
                let region = match regional {
                    Some(true) => o.source_region.as_deref(),
                    Some(false) => o.target_region.as_deref(),
                    None => None,
                };
                let (ranges, addresses) = match &o.service_tags {
                    Some(tags) => match tags.find(service, region) {
                        Some(t) => {
                            let regional_missing = region.is_some() && t.region.is_empty();
                            let how = match (regional_missing, regional, region) {
                                (true, _, Some(r)) => format!(
                                    "Service Tags {} (no regional tag for {r} in the file: the global tag is used)",
                                    t.name
                                ),
                                (_, Some(src), None) => format!(
                                    "Service Tags {} (global: give --{}-region for the regional tag)",
                                    t.name,
                                    if *src { "source" } else { "target" }
                                ),
                                _ => format!("Service Tags {}", t.name),
                            };
                            (Some(t.prefixes.clone()), how)
                        }
                        None => (
                            None,
                            format!("not known: the Service Tags file has no {service} tag"),
                        ),
                    },
                    None => match (*service, region_row(ctx, region)) {
                        ("AzureSiteRecovery", Some(row)) => (
                            parse_all(&row.service),
                            table_note(&row.region, &row.source),
                        ),
                        ("EventHub", Some(row)) => (
                            parse_all(&row.monitoring),
                            table_note(&row.region, &row.source),
                        ),
                        _ => (None, "not known without --service-tags".to_string()),
                    },
                };
                out.push(Endpoint {
                    name: format!("{what} ({service})"),
                    ports: vec![443],
                    ranges,
                    addresses,
                    only_when: *only_when,
                });
            }
            out
        }
        _ => {
            let host = o.appliance.as_deref();
            let ranges = host.and_then(Range::parse).map(|r| vec![r]);
            let addresses = match (host, &ranges) {
                (None, _) => "not known: give --appliance HOST".to_string(),
                (Some(h), Some(_)) => format!("--appliance {h}"),
                (Some(h), None) => {
                    format!("not known: --appliance {h} is a name (names are not resolved)")
                }
            };
            vec![Endpoint {
                name: match host {
                    Some(h) => format!("the configuration server / replication appliance {h}"),
                    None => "the configuration server / replication appliance".to_string(),
                },
                ports: vec![443, 9443],
                ranges,
                addresses,
                only_when: None,
            }]
        }
    }
}

fn region_row<'a>(
    ctx: &'a Context<'_>,
    region: Option<&str>,
) -> Option<&'a crate::matrix::model::RegionIps> {
    let want = region_key(region?);
    ctx.matrix
        .data
        .region_ips
        .iter()
        .find(|r| region_key(&r.region) == want)
}

fn table_note(region: &str, source: &str) -> String {
    format!(
        "the matrix's table for target region {region} ({source}; addresses of 2017, a current --service-tags file is better)"
    )
}

fn parse_all(list: &[String]) -> Option<Vec<Range>> {
    list.iter().map(|s| Range::parse(s)).collect()
}

/// The families asked about for an endpoint: IPv4 unless only IPv6 addresses are known.
fn families(ranges: &Option<Vec<Range>>) -> Vec<Family> {
    match ranges {
        None => vec![Family::V4],
        Some(r) => {
            let mut f = Vec::new();
            for fam in [Family::V4, Family::V6] {
                if r.iter().any(|x| x.family == fam) {
                    f.push(fam);
                }
            }
            f
        }
    }
}

/// The status one answer gives.
fn status_of(v: &SideVerdict, only_when: bool) -> Status {
    match v {
        SideVerdict::Blocked(_) if only_when => Status::Warn,
        SideVerdict::Blocked(_) => Status::Fail,
        SideVerdict::Unreadable(_) => Status::Error,
        SideVerdict::Undetermined(_) | SideVerdict::Conditional(_) => Status::Warn,
        SideVerdict::Accepted(_) | SideVerdict::NoFirewall => Status::Pass,
    }
}

fn ask(side: &Side, family: Family, port: u16, ranges: Option<&[Range]>) -> Option<SideResult> {
    evaluate_side_with(side, family, &|rs| {
        evaluate_connect(rs, family, port, ranges)
    })
}

/// What the firewall answered for every endpoint, port, family and side.
struct EgressSurvey {
    status: Status,
    /// The problem lines, for the summary.
    bad: Vec<String>,
    /// The coded problem lines, one per line of `bad`.
    problems: Vec<(Status, &'static str, String)>,
    details: Vec<String>,
    /// The rules that block a connection that decides.
    blockers: Vec<Origin>,
    /// How many questions the firewall could answer.
    asked: usize,
}

impl EgressSurvey {
    fn add_problem(&mut self, status: Status, code: &'static str, line: String) {
        self.problems.push((status, code, line.clone()));
        self.bad.push(line);
    }
}

/// Asks both sides (now, after reboot) about every port and family of one endpoint.
fn ask_endpoint(fw: &FirewallFacts, ep: &Endpoint, s: &mut EgressSurvey) {
    s.details
        .push(format!("{}: addresses {}", ep.name, ep.addresses));
    for port in &ep.ports {
        for fam in families(&ep.ranges) {
            for (label, side) in [("now", &fw.now), ("after reboot", &fw.boot)] {
                if let Some(r) = ask(side, fam, *port, ep.ranges.as_deref()) {
                    s.asked += 1;
                    judge_answer(ep, *port, fam, label, &r, s);
                }
            }
        }
    }
}

/// One answer: its details, and its problem when it is one and its family decides.
fn judge_answer(
    ep: &Endpoint,
    port: u16,
    fam: Family,
    label: &str,
    r: &SideResult,
    s: &mut EgressSurvey,
) {
    let head = format!("{} TCP {port} {label}", ep.name);
    match &r.verdict {
        SideVerdict::NoFirewall => s.details.push(format!(
            "{head}, {}: let out: no firewall rules filter outbound connections",
            fam.as_str()
        )),
        _ => side_details(&head, fam, r, &mut s.details),
    }
    // IPv6 is reported; IPv4 decides when the endpoint has IPv4 addresses.
    let decides = fam == Family::V4 || !families(&ep.ranges).contains(&Family::V4);
    if !decides {
        return;
    }
    let status = status_of(&r.verdict, ep.only_when.is_some());
    if status < Status::Pass {
        let mut line = format!(
            "{} TCP {port} {} {label}{}",
            ep.name,
            outbound_short(&r.verdict),
            decided_by(&r.verdict)
        );
        if let Some(w) = ep.only_when {
            line.push_str(&format!(" (needed only when {w})"));
        }
        s.add_problem(
            status,
            problem_code(&r.verdict, ep.only_when.is_some()),
            line,
        );
    }
    if let SideVerdict::Blocked(o) = &r.verdict {
        s.blockers.extend(o.iter().cloned());
    }
    s.status = s.status.min(status);
}

/// The summary: the problems, or which endpoints are let out and when.
fn egress_summary(fw: &FirewallFacts, eps: &[Endpoint], s: &EgressSurvey) -> String {
    if !s.bad.is_empty() {
        return s.bad.join("; ");
    }
    let names: Vec<&str> = eps.iter().map(|e| e.name.as_str()).collect();
    let when = match (&fw.now, s.asked) {
        (_, 0) => " (no firewall rules could be evaluated)",
        (Side::Unknowable(_), _) => {
            " after a reboot (the running rules cannot be known with --root)"
        }
        _ => " now and after a reboot",
    };
    format!(
        "the local firewall lets out new TCP connections to {}{when}",
        names.join(", ")
    )
}

/// One paragraph per kind of problem found; `None` when there is nothing to fix.
fn egress_fix(s: &mut EgressSurvey, tunnels: &[String]) -> Option<String> {
    if s.status >= Status::Pass {
        return None;
    }
    let mut fix = Vec::new();
    if !s.blockers.is_empty() {
        s.blockers.sort();
        s.blockers.dedup();
        fix.push(format!(
            "Allow the connection before the rule or policy that blocks it: {}.",
            describe_origins(&s.blockers)
        ));
    }
    if !tunnels.is_empty() {
        fix.push("Add routes for the Site Recovery, Storage and Entra ID address ranges (the Service Tags) that do not go through the tunnel, or stop sending the default route through it.".into());
    }
    if s.bad.iter().any(|b| b.contains("only for some")) {
        fix.push("Rules limited to destination addresses or interfaces decide: give --service-tags FILE (Azure's ServiceTags_Public_*.json) with --source-region and --target-region so that they can be judged, or allow TCP 443 to Azure's prefixes for the regions.".into());
    }
    if s.status == Status::Error {
        fix.push("Run asr-preflight as root so that it can read the firewall rules (iptables-save and nft need CAP_NET_ADMIN).".into());
    }
    (!fix.is_empty()).then(|| fix.join("\n"))
}

fn check_egress(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let fw = ctx.facts.firewall();
    let eps = endpoints(ctx);
    let mut s = EgressSurvey {
        status: Status::Pass,
        bad: Vec::new(),
        problems: Vec::new(),
        details: Vec::new(),
        blockers: Vec::new(),
        asked: 0,
    };
    for ep in &eps {
        ask_endpoint(fw, ep, &mut s);
    }
    let tunnels = if ctx.scenario == Scenario::AzureToAzure {
        forced_tunnel(ctx, &mut s.details)
    } else {
        Vec::new()
    };
    if !tunnels.is_empty() {
        s.status = s.status.min(Status::Warn);
        let line = format!(
            "the default route leaves through a tunnel or VPN interface ({}): {FORCED_TUNNEL}",
            tunnels.join("; ")
        );
        s.add_problem(Status::Warn, "forced-tunnel", line);
    }
    rule_sources(fw, &mut s.details);
    let summary = egress_summary(fw, &eps, &s);
    let remediation = egress_fix(&mut s, &tunnels);
    let first = s.problems.iter().find(|p| p.0 == s.status).map(|p| p.1);
    let f = Finding {
        status: s.status,
        summary,
        details: s.details,
        remediation,
        if_advice: None,
        code: first,
        problems: Vec::new(),
    };
    Ok(s.problems
        .into_iter()
        .fold(f, |f, (st, code, text)| f.problem(st, code, text)))
}

/// The guidance, in our words: seeds/003, "Forced tunneling configuration".
const FORCED_TUNNEL: &str = "the Azure-to-Azure networking guidance (seeds/003, \"Forced tunneling configuration\") advises against forcing outbound traffic through another network: replication traffic and Site Recovery service communication should not leave Azure, so give the Site Recovery, Storage and Entra ID ranges routes of their own that bypass the tunnel";

/// Default routes through tunnel interfaces, with every default route in the details.
fn forced_tunnel(ctx: &Context<'_>, details: &mut Vec<String>) -> Vec<String> {
    let r = ctx.facts.routes();
    let when = if r.live { "now" } else { "after reboot" };
    let mut out = Vec::new();
    for x in &r.routes {
        let rt = &x.route;
        let dev = rt.dev.as_deref().unwrap_or("no device");
        let table = rt
            .table
            .as_deref()
            .map(|t| format!(" (table {t})"))
            .unwrap_or_default();
        details.push(format!(
            "default route {when}, {}: {}{}{table}: {}",
            rt.family.as_str(),
            dev,
            rt.via
                .as_deref()
                .map(|v| format!(" via {v}"))
                .unwrap_or_default(),
            rt.source
        ));
        if let Some(why) = &x.tunnel {
            out.push(format!("{} {when}: {why}", rt.family.as_str()));
        }
    }
    if r.routes.is_empty() && !r.sources.is_empty() {
        details.push(format!(
            "no default route found in {}",
            r.sources.join(", ")
        ));
    }
    details.extend(r.errors.iter().map(|e| format!("routes: {e}")));
    out
}

/// The finding code of an answer that is a problem (see [`status_of`]).
fn problem_code(v: &SideVerdict, only_when: bool) -> &'static str {
    match v {
        SideVerdict::Blocked(_) if only_when => "optional-blocked",
        SideVerdict::Blocked(_) => "blocked",
        SideVerdict::Unreadable(_) => "cannot-read",
        SideVerdict::Conditional(_) => "address-limited",
        _ => "undetermined",
    }
}

/// The verdict for a connection this machine makes.
fn outbound_short(v: &SideVerdict) -> &'static str {
    match v {
        SideVerdict::NoFirewall | SideVerdict::Accepted(_) => "is let out",
        SideVerdict::Blocked(_) => "is blocked",
        SideVerdict::Conditional(_) => "is let out only for some addresses or interfaces",
        SideVerdict::Undetermined(_) => "cannot be determined",
        SideVerdict::Unreadable(_) => "has rules that could not be read",
    }
}

/// The rule that decided, for the summary line: a block names the rule itself; conditions
/// and unknowns are said as the inbound checks say them.
fn decided_by(v: &SideVerdict) -> String {
    match v {
        SideVerdict::Blocked(o) => o.first().map(|o| format!(" by {o}")).unwrap_or_default(),
        SideVerdict::Accepted(_) | SideVerdict::NoFirewall => String::new(),
        SideVerdict::Conditional(_) | SideVerdict::Undetermined(_) | SideVerdict::Unreadable(_) => {
            decided(v)
        }
    }
}
