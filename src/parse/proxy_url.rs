//! Proxy URLs as administrators write them (`http_proxy`, SLES `/etc/sysconfig/proxy`, the
//! agent's `ProxyInfo.conf`), bypass lists (`no_proxy`, `BypassList`), and `HOST[:PORT]`.
//!
//! Credentials never leave this module in clear text: [`ProxyUrl`] does not keep the password
//! at all, and a raw value is held in a [`Redacted`] whose `Display` and `Debug` hide the
//! userinfo (`user:***@host`). Parse errors carry only the redacted form of their input.

use std::fmt;
use std::net::Ipv4Addr;

use crate::text::sanitize_terminal;

/// A value that may contain credentials (a proxy URL). Shown only redacted; [`Redacted::expose`]
/// is for the few places that must act on the value itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(String);

impl Redacted {
    pub fn new(raw: impl Into<String>) -> Redacted {
        let raw = raw.into();
        // Its credential-shaped parts are masked in everything the program prints, too.
        crate::secrets::note_value(&raw);
        Redacted(raw)
    }

    /// The raw value. Never format it into text that leaves the program.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sanitize_terminal(&redact(&self.0)))
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redacted({:?})", redact(&self.0))
    }
}

/// `raw` with the password of its userinfo replaced by `***`. Everything before the *last* `@`
/// counts as userinfo, so a password containing `@`, `/` or `:` is hidden whole. A userinfo
/// without a password may itself be a token and is hidden too (`***@host`). Userinfo written
/// before the scheme (`admin:pw@http://host`) is userinfo all the same. Token query
/// parameters (`?access_token=...`) are hidden as well.
pub fn redact(raw: &str) -> String {
    let masked = mask_query_tokens(raw);
    let raw = masked.as_str();
    let (prefix, rest) = match raw.find("://") {
        Some(i) if crate::secrets::is_scheme(&raw[..i]) => raw.split_at(i + 3),
        _ => ("", raw),
    };
    let Some(at) = rest.rfind('@') else {
        return raw.to_string();
    };
    let (userinfo, host) = (&rest[..at], &rest[at + 1..]);
    match userinfo.split_once(':') {
        Some((user, _)) if !user.is_empty() => format!("{prefix}{user}:***@{host}"),
        _ => format!("{prefix}***@{host}"),
    }
}

/// `raw` with the values of credential-named query parameters replaced by `***`.
fn mask_query_tokens(raw: &str) -> String {
    let found = crate::secrets::find(raw);
    let mut out = raw.to_string();
    for part in raw.split(['?', '&', '#']) {
        if let Some((_, v)) = part.split_once('=')
            && found.iter().any(|f| f == v)
        {
            out = out.replace(&format!("={v}"), "=***");
        }
    }
    out
}

/// Credentials found in a proxy URL (the password itself is never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    /// `token@host`: a user name or token without a password.
    UserOnly,
    /// `user:password@host`; the user name is kept for messages.
    UserPassword(String),
}

/// A parsed proxy URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// Lower-case scheme; `http` when the value had none (as curl assumes).
    pub scheme: String,
    pub scheme_given: bool,
    pub credentials: Credentials,
    /// Host name or address, IPv6 without brackets.
    pub host: String,
    pub port: Option<u16>,
}

impl ProxyUrl {
    pub fn has_credentials(&self) -> bool {
        self.credentials != Credentials::None
    }

    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    /// The port used when none is written: curl's 1080 for http, 443 for https.
    pub fn effective_port(&self) -> u16 {
        self.port
            .unwrap_or(if self.is_https() { 443 } else { 1080 })
    }

    /// `host:port` with brackets around IPv6 addresses.
    pub fn authority(&self) -> String {
        host_port(&self.host, self.effective_port())
    }

    /// What identifies the proxy for comparisons between sources: scheme, host and port,
    /// case-insensitively, credentials ignored.
    pub fn key(&self) -> String {
        format!("{}://{}", self.scheme, self.authority()).to_ascii_lowercase()
    }

    /// The URL without credentials, as a fix would write it: `http://host:port`.
    pub fn without_credentials(&self) -> String {
        format!("http://{}", self.authority())
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let userinfo = match &self.credentials {
            Credentials::None => String::new(),
            Credentials::UserOnly => "***@".to_string(),
            Credentials::UserPassword(u) => format!("{}:***@", sanitize_terminal(u)),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            sanitize_terminal(&self.host)
        };
        write!(f, "{}://{userinfo}{host}", sanitize_terminal(&self.scheme))?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

/// `host:port`, bracketing IPv6 addresses.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Why a value is not a usable proxy URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyUrlErrorKind {
    #[error("empty value")]
    Empty,
    #[error("contains a shell expansion, which is never evaluated here")]
    ShellExpansion,
    #[error("scheme '{0}' is not a URL scheme")]
    BadScheme(String),
    #[error("no host name")]
    NoHost,
    #[error("host name contains characters a host name cannot have")]
    BadHost,
    #[error("port is not a number from 1 to 65535")]
    BadPort,
}

/// A value that is not a proxy URL; `shown` is the redacted value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{shown}': {kind}")]
pub struct ProxyUrlError {
    pub shown: String,
    pub kind: ProxyUrlErrorKind,
}

/// Parses a proxy URL: `[scheme://][userinfo@]host[:port][/]`.
pub fn parse(raw: &str) -> Result<ProxyUrl, ProxyUrlError> {
    let err = |kind| ProxyUrlError {
        shown: sanitize_terminal(&redact(raw)),
        kind,
    };
    let value = raw.trim();
    if value.is_empty() {
        return Err(err(ProxyUrlErrorKind::Empty));
    }
    if value.contains('$') || value.contains('`') {
        return Err(err(ProxyUrlErrorKind::ShellExpansion));
    }
    let (scheme, scheme_given, rest) = match value.find("://") {
        Some(i) => {
            let s = &value[..i];
            if s.is_empty()
                || !s.starts_with(|c: char| c.is_ascii_alphabetic())
                || !s
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            {
                return Err(err(ProxyUrlErrorKind::BadScheme(sanitize_terminal(s))));
            }
            (s.to_ascii_lowercase(), true, &value[i + 3..])
        }
        None => ("http".to_string(), false, value),
    };
    let (credentials, after_user) = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let creds = match userinfo.split_once(':') {
                Some((user, _)) if !user.is_empty() => Credentials::UserPassword(user.to_string()),
                _ => Credentials::UserOnly,
            };
            (creds, &rest[at + 1..])
        }
        None => (Credentials::None, rest),
    };
    let authority = after_user.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = split_host_port(authority).map_err(err)?;
    Ok(ProxyUrl {
        scheme,
        scheme_given,
        credentials,
        host,
        port,
    })
}

/// Splits `host[:port]` (IPv6 in brackets) and checks both parts.
fn split_host_port(s: &str) -> Result<(String, Option<u16>), ProxyUrlErrorKind> {
    let (host, port) = if let Some(inner) = s.strip_prefix('[') {
        let (h, after) = inner.split_once(']').ok_or(ProxyUrlErrorKind::BadHost)?;
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(ProxyUrlErrorKind::BadHost);
        }
        match after {
            "" => (h, None),
            p => (
                h,
                Some(p.strip_prefix(':').ok_or(ProxyUrlErrorKind::BadPort)?),
            ),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err(ProxyUrlErrorKind::NoHost);
    }
    if !s.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(ProxyUrlErrorKind::BadHost);
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.chars().all(|c| c.is_ascii_digit()) => Some(n),
            _ => return Err(ProxyUrlErrorKind::BadPort),
        },
    };
    Ok((host.to_string(), port))
}

/// `HOST[:PORT]` as given to `--endpoint`; the message of an error shows the value redacted.
pub fn parse_host_port(raw: &str) -> Result<(String, Option<u16>), ProxyUrlError> {
    let err = |kind| ProxyUrlError {
        shown: sanitize_terminal(&redact(raw)),
        kind,
    };
    if raw.contains('@') || raw.contains('/') {
        return Err(err(ProxyUrlErrorKind::BadHost));
    }
    split_host_port(raw.trim()).map_err(err)
}

/// The entries of a bypass list (`no_proxy`, `NO_PROXY`, `BypassList`): separated by commas
/// (semicolons and blanks tolerated), empty entries dropped.
/// An entry holding userinfo (`user:pw@host`) is kept redacted: no list entry is ever a
/// credential in clear.
/// The userinfo is redacted before an entry is split at blanks, so that no word of a password
/// with blanks (`carol:my pw@host`) becomes an entry of its own.
pub fn parse_bypass(list: &str) -> Vec<String> {
    crate::secrets::note_value(list);
    let mut out = Vec::new();
    for piece in list.split([',', ';']) {
        let piece = if piece.contains('@') {
            redact(piece.trim())
        } else {
            piece.to_string()
        };
        out.extend(
            piece
                .split([' ', '\t'])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_string),
        );
    }
    out
}

/// Whether a bypass entry uses a wildcard (which the agent's bypass list does not take).
pub fn is_wildcard(entry: &str) -> bool {
    entry.contains('*')
}

/// The entry as the agent's bypass list wants it: `*.windows.net` becomes `windows.net`.
pub fn without_wildcard(entry: &str) -> String {
    entry
        .trim_start_matches('*')
        .trim_start_matches('.')
        .replace('*', "")
}

/// Whether `host` is exempt from the proxy under `entries`, as curl reads `no_proxy`: `*`
/// matches everything, `example.com` and `.example.com` match the domain and its subdomains,
/// IPv4 CIDR blocks match addresses inside them.
pub fn bypass_matches(entries: &[String], host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    entries.iter().any(|e| {
        let e = e.to_ascii_lowercase();
        if e == "*" {
            return true;
        }
        if let (Some((net, bits)), Ok(addr)) = (e.split_once('/'), host.parse::<Ipv4Addr>()) {
            return match (net.parse::<Ipv4Addr>(), bits.parse::<u32>()) {
                (Ok(net), Ok(bits)) if bits <= 32 => {
                    let mask = if bits == 0 {
                        0
                    } else {
                        u32::MAX << (32 - bits)
                    };
                    u32::from(addr) & mask == u32::from(net) & mask
                }
                _ => false,
            };
        }
        let e = e.trim_start_matches('[');
        let e = match e.split_once(']') {
            Some((h, _)) => h.to_string(),
            // `host:port` entries: the port is not part of the name.
            None if e.matches(':').count() == 1 => e.split(':').next().unwrap_or("").to_string(),
            None => e.to_string(),
        };
        let suffix = e.trim_start_matches("*.").trim_start_matches('.');
        !suffix.is_empty() && (host == suffix || host.ends_with(&format!(".{suffix}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape of userinfo is hidden, whatever characters the password holds.
    #[test]
    fn redaction_hides_every_password() {
        assert_eq!(redact("http://u:s3cret@p:3128"), "http://u:***@p:3128");
        assert_eq!(redact("http://u:p@ss/w:rd@p:3128/"), "http://u:***@p:3128/");
        assert_eq!(redact("u:s3cret@p:3128"), "u:***@p:3128");
        assert_eq!(redact("http://tok3n@p"), "http://***@p");
        assert_eq!(redact("http://:s3cret@p"), "http://***@p");
        assert_eq!(redact("http://p:3128"), "http://p:3128");
        let r = Redacted::new("http://admin:hunter2@proxy:8080");
        assert_eq!(r.to_string(), "http://admin:***@proxy:8080");
        assert!(!format!("{r:?}").contains("hunter2"));
        assert_eq!(r.expose(), "http://admin:hunter2@proxy:8080");
    }

    /// The forms seen in real files parse; a missing scheme means http as in curl.
    #[test]
    fn parses_common_forms() {
        let u = parse("http://proxy.corp:3128/").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.port),
            ("http", "proxy.corp", Some(3128))
        );
        assert!(!u.has_credentials());
        let u = parse("10.0.0.1:8080").unwrap();
        assert!(!u.scheme_given);
        assert_eq!(u.authority(), "10.0.0.1:8080");
        let u = parse("HTTPS://[2001:db8::1]:443").unwrap();
        assert!(u.is_https());
        assert_eq!(u.authority(), "[2001:db8::1]:443");
        let u = parse("http://p").unwrap();
        assert_eq!(u.effective_port(), 1080);
    }

    /// Credentials are detected but the password is not kept, and Display hides it.
    #[test]
    fn credentials_detected_password_dropped() {
        let u = parse("http://bob:pa:ss@p:3128").unwrap();
        assert_eq!(u.credentials, Credentials::UserPassword("bob".into()));
        assert_eq!(u.to_string(), "http://bob:***@p:3128");
        assert!(!format!("{u:?}").contains("pa:ss"));
        let u = parse("http://token@p:3128").unwrap();
        assert_eq!(u.credentials, Credentials::UserOnly);
        assert_eq!(u.to_string(), "http://***@p:3128");
        assert_eq!(u.without_credentials(), "http://p:3128");
    }

    /// Errors name the problem and show the value redacted.
    #[test]
    fn errors_are_redacted() {
        let e = parse("http://u:topsecret@bad host:1").unwrap_err();
        assert_eq!(e.kind, ProxyUrlErrorKind::BadHost);
        assert!(!e.to_string().contains("topsecret"), "{e}");
        assert!(e.to_string().contains("u:***@"), "{e}");
        assert_eq!(parse("").unwrap_err().kind, ProxyUrlErrorKind::Empty);
        assert_eq!(
            parse("$http_proxy").unwrap_err().kind,
            ProxyUrlErrorKind::ShellExpansion
        );
        assert_eq!(
            parse("http://p:99999").unwrap_err().kind,
            ProxyUrlErrorKind::BadPort
        );
        assert_eq!(
            parse("http://p:+80").unwrap_err().kind,
            ProxyUrlErrorKind::BadPort
        );
        assert!(matches!(
            parse("1http://p").unwrap_err().kind,
            ProxyUrlErrorKind::BadScheme(_)
        ));
        let e = parse_host_port("user:pw@host").unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
    }

    /// HOST[:PORT] for --endpoint, with IPv6 in brackets.
    #[test]
    fn host_port_forms() {
        assert_eq!(
            parse_host_port("a.example:8443").unwrap(),
            ("a.example".into(), Some(8443))
        );
        assert_eq!(
            parse_host_port("a.example").unwrap(),
            ("a.example".into(), None)
        );
        assert_eq!(parse_host_port("[::1]:9").unwrap(), ("::1".into(), Some(9)));
        assert!(parse_host_port("a b").is_err());
        assert!(parse_host_port("host:0").is_err());
    }

    /// Bypass lists as curl reads them, and wildcard detection as the agent needs it.
    #[test]
    fn bypass_matching() {
        let l = parse_bypass("localhost, 127.0.0.1,.corp.example;*.windows.net,10.0.0.0/8");
        assert_eq!(l.len(), 5);
        assert!(bypass_matches(&l, "localhost"));
        assert!(bypass_matches(&l, "a.corp.example"));
        assert!(bypass_matches(&l, "corp.example"));
        assert!(!bypass_matches(&l, "xcorp.example"));
        assert!(bypass_matches(&l, "x.blob.core.windows.net"));
        assert!(bypass_matches(&l, "10.2.3.4"));
        assert!(!bypass_matches(&l, "11.2.3.4"));
        assert!(!bypass_matches(&l, "login.microsoftonline.com"));
        assert!(bypass_matches(&["*".into()], "anything"));
        assert!(bypass_matches(&["host:8080".into()], "host"));
        assert!(is_wildcard("*.windows.net"));
        assert!(!is_wildcard(".windows.net"));
        assert_eq!(without_wildcard("*.windows.net"), "windows.net");
    }
}
