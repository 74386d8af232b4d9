//! Secrets as the last line of defence. Proxy values are parsed once into [`Redacted`] and
//! [`crate::parse::proxy_url::ProxyUrl`] (whose displays hide credentials); in addition, every
//! credential-shaped part of such a value (the userinfo's password or token, wherever in the
//! value the `@` is; `access_token=`-style query parameters and password fields) is noted here
//! when the value is read, and what the program prints goes through [`scrub`] first: the text
//! fields of the report (before it is rendered, so ids, titles and the structure of every
//! format are never touched) and every error message. A secret therefore cannot leak through
//! a path that forgot to redact.
//!
//! A noted secret is masked where it stands as a whole: its exact value, not a fragment of
//! it, and not inside a longer word (a password `pass` does not turn `password` into
//! `***word`); of a password with blanks, the part before the first blank is noted as well,
//! since that is what a shell keeps of an unquoted one. Bypass lists are split into entries only after their userinfo is redacted, so
//! no part of a password with blanks is ever printed on its own.
//!
//! [`Redacted`]: crate::parse::proxy_url::Redacted

use std::sync::Mutex;

/// What replaces a secret in printed text.
pub const MASK: &str = "***";
/// Shorter values are not noted: masking every standalone two-letter word would garble the
/// report, and a two-character password is no secret.
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
            out = mask_whole(&out, s);
        }
    }
    out
}

/// `text` with each occurrence of `secret` that is not part of a longer word replaced by
/// [`MASK`]: an end of the secret that is a letter or digit must not touch another one.
fn mask_whole(text: &str, secret: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let starts_word = word(secret.chars().next());
    let ends_word = word(secret.chars().next_back());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in text.match_indices(secret) {
        if i < last {
            continue; // overlaps the previous mask
        }
        let end = i + secret.len();
        let glued_before = starts_word && word(text[..i].chars().next_back());
        let glued_after = ends_word && word(text[end..].chars().next());
        if glued_before || glued_after {
            continue;
        }
        out.push_str(&text[last..i]);
        out.push_str(MASK);
        last = end;
    }
    out.push_str(&text[last..]);
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
            // A reader that ends values at a blank (a shell, for an unquoted value) keeps the
            // part before the first one: that part is noted too, and nothing shorter.
            if let Some((first, _)) = secret.split_once(char::is_whitespace) {
                keep(first);
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

    /// A password with blanks and quotes is one secret; short values are not noted.
    #[test]
    fn scrub_forms() {
        let found = find("http://u:ab\"cd ef@h");
        assert_eq!(found, vec!["ab\"cd ef".to_string(), "ab\"cd".to_string()]);
        let s = scrub_with("x ab\"cd ef y http://u:ab\"cd", &found);
        assert_eq!(s, "x *** y http://u:***");
        assert!(find("http://h:1").is_empty());
        assert!(find("http://a:b@h").is_empty(), "too short to scrub safely");
        assert_eq!(find("https://h/?Access_Token=tok123&x=1"), vec!["tok123"]);
    }

    /// Only whole occurrences are masked: a secret inside a longer word is that word, not the
    /// secret, and ordinary text around it is kept (a password `proxy` used to turn the check
    /// id `net.proxy` into `net.***` and break the report's schema).
    #[test]
    fn masks_whole_values_not_fragments() {
        let s = |t: &str, secret: &str| scrub_with(t, &[secret.to_string()]);
        assert_eq!(s("password pass pass.", "pass"), "password *** ***.");
        assert_eq!(
            s("u:rhel@h, rhel 8.4, rhel8", "rhel"),
            "u:***@h, *** 8.4, rhel8"
        );
        assert_eq!(s("key=S3cret!&x S3cret!!", "S3cret!"), "key=***&x ***!");
        assert_eq!(s("aaaa", "aa"), "aaaa");
        assert_eq!(s("[aa aa]", "aa"), "[*** ***]");
        // A secret that begins or ends with punctuation is masked even when glued there.
        assert_eq!(s("x@Zq1 !pw!x", "!pw!"), "x@Zq1 ***x");
    }
}
