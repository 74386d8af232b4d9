//! Network checks: the proxy the agent would use (`net.proxy`, read from files and the
//! environment only; here) and, with `--online`, whether the Site Recovery endpoints answer over
//! HTTPS 443 (`net.outbound`, in `net/outbound.rs`). Every proxy URL reaches a finding through `Display` of
//! [`ProxyUrl`] or [`crate::parse::proxy_url::Redacted`], which hide passwords; fixes are built
//! from host and port only.

mod outbound;

use crate::facts::FactError;
use std::collections::BTreeSet;

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::proxy::{self, ProxyFacts, ProxySetting, ProxySource, SourceKind, SourceState};
use crate::parse::proxy_url::{self, ProxyUrl};
use crate::scenario::Scenario;

const PROXY_REFERENCE: &str = "seeds/003 (networking guidance for Azure-to-Azure replication, 2017-05-13), note on authenticated proxies; seeds/000 (prerequisites, 2016-12-11), Hyper-V sections, \"HTTPS based proxy is not supported\"; reference/asr-matrix.md section 6 (PROXY: the agent reads http_proxy/no_proxy from /etc/profile or /etc/environment and keeps them in ProxyInfo.conf, whose bypass list takes no wildcards)";
const OUTBOUND_REFERENCE: &str = "seeds/003 (networking guidance for Azure-to-Azure replication, 2017-05-13), section \"Outbound connectivity for Azure Site Recovery URLs\"; reference/asr-matrix.md section 6 (A2A outbound URLs, all HTTPS 443)";

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "net.proxy",
        title: "Proxy is one Site Recovery supports",
        applies: Applies::All,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "If the machine reaches Azure through a proxy, that proxy must accept the agent without a user name or password, and the agent must talk to it in plain HTTP (an https:// proxy address is not accepted). The proxy should be set where the agent reads it, the same everywhere, and its bypass list must name domains rather than wildcard patterns.",
            why: "With an authenticated proxy, replication cannot be enabled at all; an HTTPS proxy is not supported by Site Recovery's components. The agent picks up http_proxy/no_proxy from /etc/environment or /etc/profile (or its own ProxyInfo.conf), not from an administrator's shell, so a proxy set only there is invisible to it; a wildcard in its bypass list is not understood, so the hosts it was meant to exempt still go to the proxy.",
            fix: "Let the proxy pass the Site Recovery URLs without authentication and write it as http://HOST:PORT without credentials in /etc/environment (and in /usr/local/InMage/config/ProxyInfo.conf as [proxy] Address=http://HOST, Port=PORT when the agent is installed); write bypass entries as domains (windows.net, not *.windows.net).",
            reference: PROXY_REFERENCE,
            prevents: &[
                "151072 (replication through an on-premises proxy failed)",
                "151037 (outbound URLs or proxy invalid)",
                "configuration server TLS error (35) behind an authenticated proxy",
            ],
        },
        codes: &[
            Code::fail(
                "authenticated-proxy",
                "a proxy setting carries a user name or password",
            ),
            Code::fail("https-proxy", "a proxy is reached over https://"),
            Code::warn("bad-proxy-url", "a proxy setting is not a usable URL"),
            Code::warn(
                "unsupported-scheme",
                "a proxy uses a scheme other than http:// (socks, ...)",
            ),
            Code::warn(
                "wildcard-bypass",
                "a bypass list uses wildcard patterns the agent does not understand",
            ),
            Code::warn(
                "sources-disagree",
                "the proxy sources name different proxies",
            ),
            Code::warn(
                "agent-file-no-proxy",
                "the agent's ProxyInfo.conf names no proxy while a system file does",
            ),
            Code::warn(
                "environment-only",
                "the proxy is set only in this run's environment, which the agent never reads",
            ),
            Code::error("cannot-read", "a proxy source could not be read"),
        ],
        run: check_proxy,
    },
    CheckDef {
        id: "net.outbound",
        title: "Site Recovery endpoints reachable over HTTPS 443",
        applies: Applies::All,
        live_only: true,
        online_only: true,
        doc: Doc {
            requirement: "The machine must be able to open HTTPS connections on port 443 to the Site Recovery endpoints of its scenario: the cache storage accounts (*.blob.core.windows.net), the sign-in service (login.microsoftonline.com), the Site Recovery service (*.hypervrecoverymanager.windowsazure.com) and Service Bus (*.servicebus.windows.net), directly or through its unauthenticated proxy, with certificates the system trusts.",
            why: "The agent writes replicated data to the cache storage account, signs in, talks to the service and reports its health over these connections; if a name does not resolve, a firewall drops the traffic, the proxy asks for credentials, or something re-signs the TLS traffic, enabling replication fails or replication stalls.",
            fix: "Allow outbound TCP 443 to these URLs (or the service tags Storage, AzureActiveDirectory, AzureSiteRecovery and EventHub) in NSGs and firewalls, make DNS resolve them, let the proxy pass them without authentication, and exempt them from TLS inspection.",
            reference: OUTBOUND_REFERENCE,
            prevents: &[
                "151037",
                "151072",
                "151195 (name resolution)",
                "151196 (no path to login.microsoftonline.com)",
                "151197 (no path to the Site Recovery service)",
                "151066 (trusted roots missing)",
            ],
        },
        codes: &[
            Code::fail("name-not-resolved", "an endpoint's name does not resolve"),
            Code::warn(
                "representative-not-resolved",
                "the host name tried for a wildcard entry does not resolve (it may not exist)",
            ),
            Code::fail("dns-timeout", "the DNS servers did not answer in time"),
            Code::fail(
                "unreachable",
                "no TCP connection to an endpoint (timed out, refused or no route)",
            ),
            Code::fail(
                "proxy-auth-required",
                "the proxy asks for credentials Site Recovery cannot give",
            ),
            Code::fail(
                "proxy-refused",
                "the proxy refuses to CONNECT to the endpoint",
            ),
            Code::fail(
                "proxy-unusable",
                "the proxy is not a plain HTTP proxy, so it was not tried",
            ),
            Code::fail(
                "untrusted-issuer",
                "an endpoint's certificate chains to no CA the system trusts",
            ),
            Code::fail(
                "bad-certificate",
                "an endpoint's certificate is invalid (expired, wrong name, bad clock)",
            ),
            Code::fail("tls-failed", "the TLS connection was cut or refused"),
            Code::error(
                "no-ca-bundle",
                "the system has no CA bundle to verify certificates with",
            ),
            Code::warn(
                "unexpected-issuer",
                "a certificate is issued by a CA the endpoint does not use: TLS inspection",
            ),
            Code::warn(
                "optional-endpoint-failed",
                "an endpoint needed only in some setups could not be reached",
            ),
            Code::warn(
                "dated-address-failed",
                "a Site Recovery address of the matrix's dated regional table could not be reached",
            ),
            Code::warn(
                "outside-service-tags",
                "a name resolved to an address in no prefix of the Service Tags file",
            ),
        ],
        run: outbound::check_outbound,
    },
];

// ---------------------------------------------------------------------------------------------
// net.proxy

/// A problem found, with the fix for it.
struct Problem {
    status: Status,
    code: &'static str,
    text: String,
    fix: String,
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

/// How the agent's bypass variable is called in a source.
fn bypass_var(s: &ProxySource) -> &'static str {
    match s.kind {
        SourceKind::AgentFile => "BypassList",
        _ if s.name == proxy::SYSCONFIG_PROXY => "NO_PROXY",
        _ => "no_proxy",
    }
}

/// The settings of every source, one detail line each.
fn describe_sources(facts: &ProxyFacts) -> Vec<String> {
    let mut out = Vec::new();
    let mut quiet_scripts = 0usize;
    for s in &facts.sources {
        match &s.state {
            SourceState::Absent => {
                if !s.name.starts_with("/etc/profile.d/") {
                    out.push(format!("{}: not present", s.name));
                }
            }
            SourceState::Unreadable(e) => out.push(format!("{}: could not be read: {e}", s.name)),
            SourceState::Read if !s.says_anything() => {
                if s.name.starts_with("/etc/profile.d/") {
                    quiet_scripts += 1;
                } else {
                    out.push(format!("{}: sets no proxy", s.name));
                }
            }
            SourceState::Read => {
                let mut parts = Vec::new();
                for p in &s.proxies {
                    parts.push(format!("{}={}{}", p.var, p.raw, line_suffix(p.line)));
                }
                for b in &s.bypass {
                    parts.push(format!(
                        "{}={}{}",
                        b.var,
                        crate::text::sanitize_terminal(&b.entries.join(",")),
                        line_suffix(b.line)
                    ));
                }
                let off = s
                    .disabled
                    .as_ref()
                    .map(|d| format!(" [not in effect: {d}]"))
                    .unwrap_or_default();
                out.push(format!("{}: {}{off}", s.name, parts.join("; ")));
            }
        }
    }
    if quiet_scripts > 0 {
        out.push(format!(
            "{}: {quiet_scripts} script(s) read, none sets a proxy",
            proxy::PROFILE_D
        ));
    }
    out
}

fn judge_proxies(facts: &ProxyFacts) -> Vec<Problem> {
    let mut problems = Vec::new();
    let active: Vec<&ProxySource> = facts.sources.iter().filter(|s| s.is_active()).collect();
    for s in &active {
        for p in &s.proxies {
            problems.extend(url_problems(s, p));
        }
        // The agent never reads this run's environment, so a bypass list there does not matter.
        if s.kind != SourceKind::Environment {
            problems.extend(bypass_problems(s));
        }
    }
    problems.extend(agreement_problems(facts, &active));
    problems
}

/// What is wrong with one proxy setting on its own: unparsable, authenticated, HTTPS, not HTTP.
fn url_problems(s: &ProxySource, p: &ProxySetting) -> Vec<Problem> {
    let mut problems = Vec::new();
    match &p.parsed {
        Err(e) => problems.push(Problem {
            status: Status::Warn,
            code: "bad-proxy-url",
            text: format!("{}: {} is not a usable proxy URL: {e}", s.name, p.var),
            fix: format!(
                "Correct {} in {}: it must read like `{}=http://HOST:PORT`.",
                p.var, s.name, p.var
            ),
        }),
        Ok(u) => {
            if u.has_credentials() {
                problems.push(Problem {
                    status: Status::Fail,
                    code: "authenticated-proxy",
                    text: format!(
                        "{}: {} is an authenticated proxy ({u}); Site Recovery supports only proxies without authentication",
                        s.name, p.var
                    ),
                    fix: format!(
                        "Have the proxy let the Site Recovery URLs through without authentication, then remove the credentials in {}: `{}`.",
                        s.name,
                        assignment(s, &p.var, u)
                    ),
                });
            }
            if u.is_https() {
                problems.push(Problem {
                    status: Status::Fail,
                    code: "https-proxy",
                    text: format!(
                        "{}: {} reaches the proxy over HTTPS ({u}); HTTPS proxies are not supported",
                        s.name, p.var
                    ),
                    fix: format!(
                        "Use the proxy's plain HTTP address in {}: `{}` (with the port the proxy serves plain HTTP on).",
                        s.name,
                        assignment(s, &p.var, u)
                    ),
                });
            } else if !matches!(u.scheme.as_str(), "http") {
                problems.push(Problem {
                    status: Status::Warn,
                    code: "unsupported-scheme",
                    text: format!(
                        "{}: {} is a {}:// proxy ({u}); the agent speaks only to HTTP proxies",
                        s.name, p.var, u.scheme
                    ),
                    fix: format!(
                        "Use an HTTP proxy in {}: `{}`.",
                        s.name,
                        assignment(s, &p.var, u)
                    ),
                });
            }
        }
    }
    problems
}

/// Bypass lists with wildcards, which the agent does not understand.
fn bypass_problems(s: &ProxySource) -> Vec<Problem> {
    let mut problems = Vec::new();
    for b in &s.bypass {
        let wild: Vec<&String> = b
            .entries
            .iter()
            .filter(|e| proxy_url::is_wildcard(e))
            .collect();
        if wild.is_empty() {
            continue;
        }
        let fixed: Vec<String> = b
            .entries
            .iter()
            .map(|e| proxy_url::without_wildcard(e))
            .filter(|e| !e.is_empty())
            .collect();
        problems.push(Problem {
            status: Status::Warn,
            code: "wildcard-bypass",
            text: format!(
                "{}: {} uses wildcards ({}), which the agent's bypass list does not understand",
                s.name,
                b.var,
                crate::text::sanitize_terminal(
                    &wild
                        .iter()
                        .map(|w| w.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            ),
            fix: format!(
                "Name domains instead of patterns in {} (a domain covers its subdomains): `{}={}`.",
                s.name,
                bypass_var(s),
                crate::text::sanitize_terminal(&fixed.join(","))
            ),
        });
    }
    problems
}

/// Problems between sources: they disagree, the agent's file names none while the system does,
/// or only this run's environment has a proxy.
fn agreement_problems(facts: &ProxyFacts, active: &[&ProxySource]) -> Vec<Problem> {
    // Which proxy each active source gives, to compare them.
    let mut given: Vec<(&ProxySource, &ProxyUrl)> = Vec::new();
    for s in active {
        if let Some((_, u)) = s.primary() {
            given.push((s, u));
        }
    }
    let agent_file = active
        .iter()
        .find(|s| s.kind == SourceKind::AgentFile && s.primary().is_none());
    let files_with_proxy: Vec<&(&ProxySource, &ProxyUrl)> = given
        .iter()
        .filter(|(s, _)| s.kind != SourceKind::Environment)
        .collect();
    let mut problems = Vec::new();
    problems.extend(disagreement(&given));
    if let Some(agent) = agent_file
        && let Some((s, u)) = files_with_proxy.first()
    {
        problems.push(agent_file_without_proxy(agent, s, u));
    }
    if let Some((_, u)) = given
        .iter()
        .find(|(s, _)| s.kind == SourceKind::Environment)
        && files_with_proxy.is_empty()
    {
        problems.push(environment_only(facts, u));
    }
    problems
}

/// The sources name more than one proxy: the fix sets the one the agent would use everywhere.
fn disagreement(given: &[(&ProxySource, &ProxyUrl)]) -> Option<Problem> {
    let keys: BTreeSet<String> = given.iter().map(|(_, u)| u.key()).collect();
    if keys.len() <= 1 {
        return None;
    }
    // The proxy the agent would use: its own file first, else the system files.
    let agent_proxy = given
        .iter()
        .find(|(s, _)| s.kind == SourceKind::AgentFile)
        .or_else(|| given.iter().find(|(s, _)| s.kind == SourceKind::SystemFile))
        .map(|(_, u)| *u);
    let listed: Vec<String> = given
        .iter()
        .map(|(s, u)| format!("{}: {u}", s.name))
        .collect();
    let target = agent_proxy.or(given.first().map(|(_, u)| *u));
    Some(Problem {
        status: Status::Warn,
        code: "sources-disagree",
        text: format!("the proxy sources disagree: {}", listed.join("; ")),
        fix: match target {
            Some(u) => format!(
                "Set one proxy everywhere: `http_proxy={}` in /etc/environment and /etc/profile, and `[proxy]` `Address=http://{}` `Port={}` in {} when the agent is installed (a different proxy for the agent alone is possible there, but then the other sources should not name another one).",
                u.without_credentials(),
                host_for_address(u),
                u.effective_port(),
                proxy::PROXY_INFO
            ),
            None => "Set the same proxy in every source.".into(),
        },
    })
}

/// The agent's own file names no proxy while system file `s` names `u`.
fn agent_file_without_proxy(agent: &ProxySource, s: &ProxySource, u: &ProxyUrl) -> Problem {
    Problem {
        status: Status::Warn,
        code: "agent-file-no-proxy",
        text: format!(
            "{} names no proxy, so the agent connects directly, while {} names {u}",
            agent.name, s.name
        ),
        fix: format!(
            "If this machine needs the proxy, add it to {}: `[proxy]` `Address=http://{}` `Port={}`.",
            proxy::PROXY_INFO,
            host_for_address(u),
            u.effective_port()
        ),
    }
}

/// Only this run's environment names proxy `u`: the agent does not read it.
fn environment_only(facts: &ProxyFacts, u: &ProxyUrl) -> Problem {
    let bypass: Vec<String> = facts
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Environment)
        .flat_map(|s| s.bypass_entries())
        .collect();
    Problem {
        status: Status::Warn,
        code: "environment-only",
        text: format!(
            "the proxy {u} is set only in {}; the agent reads /etc/environment, /etc/profile or its ProxyInfo.conf and would connect directly",
            proxy::ENV_NAME
        ),
        fix: format!(
            "Make the proxy system-wide: add `http_proxy={}`{} to /etc/environment.",
            u.without_credentials(),
            if bypass.is_empty() {
                String::new()
            } else {
                format!(
                    " and `no_proxy={}`",
                    crate::text::sanitize_terminal(
                        &bypass
                            .iter()
                            .map(|e| proxy_url::without_wildcard(e))
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                )
            }
        ),
    }
}

/// `http://1.2.3.4` as ProxyInfo.conf's Address wants the host (brackets for IPv6).
fn host_for_address(u: &ProxyUrl) -> String {
    if u.host.contains(':') {
        format!("[{}]", u.host)
    } else {
        u.host.clone()
    }
}

/// The corrected line for a setting, in the syntax of its source, without credentials.
fn assignment(s: &ProxySource, var: &str, u: &ProxyUrl) -> String {
    match s.kind {
        SourceKind::AgentFile => format!(
            "Address=http://{}` and `Port={}",
            host_for_address(u),
            u.effective_port()
        ),
        _ => format!("{var}={}", u.without_credentials()),
    }
}

fn check_proxy(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let f = judge_proxy(ctx);
    if !matches!(
        ctx.scenario,
        Scenario::HypervToAzure | Scenario::HypervVmmToAzure | Scenario::HypervVmmToSite
    ) {
        return Ok(f);
    }
    // No Site Recovery component runs in a Hyper-V guest: the seed's proxy rules are those of
    // the Provider and agent on the Hyper-V host or VMM server. The guest's settings are only
    // reported.
    let mut details = vec![format!(
        "the guest's own settings would give: {} ({})",
        f.summary,
        f.status.as_str()
    )];
    details.extend(f.details);
    if let Some(r) = f.remediation {
        details.push(format!("if this machine's settings matter elsewhere: {r}"));
    }
    Ok(Finding {
        status: Status::Pass,
        summary: format!(
            "{}: the proxy rules apply to the Hyper-V host or VMM server's Provider and agent, not to this guest; its settings are reported only",
            ctx.scenario.as_str()
        ),
        details,
        remediation: None,
        if_advice: None,
        code: None,
        problems: Vec::new(),
    })
}

fn judge_proxy(ctx: &Context<'_>) -> Finding {
    let facts = ctx.facts.proxy();
    let problems = judge_proxies(facts);
    let errors: Vec<&ProxySource> = facts
        .sources
        .iter()
        .filter(|s| matches!(s.state, SourceState::Unreadable(_)))
        .collect();
    let worst = problems.iter().map(|p| p.status).min();
    let summary = if worst == Some(Status::Fail) {
        let n = problems.iter().filter(|p| p.status == Status::Fail).count();
        let what = if problems
            .iter()
            .any(|p| p.status == Status::Fail && p.text.contains("authenticated"))
        {
            "an authenticated proxy"
        } else {
            "an HTTPS proxy"
        };
        Finding::fail(format!(
            "{what} is configured, which Site Recovery does not support ({n} setting(s))"
        ))
    } else if !errors.is_empty() {
        Finding::error(format!(
            "could not read every proxy source ({})",
            errors
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .code("cannot-read")
    } else if worst == Some(Status::Warn) {
        let n = problems.len();
        Finding::warn(format!(
            "the proxy configuration has {n} problem(s) the agent may trip over"
        ))
    } else {
        Finding::pass(pass_summary(facts))
    };
    with_proxy_problems(ctx, summary, &problems)
}

/// What the proxy check says when nothing is wrong: the proxy the agent would use, if any.
fn pass_summary(facts: &ProxyFacts) -> String {
    let agent_view = facts
        .sources
        .iter()
        .filter(|s| s.is_active() && s.kind != SourceKind::Environment)
        .find_map(|s| s.primary().map(|(_, u)| (s.name.clone(), u.clone())));
    match agent_view {
        Some((name, u)) => format!("unauthenticated HTTP proxy {u} (from {name})"),
        None if facts
            .sources
            .iter()
            .any(|s| s.kind == SourceKind::Environment && s.primary().is_some()) =>
        {
            // Only reachable when files and environment agree, so the env-only warning did not fire.
            "the proxy in this run's environment is unauthenticated HTTP".into()
        }
        None => "no proxy is configured: the agent connects directly".into(),
    }
}

/// Completes the proxy verdict: every problem is a coded line (the summary names the first of
/// its status), then the problems, the sources and the mode as details, and the fixes joined.
fn with_proxy_problems(ctx: &Context<'_>, f: Finding, problems: &[Problem]) -> Finding {
    let first = problems
        .iter()
        .find(|p| p.status == f.status)
        .map(|p| p.code);
    let f = match first {
        Some(c) => f.code(c),
        None => f,
    };
    let f = problems
        .iter()
        .fold(f, |f, p| f.problem(p.status, p.code, p.text.clone()));
    let f = f
        .details(problems.iter().map(|p| p.text.clone()))
        .details(describe_sources(ctx.facts.proxy()));
    let f = if ctx.facts.is_live() {
        f
    } else {
        f.detail(
            "--root: the image's files only; the environment of this run is not part of the image",
        )
    };
    let fixes: Vec<String> = dedup(problems.iter().map(|p| p.fix.clone()));
    if fixes.is_empty() {
        f
    } else {
        f.fix(fixes.join(" "))
    }
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::checks::{CheckOptions, evaluate};
    use crate::facts::{Facts, Sources};
    use crate::matrix;
    use crate::probe::FakeProbe;
    use crate::root::Root;
    use crate::scenario::Scenario;
    use crate::testutil::tree;
    use std::fs;

    pub(super) fn run(
        id: &str,
        dir: &tempfile::TempDir,
        probe: Option<FakeProbe>,
        options: CheckOptions,
        scenario: Scenario,
    ) -> Finding {
        let m = matrix::load("asr-2026").unwrap();
        let targets = crate::facts::Targets {
            scenario: Some(scenario),
            outbound: crate::outbound_plan::Request::new(&m, &options),
            ..Default::default()
        };
        let facts = Facts::with_targets(
            Sources {
                root: Root::image(dir.path()).unwrap(),
                probe: probe.map(|p| Box::new(p) as Box<dyn crate::probe::Probe>),
            },
            targets,
        );
        let all = matrix::builtins();
        let ctx = Context {
            facts: &facts,
            scenario,
            matrix: &m,
            all_matrices: &all,
            options: &options,
        };
        evaluate(crate::checks::find(id).unwrap(), &ctx)
    }

    fn proxy_finding(files: &[(&str, &str)], env: &[(&str, &str)]) -> Finding {
        let dir = tree(files);
        let probe = FakeProbe::new("5.14.0", "h").with_env(env);
        run(
            "net.proxy",
            &dir,
            Some(probe),
            CheckOptions::default(),
            Scenario::AzureToAzure,
        )
    }

    pub(super) fn all_text(f: &Finding) -> String {
        format!(
            "{} {} {}",
            f.summary,
            f.details.join("\n"),
            f.remediation.clone().unwrap_or_default()
        )
    }

    /// No proxy anywhere passes and names every source it looked at.
    #[test]
    fn no_proxy_passes() {
        let f = proxy_finding(&[], &[]);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        let t = all_text(&f);
        for src in [
            proxy::ENV_NAME,
            "/etc/environment",
            "/etc/profile",
            "/etc/sysconfig/proxy",
            proxy::PROXY_INFO,
        ] {
            assert!(t.contains(src), "{src} not named: {t}");
        }
    }

    /// Credentials fail, are never shown, and the fix writes the URL without them.
    #[test]
    fn credentials_fail_redacted() {
        let f = proxy_finding(
            &[(
                "/etc/environment",
                "http_proxy=http://alice:Tr0ub4dor@p:3128\n",
            )],
            &[],
        );
        assert_eq!(f.status, Status::Fail, "{f:?}");
        let t = all_text(&f);
        assert!(!t.contains("Tr0ub4dor"), "{t}");
        assert!(t.contains("alice:***@p:3128"), "{t}");
        assert!(t.contains("http_proxy=http://p:3128"), "{t}");
    }

    /// An https:// proxy fails; a disabled sysconfig proxy is shown but not judged.
    #[test]
    fn https_proxy_fails_disabled_ignored() {
        let f = proxy_finding(
            &[("/etc/profile.d/p.sh", "export https_proxy=https://p:8443\n")],
            &[],
        );
        assert_eq!(f.status, Status::Fail);
        assert!(f.summary.contains("HTTPS"), "{}", f.summary);
        let f = proxy_finding(
            &[(
                "/etc/sysconfig/proxy",
                "PROXY_ENABLED=\"no\"\nHTTP_PROXY=\"https://u:pw@p:1\"\n",
            )],
            &[],
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(all_text(&f).contains("not in effect"));
    }

    /// Wildcards in the agent's bypass list warn, with the list rewritten without them.
    #[test]
    fn wildcard_bypass_warns() {
        let f = proxy_finding(
            &[(
                "/usr/local/InMage/config/ProxyInfo.conf",
                "[proxy]\nAddress=http://10.0.0.5\nPort=3128\nBypassList=*.windows.net,login.microsoftonline.com\n",
            )],
            &[],
        );
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(
            f.remediation
                .unwrap()
                .contains("BypassList=windows.net,login.microsoftonline.com")
        );
    }

    /// Sources naming different proxies warn and are all listed.
    #[test]
    fn disagreement_warns() {
        let f = proxy_finding(
            &[
                ("/etc/environment", "http_proxy=http://a:3128\n"),
                ("/etc/profile", "export http_proxy=http://b:3128\n"),
            ],
            &[],
        );
        assert_eq!(f.status, Status::Warn, "{f:?}");
        let t = all_text(&f);
        assert!(
            t.contains("disagree") && t.contains("http://a:3128") && t.contains("http://b:3128"),
            "{t}"
        );
        // The same proxy written differently is agreement.
        let f = proxy_finding(
            &[
                ("/etc/environment", "http_proxy=http://A:3128/\n"),
                ("/etc/profile", "export http_proxy=a:3128\n"),
            ],
            &[],
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
    }

    /// A proxy only in this run's environment warns that the agent would not see it.
    #[test]
    fn environment_only_warns() {
        let f = proxy_finding(
            &[],
            &[("https_proxy", "http://p:3128"), ("no_proxy", "*.corp")],
        );
        assert_eq!(f.status, Status::Warn, "{f:?}");
        let t = all_text(&f);
        assert!(t.contains("only in the environment of this run"), "{t}");
        assert!(
            f.remediation
                .unwrap()
                .contains("http_proxy=http://p:3128` and `no_proxy=corp` to /etc/environment")
        );
        // Environment and files agreeing is fine.
        let f = proxy_finding(
            &[("/etc/environment", "http_proxy=http://p:3128\n")],
            &[("http_proxy", "http://p:3128")],
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
    }

    /// An unreadable source is an error unless something already fails.
    #[test]
    fn unreadable_is_error() {
        let dir = tree(&[]);
        fs::create_dir_all(dir.path().join("etc/environment")).unwrap();
        let f = run(
            "net.proxy",
            &dir,
            None,
            CheckOptions::default(),
            Scenario::AzureToAzure,
        );
        assert_eq!(f.status, Status::Error, "{f:?}");
    }
}
