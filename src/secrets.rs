//! Secrets as the last line of defence. Proxy values are parsed once into [`Redacted`] and
//! [`crate::parse::proxy_url::ProxyUrl`] (whose displays hide credentials); in addition, every
//! credential-shaped part of such a value (the userinfo's password or token, wherever in the
//! value the `@` is; `access_token=`-style query parameters; each word of a password with
//! blanks) is noted here when the value is read, and everything the program prints (the report
//! in every format, on standard output or in `--output`, and every error message) goes through
//! [`scrub`] first. A secret therefore cannot leak through a path that forgot to redact.
//!
//! [`Redacted`]: crate::parse::proxy_url::Redacted

use std::sync::Mutex;

/// What replaces a secret in printed text.
pub const MASK: &str = "***";
/// Shorter fragments are not noted: scrubbing two-letter words would garble every message.
const MIN_LEN: usize = 3;
/// Query and field names whose values are credentials.
const SECRET_KEYS: &[&str] = &[
    "token",
    "auth",
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "key",
    "apikey",
    "sig",
    "signature",
    "code",
    "credential",
    "session",
];

static NOTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Notes the credential-shaped parts of `raw` (a proxy URL or a bypass list) so that
/// [`scrub`] removes them from anything printed later.
pub fn note_value(raw: &str) {
    let found = find(raw);
    if found.is_empty() {
        return;
    }
    if let Ok(mut noted) = NOTED.lock() {
        for s in found {
            if !noted.contains(&s) {
                noted.push(s);
            }
        }
        // Longest first: a secret containing another is masked whole.
        noted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// `text` with every noted secret (and its JSON-escaped form) replaced by [`MASK`].
pub fn scrub(text: &str) -> String {
    let noted = match NOTED.lock() {
        Ok(n) => n.clone(),
        Err(_) => return text.to_string(),
    };
    scrub_with(text, &noted)
}

fn scrub_with(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), MASK);
        }
        let escaped = serde_json::to_string(s).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        if escaped != s && out.contains(escaped) {
            out = out.replace(escaped, MASK);
        }
    }
    out
}

/// The credential-shaped parts of a proxy value or list.
pub fn find(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut keep = |s: &str| {
        let s = s.trim_matches(|c: char| c == '"' || c == '\'');
        if s.chars().count() >= MIN_LEN && !out.iter().any(|o: &String| o == s) {
            out.push(s.to_string());
        }
    };
    let pieces = std::iter::once(raw).chain(raw.split([',', ';', '\n']));
    for piece in pieces {
        let piece = piece.trim();
        // Userinfo: everything before the last `@`, after a leading scheme when there is one
        // (`admin:pw@http://host` has its userinfo before the scheme).
        if let Some(at) = piece.rfind('@') {
            let before = &piece[..at];
            let userinfo = match before.find("://") {
                Some(i) if is_scheme(&before[..i]) => &before[i + 3..],
                _ => before,
            };
            let secret = match userinfo.split_once(':') {
                Some((_, pw)) if !pw.is_empty() => pw,
                _ => userinfo,
            };
            keep(secret);
            for word in secret.split_whitespace() {
                keep(word);
            }
        }
        // Query parameters and `key=value` fields named like credentials.
        for part in piece.split(['?', '&', '#', ' ', '\t']) {
            if let Some((k, v)) = part.split_once('=') {
                let k = k.to_ascii_lowercase();
                if SECRET_KEYS.iter().any(|s| k.contains(s)) {
                    keep(v);
                }
            }
        }
    }
    out
}

/// Whether `s` can be a URL scheme (`http`, `socks5h`, `git+ssh`).
pub fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::proxy_url::{self, Redacted};

    /// A small deterministic generator: the property test needs no crate.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.next() as usize % from.len()]
        }
        fn word(&mut self, alphabet: &[u8], len: usize) -> String {
            (0..len)
                .map(|_| alphabet[self.next() as usize % alphabet.len()] as char)
                .collect()
        }
    }

    /// Credential shapes, generated: userinfo after and before the scheme, passwords with
    /// blanks, `@`, `:` and `/`, tokens without a password, credentials inside bypass lists,
    /// token query parameters. Every way the program shows such a value (the redacted value,
    /// its debug form, the parse error or URL, the bypass entries), once scrubbed, holds no
    /// secret; the structured displays hold none even unscrubbed where the shape is a URL.
    #[test]
    fn generated_credential_shapes_never_survive() {
        let mut g = Lcg(0x5eed);
        let alnum = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let wild = b"abcXYZ0189!$%^*()-_+=[]{}|~ @:/";
        for _ in 0..1000 {
            let n = 3 + g.next() as usize % 8;
            let user = g.word(alnum, n);
            let n = 6 + g.next() as usize % 10;
            let secret = format!("Zq{}", g.word(alnum, n));
            let pass = match g.next() % 4 {
                0 => secret.clone(),
                1 => format!("{} {}", secret, g.word(alnum, 4)),
                2 => format!("{}{}", secret, g.word(wild, 5)),
                _ => format!("{}@{}:x", secret, g.word(alnum, 4)),
            };
            let scheme = g.pick(&["http", "https", "socks5", "HTTP"]);
            let host = g.pick(&["proxy", "10.0.0.1", "[fe80::1]", "p.corp.example"]);
            let value = match g.next() % 6 {
                0 => format!("{scheme}://{user}:{pass}@{host}:3128"),
                1 => format!("{user}:{pass}@{scheme}://{host}"),
                2 => format!("{scheme}://{secret}@{host}"),
                3 => format!("localhost,{user}:{pass}@{host},.corp"),
                4 => format!("{scheme}://{host}/?access_token={secret}&x=1"),
                _ => format!("{user}:{pass}@{host}"),
            };
            let r = Redacted::new(value.clone());
            note_value(&value);
            let mut shown = vec![format!("{r}"), format!("{r:?}")];
            match proxy_url::parse(&value) {
                Ok(u) => shown.push(u.to_string()),
                Err(e) => shown.push(e.to_string()),
            }
            shown.extend(proxy_url::parse_bypass(&value));
            let all = shown.join("\n");
            let scrubbed = scrub(&all);
            assert!(!scrubbed.contains(&secret), "{value:?} -> {scrubbed}");
            if !value.contains(',') && !value.contains("access_token") {
                let structured = format!("{r}");
                assert!(!structured.contains(&secret), "{value:?} -> {structured}");
            }
        }
    }

    /// Blank-separated words of a password, the JSON-escaped form and short fragments.
    #[test]
    fn scrub_forms() {
        let found = find("http://u:ab\"cd ef@h");
        assert!(found.contains(&"ab\"cd ef".to_string()), "{found:?}");
        let s = scrub_with("x \"ab\\\"cd ef\" y", &found);
        assert!(!s.contains("ab\\\"cd"), "{s}");
        assert!(find("http://h:1").is_empty());
        assert!(find("http://a:b@h").is_empty(), "too short to scrub safely");
        assert_eq!(find("https://h/?Access_Token=tok123&x=1"), vec!["tok123"]);
    }
}
