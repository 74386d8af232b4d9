//! The distribution-specific release files that predate os-release: `redhat-release`,
//! `centos-release`, `oracle-release`, `system-release` (one line, `NAME release X.Y (Code)`)
//! and SUSE's `SuSE-release` (a name line, then `VERSION =` and `PATCHLEVEL =`).

/// One `NAME release VERSION (CODENAME)` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseLine {
    /// Everything before ` release `, e.g. `Red Hat Enterprise Linux Server`.
    pub name: String,
    /// The version as written, e.g. `7.2.1511`.
    pub version: Option<String>,
    /// The whole first line, trimmed.
    pub line: String,
}

/// Parses the first non-empty line of a redhat-release style file.
pub fn parse_release_line(text: &str) -> Option<ReleaseLine> {
    let line = text
        .lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\0'))
        .find(|l| !l.is_empty())?;
    let (name, version) = match line.find(" release ") {
        Some(pos) => {
            let rest = &line[pos + " release ".len()..];
            let version = rest
                .split_whitespace()
                .next()
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_string);
            (line[..pos].trim().to_string(), version)
        }
        None => (line.to_string(), None),
    };
    Some(ReleaseLine {
        name,
        version,
        line: line.to_string(),
    })
}

/// SUSE's pre-os-release file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuseRelease {
    /// The first line, e.g. `SUSE Linux Enterprise Server 11 (x86_64)`.
    pub name: String,
    pub version: Option<String>,
    pub patchlevel: Option<String>,
}

pub fn parse_suse_release(text: &str) -> Option<SuseRelease> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let name = lines.next()?.to_string();
    let mut version = None;
    let mut patchlevel = None;
    for line in lines {
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_string();
            match k.trim() {
                "VERSION" => version = Some(v),
                "PATCHLEVEL" => patchlevel = Some(v),
                _ => {}
            }
        }
    }
    Some(SuseRelease {
        name,
        version,
        patchlevel,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as real RHEL, CentOS and Oracle Linux ship them (CentOS 7 with a trailing space).
    #[test]
    fn release_lines() {
        let r =
            parse_release_line("Red Hat Enterprise Linux Server release 6.5 (Santiago)\n").unwrap();
        assert_eq!(r.name, "Red Hat Enterprise Linux Server");
        assert_eq!(r.version.as_deref(), Some("6.5"));
        let c = parse_release_line("CentOS Linux release 7.1.1503 (Core) \n").unwrap();
        assert_eq!(c.name, "CentOS Linux");
        assert_eq!(c.version.as_deref(), Some("7.1.1503"));
        let o = parse_release_line("Oracle Linux Server release 6.5").unwrap();
        assert_eq!(o.version.as_deref(), Some("6.5"));
        assert!(parse_release_line("\n\n").is_none());
        let odd = parse_release_line("Some Distro").unwrap();
        assert_eq!(odd.version, None);
    }

    /// SLES 11 SP3's SuSE-release.
    #[test]
    fn suse_release() {
        let s = parse_suse_release(
            "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 3\n",
        )
        .unwrap();
        assert_eq!(s.version.as_deref(), Some("11"));
        assert_eq!(s.patchlevel.as_deref(), Some("3"));
    }
}
