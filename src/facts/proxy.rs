//! Where a proxy can be configured on a Linux guest, source by source: this run's own
//! environment (live mode only), `/etc/environment`, `/etc/profile` and `/etc/profile.d/*.sh`
//! (plain assignments and exports read as text, never executed), SLES's `/etc/sysconfig/proxy`,
//! and the Mobility service agent's `/usr/local/InMage/config/ProxyInfo.conf`. Every value that
//! may hold credentials is kept as [`Redacted`].
//!
//! Also decides which proxy `net.outbound` connects through: this run's environment when it sets
//! any proxy variable (as curl would), else the agent's ProxyInfo.conf, else the system files.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::parse::proxy_info;
use crate::parse::proxy_url::{self, ProxyUrl, ProxyUrlError, Redacted};
use crate::parse::shell_vars;
use crate::probe::Probe;
use crate::root::{FileKind, Root};
use crate::text::escape_bytes;

pub const ENV_NAME: &str = "the environment of this run";
pub const ETC_ENVIRONMENT: &str = "/etc/environment";
pub const ETC_PROFILE: &str = "/etc/profile";
pub const PROFILE_D: &str = "/etc/profile.d";
pub const SYSCONFIG_PROXY: &str = "/etc/sysconfig/proxy";
pub const PROXY_INFO: &str = "/usr/local/InMage/config/ProxyInfo.conf";

/// Proxy variables of shell environments, in the order a lookup for HTTPS traffic prefers them.
const PROXY_VARS: &[&str] = &["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"];
const BYPASS_VARS: &[&str] = &["no_proxy", "NO_PROXY"];

/// What kind of place a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// The tool's own environment: what an interactive shell has, not what the agent reads.
    Environment,
    /// A file the agent reads, or that the login shell it runs under reads.
    SystemFile,
    /// The agent's own proxy file: when present, it is what the agent uses.
    AgentFile,
}

/// Whether a source could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceState {
    Absent,
    Unreadable(String),
    Read,
}

/// One proxy setting: a variable (or ProxyInfo field) and its value.
#[derive(Debug, Clone)]
pub struct ProxySetting {
    pub var: String,
    pub line: Option<usize>,
    pub raw: Redacted,
    pub parsed: Result<ProxyUrl, ProxyUrlError>,
}

/// A bypass list setting.
#[derive(Debug, Clone)]
pub struct BypassSetting {
    pub var: String,
    pub line: Option<usize>,
    pub entries: Vec<String>,
}

/// Everything one source says.
#[derive(Debug, Clone)]
pub struct ProxySource {
    /// The path, or [`ENV_NAME`].
    pub name: String,
    pub kind: SourceKind,
    pub state: SourceState,
    pub proxies: Vec<ProxySetting>,
    pub bypass: Vec<BypassSetting>,
    /// Why the settings are not in effect (`PROXY_ENABLED="no"`).
    pub disabled: Option<String>,
}

impl ProxySource {
    fn new(name: impl Into<String>, kind: SourceKind) -> ProxySource {
        ProxySource {
            name: name.into(),
            kind,
            state: SourceState::Absent,
            proxies: Vec::new(),
            bypass: Vec::new(),
            disabled: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.state == SourceState::Read && self.disabled.is_none()
    }

    /// Whether this source says anything about proxies at all.
    pub fn says_anything(&self) -> bool {
        !self.proxies.is_empty() || !self.bypass.is_empty()
    }

    /// The proxy this source gives HTTPS traffic: the first parsable setting in preference order.
    pub fn primary(&self) -> Option<(&ProxySetting, &ProxyUrl)> {
        for var in PROXY_VARS.iter().copied().chain(["Address"]) {
            if let Some(s) = self.proxies.iter().find(|s| s.var == var)
                && let Ok(u) = &s.parsed
            {
                return Some((s, u));
            }
        }
        self.proxies
            .iter()
            .find_map(|s| s.parsed.as_ref().ok().map(|u| (s, u)))
    }

    /// Every bypass entry of this source.
    pub fn bypass_entries(&self) -> Vec<String> {
        self.bypass.iter().flat_map(|b| b.entries.clone()).collect()
    }
}

/// Every source, in a fixed order.
#[derive(Debug, Clone, Default)]
pub struct ProxyFacts {
    pub sources: Vec<ProxySource>,
}

/// The proxy `net.outbound` goes through, and where it came from.
#[derive(Debug, Clone)]
pub struct OutboundProxy {
    pub url: ProxyUrl,
    pub source: String,
    pub var: String,
    pub bypass: Vec<String>,
}

impl ProxyFacts {
    /// Which proxy this run connects through, and why (`None`: direct).
    pub fn outbound_choice(&self) -> (Option<OutboundProxy>, String) {
        let pick = |s: &ProxySource| {
            s.primary().map(|(set, url)| OutboundProxy {
                url: url.clone(),
                source: s.name.clone(),
                var: set.var.clone(),
                bypass: s.bypass_entries(),
            })
        };
        if let Some(env) = self
            .sources
            .iter()
            .find(|s| s.kind == SourceKind::Environment && s.says_anything())
        {
            return match pick(env) {
                Some(p) => (Some(p), format!("the proxy of {ENV_NAME}")),
                None => (None, format!("direct: {ENV_NAME} sets no usable proxy")),
            };
        }
        if let Some(agent) = self
            .sources
            .iter()
            .find(|s| s.kind == SourceKind::AgentFile && s.is_active() && s.says_anything())
        {
            return match pick(agent) {
                Some(p) => (Some(p), "the agent's own proxy file".to_string()),
                None => (None, format!("direct: {PROXY_INFO} names no usable proxy")),
            };
        }
        for s in self
            .sources
            .iter()
            .filter(|s| s.kind == SourceKind::SystemFile && s.is_active())
        {
            if let Some(p) = pick(s) {
                return (Some(p), "the system's proxy files".to_string());
            }
        }
        (None, "direct: no proxy is configured".to_string())
    }
}

/// Gathers every source: the environment only when `probe` is there (live mode).
pub fn gather(root: &Root, probe: Option<&dyn Probe>) -> ProxyFacts {
    let mut sources = Vec::new();
    if let Some(probe) = probe {
        sources.push(from_env(&probe.env_vars()));
    }
    sources.push(shell_file(root, ETC_ENVIRONMENT));
    sources.push(shell_file(root, ETC_PROFILE));
    sources.extend(profile_d(root));
    sources.push(sysconfig(root));
    sources.push(agent_file(root));
    ProxyFacts { sources }
}

fn setting(var: &str, line: Option<usize>, value: &str) -> ProxySetting {
    // A `;` ending a value comes from `export x=...;` one-liners, not from the URL.
    let value = value.trim().trim_end_matches(';');
    ProxySetting {
        var: var.to_string(),
        line,
        raw: Redacted::new(value),
        parsed: proxy_url::parse(value),
    }
}

fn from_env(vars: &[(std::ffi::OsString, std::ffi::OsString)]) -> ProxySource {
    let mut s = ProxySource::new(ENV_NAME, SourceKind::Environment);
    s.state = SourceState::Read;
    for name in PROXY_VARS.iter().chain(BYPASS_VARS) {
        let Some((_, value)) = vars.iter().find(|(k, _)| k.as_bytes() == name.as_bytes()) else {
            continue;
        };
        // Non-UTF-8 bytes are kept visible as escapes; such a value never parses as a URL.
        let value = match value.to_str() {
            Some(v) => v.to_string(),
            None => escape_bytes(value.as_bytes()),
        };
        if value.trim().is_empty() {
            continue; // set but empty means unset, as curl reads it
        }
        if BYPASS_VARS.contains(name) {
            s.bypass.push(BypassSetting {
                var: name.to_string(),
                line: None,
                entries: proxy_url::parse_bypass(&value),
            });
        } else {
            s.proxies.push(setting(name, None, &value));
        }
    }
    s
}

/// Reads a file that may be absent into a source's state.
fn read(root: &Root, path: &str, source: &mut ProxySource) -> Option<String> {
    match root.read_optional(Path::new(path)) {
        Ok(Some(t)) => {
            source.state = SourceState::Read;
            Some(t)
        }
        Ok(None) => None,
        Err(e) => {
            source.state = SourceState::Unreadable(e.to_string());
            None
        }
    }
}

/// A shell-syntax file: the proxy variables it assigns or exports, with `$var` references to
/// variables assigned earlier in the same file resolved (nothing else is expanded).
fn shell_file(root: &Root, path: &str) -> ProxySource {
    let mut s = ProxySource::new(path, SourceKind::SystemFile);
    if let Some(text) = read(root, path, &mut s) {
        fill_from_shell(&mut s, &text);
    }
    s
}

fn fill_from_shell(s: &mut ProxySource, text: &str) {
    let vars = shell_vars::parse(text);
    for (i, a) in vars.iter().enumerate() {
        let is_proxy = PROXY_VARS.contains(&a.key.as_str());
        let is_bypass = BYPASS_VARS.contains(&a.key.as_str());
        if !is_proxy && !is_bypass {
            continue;
        }
        let value = resolve_reference(&vars[..i], &a.value);
        if value.trim().is_empty() {
            continue;
        }
        // The whole line as written, too: an unquoted value with blanks ends at the first one
        // for a shell, but pam_env keeps the rest, and the credentials may be in either part.
        if let Some((_, raw)) = text
            .lines()
            .nth(a.line.saturating_sub(1))
            .and_then(|l| l.split_once('='))
        {
            crate::secrets::note_value(raw.trim());
        }
        // A later assignment to the same variable replaces an earlier one, as in a shell.
        s.proxies.retain(|p| p.var != a.key);
        s.bypass.retain(|b| b.var != a.key);
        if is_bypass {
            s.bypass.push(BypassSetting {
                var: a.key.clone(),
                line: Some(a.line),
                entries: proxy_url::parse_bypass(&value),
            });
        } else {
            s.proxies.push(setting(&a.key, Some(a.line), &value));
        }
    }
}

/// `$name` or `${name}` alone, naming a variable assigned before: its value. Anything else as is.
fn resolve_reference(before: &[shell_vars::Assignment], value: &str) -> String {
    let name = value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| value.strip_prefix('$'));
    match name {
        Some(n) if n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            shell_vars::get(before, n)
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string())
        }
        _ => value.to_string(),
    }
}

fn profile_d(root: &Root) -> Vec<ProxySource> {
    let entries = match root.read_dir_optional(Path::new(PROFILE_D)) {
        Ok(e) => e,
        Err(e) => {
            let mut s = ProxySource::new(PROFILE_D, SourceKind::SystemFile);
            s.state = SourceState::Unreadable(e.to_string());
            return vec![s];
        }
    };
    entries
        .into_iter()
        .filter(|e| e.name.as_bytes().ends_with(b".sh"))
        .filter(|e| matches!(e.kind, FileKind::File | FileKind::Symlink))
        .map(|e| {
            let path = PathBuf::from(PROFILE_D).join(&e.name);
            let shown = escape_bytes(path.as_os_str().as_bytes());
            let mut s = ProxySource::new(shown, SourceKind::SystemFile);
            match root.read_optional(&path) {
                Ok(Some(t)) => {
                    s.state = SourceState::Read;
                    fill_from_shell(&mut s, &t);
                }
                Ok(None) => {} // a dangling link
                Err(err) => s.state = SourceState::Unreadable(err.to_string()),
            }
            s
        })
        .collect()
}

/// SLES: `PROXY_ENABLED`, `HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`.
fn sysconfig(root: &Root) -> ProxySource {
    let mut s = ProxySource::new(SYSCONFIG_PROXY, SourceKind::SystemFile);
    let Some(text) = read(root, SYSCONFIG_PROXY, &mut s) else {
        return s;
    };
    let vars = shell_vars::parse(&text);
    for a in &vars {
        match a.key.as_str() {
            "HTTP_PROXY" | "HTTPS_PROXY" if !a.value.trim().is_empty() => {
                s.proxies.push(setting(&a.key, Some(a.line), &a.value));
            }
            "NO_PROXY" if !a.value.trim().is_empty() => s.bypass.push(BypassSetting {
                var: a.key.clone(),
                line: Some(a.line),
                entries: proxy_url::parse_bypass(&a.value),
            }),
            _ => {}
        }
    }
    // Later assignments win: keep the last of each variable.
    dedup_last(&mut s);
    match shell_vars::get(&vars, "PROXY_ENABLED") {
        Some(v) if v.eq_ignore_ascii_case("yes") => {}
        Some(v) => {
            s.disabled = Some(format!(
                "PROXY_ENABLED=\"{}\"",
                crate::text::sanitize_terminal(v)
            ))
        }
        None => s.disabled = Some("PROXY_ENABLED is not set".into()),
    }
    s
}

fn dedup_last(s: &mut ProxySource) {
    let mut seen = Vec::new();
    let mut kept = Vec::new();
    for p in s.proxies.drain(..).rev() {
        if !seen.contains(&p.var) {
            seen.push(p.var.clone());
            kept.push(p);
        }
    }
    kept.reverse();
    s.proxies = kept;
    let mut seen = Vec::new();
    let mut kept = Vec::new();
    for b in s.bypass.drain(..).rev() {
        if !seen.contains(&b.var) {
            seen.push(b.var.clone());
            kept.push(b);
        }
    }
    kept.reverse();
    s.bypass = kept;
}

/// The agent's `[proxy]` section: `Address` (with `Port` when the address has none) and
/// `BypassList`.
fn agent_file(root: &Root) -> ProxySource {
    let mut s = ProxySource::new(PROXY_INFO, SourceKind::AgentFile);
    let Some(text) = read(root, PROXY_INFO, &mut s) else {
        return s;
    };
    let info = proxy_info::parse(&text);
    if let Some(addr) = info.address.filter(|a| !a.value.trim().is_empty()) {
        let mut set = setting("Address", Some(addr.line), &addr.value);
        if let (Ok(url), Some(port)) = (&mut set.parsed, &info.port) {
            if url.port.is_none() {
                match port.value.trim().parse::<u16>() {
                    Ok(p) if p > 0 => url.port = Some(p),
                    _ => {
                        set.parsed = Err(ProxyUrlError {
                            shown: crate::text::sanitize_terminal(&format!("Port={}", port.value)),
                            kind: proxy_url::ProxyUrlErrorKind::BadPort,
                        });
                    }
                }
            }
        }
        s.proxies.push(set);
    }
    if let Some(b) = info.bypass_list.filter(|b| !b.value.trim().is_empty()) {
        s.bypass.push(BypassSetting {
            var: "BypassList".into(),
            line: Some(b.line),
            entries: proxy_url::parse_bypass(&b.value),
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::FakeProbe;
    use crate::testutil::image as root_with;
    use std::fs;

    fn source<'a>(f: &'a ProxyFacts, name: &str) -> &'a ProxySource {
        f.sources.iter().find(|s| s.name == name).unwrap()
    }

    /// Every file source is read, with lines, `$var` references and later-wins semantics.
    #[test]
    fn every_file_source() {
        let (_d, root) = root_with(&[
            (
                "/etc/environment",
                "http_proxy=\"http://p1:3128\"\nno_proxy=localhost,.corp\n",
            ),
            (
                "/etc/profile",
                "if [ x ]; then\n  export http_proxy=http://old:1\nfi\nexport http_proxy=http://p2:3128;\nexport https_proxy=$http_proxy\n",
            ),
            ("/etc/profile.d/proxy.sh", "HTTPS_PROXY=${http_proxy}\n"),
            ("/etc/profile.d/notes.txt", "http_proxy=http://ignored:1\n"),
            (
                "/etc/sysconfig/proxy",
                "PROXY_ENABLED=\"no\"\nHTTP_PROXY=\"http://p3:8080\"\nNO_PROXY=\"localhost, 127.0.0.1\"\n",
            ),
            (
                "/usr/local/InMage/config/ProxyInfo.conf",
                "[proxy]\nAddress=http://p4\nPort=567\nBypassList=windows.net\n",
            ),
        ]);
        let f = gather(&root, None);
        assert!(f.sources.iter().all(|s| s.kind != SourceKind::Environment));
        let env = source(&f, ETC_ENVIRONMENT);
        assert_eq!(env.primary().unwrap().1.authority(), "p1:3128");
        assert_eq!(env.bypass_entries(), ["localhost", ".corp"]);
        let prof = source(&f, ETC_PROFILE);
        let http = prof.proxies.iter().find(|p| p.var == "http_proxy").unwrap();
        assert_eq!(
            (http.line, http.parsed.as_ref().unwrap().host.as_str()),
            (Some(4), "p2")
        );
        let https = prof
            .proxies
            .iter()
            .find(|p| p.var == "https_proxy")
            .unwrap();
        assert_eq!(https.parsed.as_ref().unwrap().host, "p2");
        // The reference to a variable of another file is left alone, so it does not parse.
        let d = source(&f, "/etc/profile.d/proxy.sh");
        assert!(d.proxies[0].parsed.is_err());
        assert!(f.sources.iter().all(|s| !s.name.ends_with("notes.txt")));
        let sc = source(&f, SYSCONFIG_PROXY);
        assert_eq!(sc.disabled.as_deref(), Some("PROXY_ENABLED=\"no\""));
        assert_eq!(sc.bypass_entries(), ["localhost", "127.0.0.1"]);
        let agent = source(&f, PROXY_INFO);
        assert_eq!(agent.primary().unwrap().1.authority(), "p4:567");
        // Without an environment, the agent's file decides the outbound proxy.
        let (p, why) = f.outbound_choice();
        assert_eq!(p.unwrap().url.authority(), "p4:567");
        assert!(why.contains("agent"), "{why}");
    }

    /// The environment is read only through the probe, and a proxy variable there decides the
    /// outbound proxy; an empty variable counts as unset.
    #[test]
    fn environment_source() {
        let (_d, root) = root_with(&[("/etc/environment", "http_proxy=http://files:1\n")]);
        let probe = FakeProbe::new("5.14.0", "h").with_env(&[
            ("http_proxy", "http://u:pw@envproxy:3128"),
            ("https_proxy", ""),
            ("NO_PROXY", "127.0.0.1"),
            ("PATH", "/bin"),
        ]);
        let f = gather(&root, Some(&probe));
        let env = source(&f, ENV_NAME);
        assert_eq!(env.proxies.len(), 1);
        assert!(!format!("{:?}", env).contains("pw@"));
        let (p, _) = f.outbound_choice();
        let p = p.unwrap();
        assert_eq!(
            (p.url.host.as_str(), p.bypass.clone()),
            ("envproxy", vec!["127.0.0.1".to_string()])
        );
        // no_proxy alone in the environment means direct, whatever the files say.
        let probe = FakeProbe::new("5.14.0", "h").with_env(&[("no_proxy", "*")]);
        let (p, why) = gather(&root, Some(&probe)).outbound_choice();
        assert!(p.is_none() && why.starts_with("direct"), "{why}");
        // Nothing in the environment: the system files decide.
        let probe = FakeProbe::new("5.14.0", "h");
        let (p, _) = gather(&root, Some(&probe)).outbound_choice();
        assert_eq!(p.unwrap().url.host, "files");
    }

    /// An unreadable source is recorded as such, not as absent.
    #[test]
    fn unreadable_source() {
        let (d, root) = root_with(&[]);
        fs::create_dir_all(d.path().join("etc/environment")).unwrap();
        let f = gather(&root, None);
        assert!(matches!(
            source(&f, ETC_ENVIRONMENT).state,
            SourceState::Unreadable(_)
        ));
        assert_eq!(source(&f, PROXY_INFO).state, SourceState::Absent);
    }
}
