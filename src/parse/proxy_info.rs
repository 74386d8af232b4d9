//! The Mobility service agent's own proxy file, `/usr/local/InMage/config/ProxyInfo.conf`: an
//! INI file whose `[proxy]` section has `Address` (e.g. `http://1.2.3.4`), `Port` and
//! `BypassList` (comma-separated, no wildcards). Keys and section names are matched without
//! regard to case; values may be quoted.

/// One `key=value` of the `[proxy]` section, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub line: usize,
    pub value: String,
}

/// What the `[proxy]` section says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyInfo {
    pub has_proxy_section: bool,
    pub address: Option<Field>,
    pub port: Option<Field>,
    pub bypass_list: Option<Field>,
}

pub fn parse(text: &str) -> ProxyInfo {
    let mut out = ProxyInfo::default();
    let mut in_proxy = false;
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_proxy = section.trim().eq_ignore_ascii_case("proxy");
            out.has_proxy_section |= in_proxy;
            continue;
        }
        if !in_proxy {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let field = Some(Field {
            line: idx + 1,
            value: value.to_string(),
        });
        match key.trim().to_ascii_lowercase().as_str() {
            "address" => out.address = field,
            "port" => out.port = field,
            "bypasslist" => out.bypass_list = field,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The template of Microsoft's proxy-settings page parses field by field.
    #[test]
    fn documented_template() {
        let p = parse(
            "[proxy]\nAddress=http://1.2.3.4\nPort=5678\nBypassList=hypervrecoverymanager.windowsazure.com,login.microsoftonline.com\n",
        );
        assert!(p.has_proxy_section);
        assert_eq!(p.address.unwrap().value, "http://1.2.3.4");
        assert_eq!(p.port.as_ref().unwrap().value, "5678");
        assert_eq!(p.port.unwrap().line, 3);
        assert!(p.bypass_list.unwrap().value.contains("login."));
    }

    /// Other sections, comments, CRLF, case and quotes do not confuse it.
    #[test]
    fn sections_case_quotes() {
        let p = parse(
            "; c\r\n[other]\r\nAddress=http://wrong\r\n[Proxy]\r\naddress = \"http://right:1\"\r\n",
        );
        assert_eq!(p.address.unwrap().value, "http://right:1");
        assert!(p.port.is_none());
        assert_eq!(parse("Address=http://x\n"), ProxyInfo::default());
    }
}
