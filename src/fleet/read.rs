//! Reading the per-host JSON reports a fleet left behind (SPEC.md, "JSON report", schema_version 1).
//! A file that cannot be read, is not JSON, or has another schema version becomes an
//! [`Unreadable`] entry with the reason: the fleet view lists it, it is never dropped.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Reports larger than this are refused: a real report is a few tens of kilobytes, and a hostile
/// host must not make the controller read gigabytes.
pub const MAX_REPORT_BYTES: u64 = 16 * 1024 * 1024;

/// One report as far as the fleet view needs it. Fields the view does not use are ignored, so a
/// later schema_version 1 report with more fields still reads.
#[derive(Debug, Clone, Deserialize)]
pub struct HostReport {
    pub schema_version: u64,
    #[serde(default)]
    pub scenario: Option<String>,
    #[serde(default)]
    pub matrix: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub system: System,
    pub ready: bool,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct System {
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub os: Os,
    #[serde(default)]
    pub kernel: Kernel,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Os {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Kernel {
    #[serde(default)]
    pub release: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Check {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub summary: String,
    /// Finding codes (SPEC.md, second round): when present, problems are keyed by code.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Set when a waiver covers the whole check.
    #[serde(default)]
    pub waived: Option<Waived>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Finding {
    pub code: String,
    pub status: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub waived: Option<Waived>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Waived {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub expires: String,
}

/// A report file that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub path: PathBuf,
    pub reason: String,
}

/// What reading one file gave.
pub enum Read {
    Host(PathBuf, Box<HostReport>),
    Unreadable(Unreadable),
}

/// Why the inputs could not even be listed (a usage error).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    List {
        path: String,
        source: std::io::Error,
    },
}

/// The report files named by `inputs`: files as given, directories as their `*.json` entries
/// (not recursive), sorted by name so the fleet view does not depend on directory order.
pub fn list_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries = std::fs::read_dir(input).map_err(|e| InputError::List {
                path: crate::text::escape_bytes(input.as_os_str().as_bytes()),
                source: e,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x.as_bytes() == b"json"))
                .collect();
            found.sort();
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

/// Reads one report file.
pub fn read_one(path: &Path) -> Read {
    let bad = |reason: String| {
        Read::Unreadable(Unreadable {
            path: path.to_path_buf(),
            reason,
        })
    };
    let bytes = match read_capped(path) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    match parse(&bytes) {
        Ok(r) => Read::Host(path.to_path_buf(), Box::new(r)),
        Err(e) => bad(e),
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt;
    // Not blocking on open: a FIFO named *.json must not hang the controller (and `fleet`
    // writes its output while it reads, with the terminating signals held).
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
        .map_err(|e| format!("cannot open: {e}"))?;
    match f.metadata() {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err("not a regular file".into()),
        Err(e) => return Err(format!("cannot read: {e}")),
    }
    let mut buf = Vec::new();
    f.take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > MAX_REPORT_BYTES {
        return Err(format!(
            "larger than {} MiB: not an asr-preflight report",
            MAX_REPORT_BYTES / (1024 * 1024)
        ));
    }
    Ok(buf)
}

/// Parses report bytes: pure, no I/O. A report that does not parse is looked at again for its
/// schema version only, so that a report of another version is named as such instead of
/// failing on some missing field (the common case, a good report, is parsed once).
pub fn parse(bytes: &[u8]) -> Result<HostReport, String> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: Option<serde_json::Value>,
    }
    let full: Result<HostReport, _> = serde_json::from_slice(bytes);
    if let Ok(r) = &full
        && r.schema_version == 1
    {
        return full.map_err(|e| e.to_string());
    }
    let v: Version =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JSON report: {e}"))?;
    match v.schema_version {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(other) => {
            return Err(format!(
                "schema_version {} is not supported (this tool reads schema_version 1)",
                crate::text::sanitize_terminal(&other.to_string())
            ));
        }
        None => return Err("no schema_version: not an asr-preflight report".into()),
    }
    full.map_err(|e| format!("not a valid schema_version 1 report: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_schema_versions_and_garbage_are_named() {
        assert!(
            parse(b"{\"schema_version\": 2}")
                .unwrap_err()
                .contains("schema_version 2")
        );
        assert!(parse(b"{\"schema_version\": \"1\"}").is_err());
        assert!(
            parse(b"not json")
                .unwrap_err()
                .contains("not a JSON report")
        );
        assert!(parse(b"{}").unwrap_err().contains("no schema_version"));
        assert!(
            parse(b"{\"schema_version\": 1}")
                .unwrap_err()
                .contains("valid schema_version 1")
        );
    }

    #[test]
    fn minimal_report_reads_with_and_without_findings() {
        let r = parse(br#"{"schema_version":1,"ready":false,"system":{"hostname":"a"},
            "checks":[{"id":"ssh.autostart","status":"fail","summary":"s",
            "findings":[{"code":"ssh.autostart/masked","status":"fail","text":"t","waived":null}]}]}"#)
        .unwrap();
        assert_eq!(r.checks[0].findings[0].code, "ssh.autostart/masked");
        assert_eq!(r.system.hostname.as_deref(), Some("a"));
    }
}
