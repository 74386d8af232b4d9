//! `net.outbound`: with `--online`, whether the Site Recovery endpoints the matrix names for
//! the scenario answer over HTTPS 443, directly or through the proxy `net.proxy` found.

use crate::facts::FactError;
use std::time::Duration;

use super::dedup;
use crate::checks::{Context, Finding, Status};
use crate::facts::os::Family;
use crate::firewall::addr::{Cover, Range, cover};
use crate::outbound::{FailureKind, Outcome, ProxyHop, Stage};
use crate::outbound_plan::Planned;
use crate::parse::service_tags::ServiceTags;

fn secs(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The package manager command that installs or updates `ca-certificates` on this system.
fn ca_command(family: Family) -> &'static str {
    family.conventions(None).map_or(
        "update the ca-certificates package with the system's package manager",
        |c| c.ca_update,
    )
}

pub(super) fn check_outbound(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let plan_items = ctx.facts.outbound_plan();
    if plan_items.is_empty() {
        return Ok(Finding::skip(format!(
            "the {} matrix names no endpoint this machine must reach itself for {} (the Mobility service talks to the configuration/process server or the replication appliance); name endpoints with --endpoint HOST[:PORT] to try them",
            ctx.matrix.name(),
            ctx.scenario.as_str()
        )));
    }
    let trust = ctx.facts.trust();
    let (choice, why) = ctx.facts.proxy().outbound_choice();
    // `why` explains a direct route; a proxy's own line names its variable and source.
    let route = match &choice {
        Some(p) => format!(
            "route: through the proxy {} ({} in {})",
            p.url, p.var, p.source
        ),
        None => format!("route: {why}"),
    };
    let Some((plan, outcomes)) = ctx.facts.outbound() else {
        return Ok(Finding::skip(
            "needs the running system; not evaluable against --root",
        ));
    };
    let trust_line = match &trust.source {
        Some(s) => format!("trust: {s} ({} certificates)", trust.certs.len()),
        None => format!(
            "trust: no CA bundle found ({}, /etc/ssl/certs/*.pem)",
            crate::facts::trust::BUNDLES.join(", ")
        ),
    };
    let mut t = EndpointTally::default();
    let family = ctx.facts.os().family;
    for (item, o) in plan_items.iter().zip(outcomes.iter()) {
        t.endpoint(judge_endpoint(item, o, family, plan.proxy.as_ref()), o);
    }
    // Addresses outside every prefix Azure publishes: a sign that DNS is intercepted.
    if let Some(tags) = &ctx.options.service_tags {
        for (host, line) in outside_service_tags(tags, outcomes) {
            t.outside_tags(host, line);
        }
    }
    let fixes = dedup(std::mem::take(&mut t.fixes).into_iter());
    let f = t
        .finding(outcomes)
        .detail(route)
        .detail(trust_line)
        .details(trust.errors.iter().map(|e| format!("trust: {e}")))
        .detail(format!(
            "all endpoints tried at once under one {} deadline",
            secs(ctx.options.timeout)
        ));
    if fixes.is_empty() {
        Ok(f)
    } else {
        Ok(f.fix(fixes.join(" ")))
    }
}

/// The endpoints' verdicts, in the order of their detail lines.
#[derive(Default)]
struct EndpointTally {
    lines: Vec<String>,
    statuses: Vec<Status>,
    /// The coded problem lines, in the order of the detail lines.
    problems: Vec<(Status, &'static str, String)>,
    fixes: Vec<String>,
    bad_hosts: Vec<String>,
}

impl EndpointTally {
    fn endpoint(&mut self, (status, code, line, fix): EndpointVerdict, o: &Outcome) {
        if status != Status::Pass {
            self.bad_hosts.push(o.target.to_string());
            self.problems.push((status, code, line.clone()));
        }
        self.statuses.push(status);
        self.lines.push(line);
        if let Some(f) = fix {
            self.fixes.push(f);
        }
    }

    fn outside_tags(&mut self, host: String, line: String) {
        self.statuses.push(Status::Warn);
        self.bad_hosts.push(host);
        self.problems
            .push((Status::Warn, "outside-service-tags", line.clone()));
        self.lines.push(line);
    }

    /// The finding of the worst status, its coded problem lines and the endpoint lines.
    fn finding(self, outcomes: &[Outcome]) -> Finding {
        let total = outcomes.iter().map(|o| o.elapsed).max().unwrap_or_default();
        let worst = self.statuses.iter().copied().min().unwrap_or(Status::Pass);
        let n = outcomes.len();
        let ok = self.statuses.iter().filter(|s| **s == Status::Pass).count();
        let summary = match worst {
            Status::Pass => format!(
                "all {n} endpoint(s) answered over verified TLS ({} at most)",
                secs(total)
            ),
            _ => format!(
                "{ok} of {n} endpoint(s) answered cleanly; problems with {}",
                self.bad_hosts.join(", ")
            ),
        };
        let first = self.problems.iter().find(|p| p.0 == worst).map(|p| p.1);
        let f = Finding {
            status: worst,
            summary,
            details: Vec::new(),
            remediation: None,
            if_advice: None,
            code: first,
            problems: Vec::new(),
        };
        self.problems
            .into_iter()
            .fold(f, |f, (status, code, text)| f.problem(status, code, text))
            .details(self.lines)
    }
}

/// Endpoints reached directly whose address lies in no prefix of the Service Tags file: the
/// host (marked as an address) and the detail line of each.
fn outside_service_tags(tags: &ServiceTags, outcomes: &[Outcome]) -> Vec<(String, String)> {
    let all: Vec<Range> = tags
        .tags
        .iter()
        .flat_map(|t| t.prefixes.iter().copied())
        .collect();
    let mut out = Vec::new();
    for o in outcomes.iter().filter(|o| !o.via_proxy) {
        let Some(peer) = o.peer else {
            continue;
        };
        let Some(r) = Range::parse(&peer.ip().to_string()) else {
            continue;
        };
        if cover(&all, &[r], r.family) != Cover::All {
            let line = format!(
                "{}: the name resolved to {}, which is in no prefix of the Service Tags file (change {}): a DNS server, hosts entry or private endpoint answers for it; if that is not intended, DNS is intercepted",
                o.target,
                peer.ip(),
                tags.change_number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "?".into())
            );
            out.push((format!("{} (address)", o.target), line));
        }
    }
    out
}

/// One endpoint's verdict: its status, code, detail line and fix.
type EndpointVerdict = (Status, &'static str, String, Option<String>);

/// One endpoint's status, detail line and fix.
fn judge_endpoint(
    item: &Planned,
    o: &Outcome,
    family: Family,
    proxy: Option<&ProxyHop>,
) -> EndpointVerdict {
    let via = if o.via_proxy {
        proxy
            .map(|p| format!(" via proxy {}", p.shown))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let about = match &item.entry {
        Some(e) if item.representative => format!(
            " [{}, tried as this representative name: {}]",
            e.url, e.purpose
        ),
        Some(e) => format!(" [{}: {}]", e.url, e.purpose),
        None => String::new(),
    };
    let issuer = o.issuer.as_ref().map(|n| n.to_string());
    if let Some(label) = &item.label {
        return judge_dated_address(o, &via, label);
    }
    match &o.failure {
        None => judge_reached(item, o, issuer, &via, &about),
        Some(fail) => {
            let line = format!(
                "{}: failed at {} after {}{via}: {}{about}",
                o.target,
                o.stage.as_str(),
                secs(o.elapsed),
                fail.message
            );
            let (status, code, fix) =
                failure_verdict(item, o, &fail.kind, issuer.as_deref(), family);
            let optional = item.entry.as_ref().and_then(|e| e.only_when.as_deref());
            if let Some(when) = optional
                && status == Status::Fail
            {
                return (
                    Status::Warn,
                    "optional-endpoint-failed",
                    format!("{line} (needed only when {when})"),
                    Some(fix),
                );
            }
            (status, code, line, Some(fix))
        }
    }
}

/// An endpoint that answered over verified TLS: it warns when the issuer is not one the
/// endpoint uses (TLS interception).
fn judge_reached(
    item: &Planned,
    o: &Outcome,
    issuer: Option<String>,
    via: &str,
    about: &str,
) -> EndpointVerdict {
    let expected = item
        .entry
        .as_ref()
        .map(|e| e.issuers.as_slice())
        .unwrap_or(&[]);
    let org = o.issuer.as_ref().and_then(|n| n.get("O")).unwrap_or("");
    let line = format!(
        "{}: reached, TLS verified, in {}{via}; issuer {}{about}",
        o.target,
        secs(o.elapsed),
        issuer.as_deref().unwrap_or("unknown")
    );
    if expected.is_empty() || expected.iter().any(|e| org.eq_ignore_ascii_case(e)) {
        return (Status::Pass, "", line, None);
    }
    let shown = issuer.unwrap_or_else(|| "unknown".into());
    (
        Status::Warn,
        "unexpected-issuer",
        format!(
            "{line} -- not an issuer this endpoint uses ({}): TLS interception?",
            expected.join(", ")
        ),
        Some(format!(
            "The certificate of {} was issued by '{shown}', not by {}: a proxy or firewall re-signs the TLS traffic (TLS inspection). Exempt the Site Recovery URLs from inspection.",
            o.target,
            expected.join(" or ")
        )),
    )
}

/// An address of a dated table: a failure may mean it moved, so it only warns.
fn judge_dated_address(o: &Outcome, via: &str, label: &str) -> EndpointVerdict {
    match &o.failure {
        None => (
            Status::Pass,
            "",
            format!(
                "{}: TCP connection made in {}{via} [{label}]",
                o.target,
                secs(o.elapsed)
            ),
            None,
        ),
        Some(fail) => (
            Status::Warn,
            "dated-address-failed",
            format!(
                "{}: failed at {} after {}{via}: {} [{label}; the table is of 2017 and the address may no longer be in use]",
                o.target,
                o.stage.as_str(),
                secs(o.elapsed),
                fail.message
            ),
            Some("Allow outbound TCP 443 to the Site Recovery addresses of the target region (the AzureSiteRecovery and EventHub service tags of the region are current; the matrix's table is of 2017).".into()),
        ),
    }
}

/// What a failed endpoint counts for, its code and its fix, by the kind of failure.
fn failure_verdict(
    item: &Planned,
    o: &Outcome,
    kind: &FailureKind,
    issuer: Option<&str>,
    family: Family,
) -> (Status, &'static str, String) {
    match kind {
        FailureKind::Resolve => (
            if item.representative { Status::Warn } else { Status::Fail },
            if item.representative { "representative-not-resolved" } else { "name-not-resolved" },
            if item.representative {
                format!("{} stands for a wildcard entry and may simply not exist: try your own host under it with --endpoint (for storage, --storage-account NAME); check DNS with `getent hosts {}`.", o.target.host, o.target.host)
            } else {
                format!("Make the name resolve: `getent hosts {}` must answer; the servers in /etc/resolv.conf must resolve public Azure names (or the private endpoint zones).", o.target.host)
            },
        ),
        FailureKind::Timeout if o.stage == Stage::Resolve => (
            Status::Fail,
            "dns-timeout",
            "The DNS servers in /etc/resolv.conf did not answer in time: check that they are reachable (UDP/TCP 53).".to_string(),
        ),
        FailureKind::Timeout | FailureKind::Refused | FailureKind::Network => (
            Status::Fail,
            "unreachable",
            if o.via_proxy {
                "Check that the proxy is reachable from this machine and lets CONNECT to port 443 of the Site Recovery URLs through.".to_string()
            } else {
                "Allow outbound TCP 443 from this machine to the Site Recovery URLs in NSGs and firewalls (service tags Storage, AzureActiveDirectory, AzureSiteRecovery, EventHub), or route it through the proxy.".to_string()
            },
        ),
        FailureKind::ProxyAuth => (
            Status::Fail,
            "proxy-auth-required",
            "The proxy wants credentials, which Site Recovery cannot give: let it pass the Site Recovery URLs without authentication, or bypass it for them.".to_string(),
        ),
        FailureKind::ProxyRefused => (
            Status::Fail,
            "proxy-refused",
            "Let the proxy pass CONNECT to port 443 of the Site Recovery URLs.".to_string(),
        ),
        FailureKind::ProxyUnusable => (
            Status::Fail,
            "proxy-unusable",
            "Use the proxy's plain http:// address (see net.proxy).".to_string(),
        ),
        FailureKind::UntrustedIssuer => (
            Status::Fail,
            "untrusted-issuer",
            format!(
                "The certificate of {} chains to no CA this system trusts (issuer {}). If that issuer is a corporate CA, something intercepts TLS: exempt the Site Recovery URLs from inspection. If it is Microsoft's or DigiCert's, the CA bundle is out of date: `{}`.",
                o.target,
                issuer.unwrap_or("unknown"),
                ca_command(family)
            ),
        ),
        FailureKind::BadCertificate => (
            Status::Fail,
            "bad-certificate",
            "Check the system clock (`date -u`; it must be right for certificates to be valid) and that nothing between this machine and Azure rewrites TLS.".to_string(),
        ),
        FailureKind::NoTrust => (
            Status::Error,
            "no-ca-bundle",
            format!("Install the system CA bundle: `{}`.", ca_command(family)),
        ),
        FailureKind::Tls => (
            Status::Fail,
            "tls-failed",
            "Something between this machine and Azure cuts the TLS connection: check firewalls and network appliances for TLS inspection or protocol filtering.".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use super::*;
    use crate::checks::CheckOptions;
    use crate::matrix;
    use crate::outbound::Failure;
    use crate::outbound::Target;
    use crate::outbound_plan::{Request, plan};
    use crate::probe::FakeProbe;
    use crate::scenario::Scenario;
    use crate::testutil::tree;

    fn outcome(host: &str, stage: Stage, kind: Option<FailureKind>) -> Outcome {
        Outcome {
            target: Target {
                host: host.into(),
                port: 443,
                tcp_only: false,
            },
            via_proxy: false,
            stage,
            elapsed: Duration::from_millis(42),
            failure: kind.map(|k| Failure {
                kind: k,
                message: "words".into(),
            }),
            issuer: None,
            peer: None,
        }
    }

    fn outbound(outcomes: Vec<Outcome>, options: CheckOptions, scenario: Scenario) -> Finding {
        let dir = tree(&[]);
        let mut probe = FakeProbe::new("5.14.0", "h");
        probe.outbound = outcomes;
        let options = CheckOptions {
            online: true,
            ..options
        };
        run("net.outbound", &dir, Some(probe), options, scenario)
    }

    /// Verdicts per endpoint: a representative name that does not resolve warns, a blocked
    /// endpoint fails, an optional endpoint only warns, and every endpoint has its line.
    #[test]
    fn outbound_verdicts() {
        let name = |o: &str| x509_issuer(o);
        let mut ok = outcome("login.microsoftonline.com", Stage::Done, None);
        ok.issuer = Some(name("Microsoft Corporation"));
        let outcomes = vec![
            outcome(
                "azurecliprod.blob.core.windows.net",
                Stage::Resolve,
                Some(FailureKind::Resolve),
            ),
            ok.clone(),
            outcome(
                "pod01-srs1.eus.hypervrecoverymanager.windowsazure.com",
                Stage::Done,
                None,
            ),
            outcome(
                "asr-monitoring.servicebus.windows.net",
                Stage::Connect,
                Some(FailureKind::Timeout),
            ),
            outcome(
                "asr-keys.vault.azure.net",
                Stage::Connect,
                Some(FailureKind::Refused),
            ),
            outcome("eus.automation.ext.azure.com", Stage::Done, None),
        ];
        let f = outbound(outcomes, CheckOptions::default(), Scenario::AzureToAzure);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.details[0].contains("representative"), "{}", f.details[0]);
        assert!(f.details[1].contains("TLS verified") && f.details[1].contains("42 ms"));
        assert!(
            f.details[3].contains("failed at TCP connect"),
            "{}",
            f.details[3]
        );
        assert!(
            f.details[4].contains("needed only when"),
            "{}",
            f.details[4]
        );
        // Only the blocked required endpoint fails; the rest warn or pass.
        let f = outbound(
            vec![ok.clone()],
            CheckOptions {
                endpoints: vec![ok.target.clone()],
                ..Default::default()
            },
            Scenario::VmwareToAzure,
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
    }

    /// A trusted certificate from an unexpected issuer warns of TLS interception.
    #[test]
    fn unexpected_issuer_warns() {
        let mut o = outcome("login.microsoftonline.com", Stage::Done, None);
        o.issuer = Some(x509_issuer("Contoso Web Filter"));
        let opts = CheckOptions {
            storage_account: None,
            ..Default::default()
        };
        let f = outbound(vec![o; 6], opts, Scenario::AzureToAzure);
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(f.remediation.unwrap().contains("TLS inspection"));
    }

    /// Without endpoints for the scenario the check skips and says how to name some;
    /// --storage-account replaces the representative storage host.
    #[test]
    fn endpoint_selection() {
        let f = outbound(Vec::new(), CheckOptions::default(), Scenario::VmwareToAzure);
        assert_eq!(f.status, Status::Skip);
        assert!(f.summary.contains("--endpoint"));
        let m = matrix::load("asr-2016").unwrap();
        let planned = |opts: &CheckOptions| plan(&Request::new(&m, opts), Scenario::AzureToAzure);
        let opts = CheckOptions {
            storage_account: Some("mycache".into()),
            ..Default::default()
        };
        let p = planned(&opts);
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].target.host, "mycache.blob.core.windows.net");
        assert!(!p[0].representative);
        assert!(p[2].representative);
        let opts = CheckOptions {
            storage_account: Some("mycache".into()),
            endpoints: vec![Target {
                host: "127.0.0.1".into(),
                port: 8443,
                tcp_only: false,
            }],
            ..Default::default()
        };
        let hosts: Vec<String> = planned(&opts)
            .iter()
            .map(|p| p.target.to_string())
            .collect();
        assert_eq!(
            hosts,
            ["127.0.0.1:8443", "mycache.blob.core.windows.net:443"]
        );
    }

    /// Azure-to-Azure with --target-region plans the matrix's Site Recovery service and
    /// monitoring addresses of the region as TCP-only targets; a refused one only warns, a made
    /// connection passes without any TLS claim.
    #[test]
    fn target_region_addresses_tcp_only() {
        let m = matrix::load("asr-2016").unwrap();
        let opts = CheckOptions {
            target_region: Some("westeurope".into()),
            ..Default::default()
        };
        let p = plan(&Request::new(&m, &opts), Scenario::AzureToAzure);
        let tcp: Vec<String> = p
            .iter()
            .filter(|x| x.target.tcp_only)
            .map(|x| x.target.to_string())
            .collect();
        assert_eq!(
            tcp,
            ["52.166.13.64:443", "52.166.6.245:443", "40.68.93.145:443"]
        );
        let item = p.iter().find(|x| x.target.tcp_only).unwrap();
        let mut o = outcome("52.166.13.64", Stage::Done, None);
        o.target.tcp_only = true;
        let (st, _, line, _) = judge_endpoint(item, &o, Family::Other, None);
        assert_eq!(st, Status::Pass);
        assert!(
            line.contains("TCP connection made") && line.contains("West Europe"),
            "{line}"
        );
        assert!(!line.contains("TLS"), "{line}");
        let o = outcome("52.166.13.64", Stage::Connect, Some(FailureKind::Refused));
        let (st, _, line, fix) = judge_endpoint(item, &o, Family::Other, None);
        assert_eq!(st, Status::Warn, "{line}");
        assert!(line.contains("2017"), "{line}");
        assert!(fix.unwrap().contains("AzureSiteRecovery"));
        // Other scenarios and no region: nothing added.
        let vmware = plan(&Request::new(&m, &opts), Scenario::VmwareToAzure);
        assert!(vmware.iter().all(|x| !x.target.tcp_only));
    }

    fn x509_issuer(org: &str) -> crate::parse::x509_name::Name {
        crate::parse::x509_name::Name {
            attributes: vec![("O".into(), org.into()), ("CN".into(), "Issuing CA".into())],
        }
    }
}
