//! The support matrix: data files embedded in the binary (`asr-2016`, `asr-2026`) or a user's
//! TOML/JSON file in the same format, validated on load, and the lookups the checks make.

pub mod lookup;
pub mod model;

use std::path::Path;

pub use model::Matrix;
use regex_lite::Regex;

/// The matrices built into the binary, with their file text.
pub const BUILTIN: &[(&str, &str)] = &[
    ("asr-2016", include_str!("data/asr-2016.toml")),
    ("asr-2026", include_str!("data/asr-2026.toml")),
];

/// The same matrices as JSON, written from that TOML by the build script (build.rs) with this
/// crate's own TOML reader: a run hands them to serde_json without reading TOML. A test holds
/// them to the TOML text.
const BUILTIN_JSON: &[(&str, &str)] = &[
    (
        "asr-2016",
        include_str!(concat!(env!("OUT_DIR"), "/asr-2016.json")),
    ),
    (
        "asr-2026",
        include_str!(concat!(env!("OUT_DIR"), "/asr-2026.json")),
    ),
];

pub const DEFAULT: &str = "asr-2016";

/// Whether `spec` names a built-in matrix rather than a file.
pub fn is_builtin(spec: &str) -> bool {
    BUILTIN_JSON.iter().any(|(n, _)| *n == spec)
}

/// A matrix could not be loaded; the message names the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error(
        "--matrix {0}: no such built-in matrix and no such file (built-in: asr-2016, asr-2026)"
    )]
    Unknown(String),
    #[error("--matrix {path}: {message}")]
    Invalid { path: String, message: String },
}

/// A matrix with its kernel patterns, compiled when first matched.
#[derive(Debug, Clone)]
pub struct LoadedMatrix {
    pub data: Matrix,
    /// Patterns, by os entry and kernel rule index.
    pub patterns: Vec<Vec<Pattern>>,
}

/// One kernel rule's pattern. Every run loads both built-in matrices (a report names what the
/// other one would say), and compiling their ~300 patterns was most of a live run's CPU; a
/// run matches only the rows of its own distribution, so a pattern is compiled when first
/// used. A file's patterns are compiled when it is loaded, so a bad one is refused there; the
/// built-in ones are all compiled by a test.
///
/// Most rules cannot match a given release at all (`^5\.14\.0-` against a 6.1 kernel), and a
/// pattern's compilation costs far more than a substring search (`\d` is Unicode: dozens of
/// ranges): the literal text every match must contain is taken from the pattern, and a release
/// without it is not matched without compiling ([`Pattern::may_match`]).
#[derive(Debug, Clone, Default)]
pub struct Pattern {
    source: Option<String>,
    /// Text each match contains ([`required_literals`]); empty when nothing is known.
    required: Vec<String>,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl Pattern {
    fn new(source: Option<&str>) -> Pattern {
        Pattern {
            source: source.map(str::to_string),
            required: source.map(required_literals).unwrap_or_default(),
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// False when `haystack` lacks text every match of the pattern contains, so the pattern
    /// cannot match it; true otherwise (then [`Pattern::get`] decides).
    pub fn may_match(&self, haystack: &str) -> bool {
        self.required
            .iter()
            .all(|lit| haystack.contains(lit.as_str()))
    }

    /// The compiled pattern; `None` for a rule without one.
    pub fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| self.source.as_deref().and_then(|p| compile_pattern(p).ok()))
            .as_ref()
    }

    /// Compiles now, for a file: the error names what is wrong with the pattern.
    fn check(&self) -> Result<(), regex_lite::Error> {
        if let Some(p) = &self.source {
            let re = compile_pattern(p)?;
            let _ = self.compiled.set(Some(re));
        }
        Ok(())
    }
}

/// Compiles a kernel pattern. regex-lite allows 50 levels of nesting where regex allowed 250;
/// the same limit as before keeps every pattern that loaded before loading.
pub fn compile_pattern(pattern: &str) -> Result<Regex, regex_lite::Error> {
    regex_lite::RegexBuilder::new(pattern)
        .nest_limit(250)
        .build()
}

/// The runs of literal characters of the top-level sequence of `pattern` (`^5\.14\.0-\d+`
/// gives `5.14.0-`): every match contains each of them. Conservative: nothing when the pattern
/// has an alternation or flags anywhere; scanning stops at the first group or class; a
/// character followed by a repetition is not required.
pub fn required_literals(pattern: &str) -> Vec<String> {
    // `(?i)`, `(?x:...)`: flags change what a character matches. Named and non-capturing
    // groups (`(?P<build>`, `(?<b>`, `(?:`) do not.
    let flags = pattern
        .match_indices("(?")
        .any(|(i, _)| !matches!(pattern.as_bytes().get(i + 2), Some(b'P' | b'<' | b':')));
    if pattern.contains('|') || flags {
        return Vec::new();
    }
    let mut runs = Vec::new();
    let mut run = String::new();
    let mut end_run = |run: &mut String| {
        if !run.is_empty() {
            runs.push(std::mem::take(run));
        }
    };
    let mut chars = pattern.chars().peekable();
    let mut last_literal = false;
    while let Some(c) = chars.next() {
        let literal = match c {
            '\\' => match chars.next() {
                // An escaped ASCII punctuation character is that character (`\<`, `\>` are
                // word boundaries).
                Some(e) if e.is_ascii_punctuation() && e != '<' && e != '>' => Some(e),
                // Classes and assertions without an argument.
                Some('d' | 'D' | 'w' | 'W' | 's' | 'S' | 'b' | 'B' | 'A' | 'z') => None,
                // `\x41`, `\p{L}`, `\n`...: not read further.
                _ => break,
            },
            c if c.is_ascii_alphanumeric() => Some(c),
            '-' | '_' | '/' | ',' | ':' | '=' | '@' | '%' | '!' | '~' | '\'' | '"' => Some(c),
            '?' | '*' | '+' | '{' => {
                // The repeated character may be absent or repeated: not part of a run.
                if last_literal {
                    run.pop();
                }
                end_run(&mut run);
                if c == '{' {
                    for x in chars.by_ref() {
                        if x == '}' {
                            break;
                        }
                    }
                }
                last_literal = false;
                continue;
            }
            // A group or class: what follows is not read (the runs before it still hold).
            '(' | '[' => break,
            _ => None,
        };
        match literal {
            Some(l) => run.push(l),
            None => end_run(&mut run),
        }
        last_literal = literal.is_some();
    }
    end_run(&mut run);
    runs
}

impl LoadedMatrix {
    pub fn name(&self) -> &str {
        &self.data.name
    }
}

/// Loads a built-in matrix by name, or a file by path (`.json` is JSON, anything else TOML).
pub fn load(spec: &str) -> Result<LoadedMatrix, MatrixError> {
    if let Some((_, json)) = BUILTIN_JSON.iter().find(|(n, _)| *n == spec) {
        return parse_builtin(spec, json);
    }
    let path = Path::new(spec);
    let text = match read_matrix_file(path) {
        Ok(b) => String::from_utf8(b).map_err(|_| MatrixError::Invalid {
            path: spec.into(),
            message: "not valid UTF-8".into(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(MatrixError::Unknown(spec.into()));
        }
        Err(e) => {
            return Err(MatrixError::Invalid {
                path: spec.into(),
                message: e.to_string(),
            });
        }
    };
    if spec.ends_with(".json") {
        parse_json(spec, &text)
    } else {
        parse_toml(spec, &text)
    }
}

/// The most bytes a matrix file may hold (the built-in ones are a few KiB).
const MAX_MATRIX_BYTES: u64 = 4 << 20;

/// A matrix file's bytes: a regular file, or a pipe (`--matrix <(curl ...)`), up to the cap.
/// Devices are refused: /dev/zero would never end.
fn read_matrix_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let t = std::fs::metadata(path)?.file_type();
    if t.is_dir() || t.is_char_device() || t.is_block_device() || t.is_socket() {
        let what = if t.is_dir() {
            "a directory"
        } else if t.is_socket() {
            "a socket"
        } else {
            "a device"
        };
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("is {what}, not a matrix file"),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_MATRIX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_MATRIX_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("larger than {} MiB", MAX_MATRIX_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

/// Parses and validates matrix text in JSON.
pub fn parse_json(path: &str, text: &str) -> Result<LoadedMatrix, MatrixError> {
    let data: Matrix = serde_json::from_str(text).map_err(|e| MatrixError::Invalid {
        path: path.into(),
        message: format!("line {} column {}: {e}", e.line(), e.column()),
    })?;
    let m = compile(path, data)?;
    check_patterns(path, &m)?;
    Ok(m)
}

/// Every built-in matrix (they are tested to load).
pub fn builtins() -> Vec<LoadedMatrix> {
    BUILTIN_JSON
        .iter()
        .filter_map(|(name, json)| parse_builtin(name, json).ok())
        .collect()
}

/// A built-in matrix from its JSON form: its patterns are compiled when first used (a test
/// compiles them all).
fn parse_builtin(name: &str, json: &str) -> Result<LoadedMatrix, MatrixError> {
    let data: Matrix = serde_json::from_str(json).map_err(|e| MatrixError::Invalid {
        path: name.into(),
        message: e.to_string(),
    })?;
    compile(name, data)
}

/// Compiles every pattern of a matrix from a file, naming the first bad one.
fn check_patterns(path: &str, m: &LoadedMatrix) -> Result<(), MatrixError> {
    for (i, row) in m.patterns.iter().enumerate() {
        for (k, p) in row.iter().enumerate() {
            p.check().map_err(|e| MatrixError::Invalid {
                path: path.into(),
                message: format!("os[{i}].kernels[{k}].pattern: {e}"),
            })?;
        }
    }
    Ok(())
}

/// Parses and validates matrix text in TOML (used for files and by the fuzzer).
pub fn parse_toml(path: &str, text: &str) -> Result<LoadedMatrix, MatrixError> {
    let data: Matrix = crate::parse::toml::from_str(text).map_err(|e| MatrixError::Invalid {
        path: path.into(),
        message: e.to_string(),
    })?;
    let m = compile(path, data)?;
    check_patterns(path, &m)?;
    Ok(m)
}

fn compile(path: &str, data: Matrix) -> Result<LoadedMatrix, MatrixError> {
    let invalid = |message: String| MatrixError::Invalid {
        path: path.into(),
        message,
    };
    for name in data.scenarios.keys() {
        if crate::scenario::Scenario::parse(name).is_none() {
            return Err(invalid(format!("scenarios.{name}: unknown scenario")));
        }
    }
    let mut patterns = Vec::new();
    for (i, os) in data.os.iter().enumerate() {
        for v in &os.versions {
            if lookup::VersionSpec::parse(v).is_none() {
                return Err(invalid(format!(
                    "os[{i}].versions: '{v}' is not X, X.Y or X.A..X.B"
                )));
            }
        }
        for s in &os.scenarios {
            if !data.scenarios.contains_key(s) {
                return Err(invalid(format!(
                    "os[{i}].scenarios: '{s}' is not a scenario of this matrix"
                )));
            }
        }
        let mut compiled = Vec::new();
        for (k, rule) in os.kernels.iter().enumerate() {
            compiled.push(Pattern::new(rule.pattern.as_deref()));
            if rule.pattern.is_none() && rule.flavor.is_none() {
                return Err(invalid(format!(
                    "os[{i}].kernels[{k}]: needs a pattern or a flavor"
                )));
            }
        }
        patterns.push(compiled);
    }
    for (i, e) in data.endpoints.iter().enumerate() {
        for s in &e.scenarios {
            if !data.scenarios.contains_key(s) {
                return Err(invalid(format!(
                    "endpoints[{i}].scenarios: '{s}' is not a scenario of this matrix"
                )));
            }
        }
        if crate::parse::proxy_url::parse_host_port(&e.host).is_err() || e.host.contains(':') {
            return Err(invalid(format!(
                "endpoints[{i}].host: '{}' is not a host name",
                e.host
            )));
        }
        let suffix = e.url.trim_start_matches("*.");
        if e.host != suffix && !e.host.ends_with(&format!(".{suffix}")) {
            return Err(invalid(format!(
                "endpoints[{i}].host: '{}' is not a name that '{}' covers",
                e.host, e.url
            )));
        }
        if e.port == 0 {
            return Err(invalid(format!("endpoints[{i}].port: 0 is not a port")));
        }
        if let Some(r) = e.role.as_deref().filter(|r| *r != "storage") {
            return Err(invalid(format!(
                "endpoints[{i}].role: '{r}' is not 'storage'"
            )));
        }
    }
    Ok(LoadedMatrix { data, patterns })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in matrix parses, compiles and covers every scenario.
    #[test]
    fn builtins_load_and_cover_every_scenario() {
        for (name, text) in BUILTIN {
            // parse_toml compiles every pattern (the built-ins are compiled lazily in a run).
            let lazy = load(name).unwrap();
            assert!(
                lazy.patterns
                    .iter()
                    .flatten()
                    .all(|p| p.compiled.get().is_none())
            );
            let m = parse_toml(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(m.data.name, *name);
            for s in crate::scenario::Scenario::ALL {
                assert!(m.data.scenarios.contains_key(s.as_str()), "{name}: {s:?}");
            }
        }
    }

    /// The JSON the build script wrote is the TOML text read at run time: the same matrix
    /// (compared as serde values), for each built-in.
    #[test]
    fn builtin_json_is_the_toml() {
        assert_eq!(BUILTIN.len(), BUILTIN_JSON.len());
        for ((name, text), (json_name, json)) in BUILTIN.iter().zip(BUILTIN_JSON) {
            assert_eq!(name, json_name);
            let from_toml: Matrix = crate::parse::toml::from_str(text).unwrap();
            let from_json: Matrix = serde_json::from_str(json).unwrap();
            assert_eq!(
                serde_json::to_value(&from_toml).unwrap(),
                serde_json::to_value(&from_json).unwrap(),
                "{name}"
            );
        }
    }

    /// The literal runs taken from patterns: repeated characters, groups, classes and
    /// escapes with arguments end them; alternations and flags give none.
    #[test]
    fn required_literals_of_patterns() {
        let cases: &[(&str, &[&str])] = &[
            (
                r"^5\.14\.0-\d+\.el9_\d+\.x86_64$",
                &["5.14.0-", ".el9_", ".x86_64"],
            ),
            (r"^3\.2\.0-(?P<build>\d+)-amd64$", &["3.2.0-"]),
            (r"^a(?:b)c", &["a"]),
            (r"^a(?i:b)c", &[]),
            (r"^4\.19\.0-\d+-amd64$", &["4.19.0-", "-amd64"]),
            (r"\.el9uek", &[".el9uek"]),
            (r"-(cloud-)?amd64$", &["-"]),
            (r"-(generic|azure)$", &[]),
            (r"(?i)^abc", &[]),
            (r"^abc?d", &["ab", "d"]),
            (r"^ab{2}c", &["a", "c"]),
            (r"^a\.?b", &["a", "b"]),
            (r"^ab*", &["a"]),
            (r"^ab+c", &["a", "c"]),
            (r"^ab[0-9]c", &["ab"]),
            (r"^ab\x41c", &["ab"]),
            (r"^a.b\sc$", &["a", "b", "c"]),
        ];
        for (pattern, want) in cases {
            assert_eq!(required_literals(pattern), *want, "{pattern}");
        }
    }

    /// The shortcut never rejects a release the pattern matches: every built-in pattern against
    /// every release the built-in matrices name (the `builds` lists and descriptions) and a few
    /// more, with and without a suffix.
    #[test]
    fn may_match_never_hides_a_match() {
        let mut releases: Vec<String> = vec![
            "6.1.0-18-amd64".into(),
            "6.1.0-0.deb11.13-cloud-amd64".into(),
            "5.14.0-427.13.1.el9_4.x86_64".into(),
            "5.15.0-1057-azure".into(),
            "5.4.0-42-generic".into(),
            "3.10.0-1160.el7.x86_64".into(),
            "5.4.17-2136.300.7.el8uek.x86_64".into(),
            "4.12.14-122.37-default".into(),
            "2.6.32-754.el6.x86_64".into(),
        ];
        let all = builtins();
        for m in &all {
            for os in &m.data.os {
                for k in &os.kernels {
                    releases.extend(k.builds.iter().cloned());
                    releases.extend(
                        k.description
                            .split([' ', ',', ':', ';'])
                            .map(str::to_string),
                    );
                }
            }
        }
        let (mut matched, mut skipped) = (0, 0);
        for m in &all {
            for p in m.patterns.iter().flatten() {
                let Some(re) = p.get() else { continue };
                for r in &releases {
                    for hay in [r.clone(), format!("{r}.x86_64"), format!("x{r}")] {
                        let is = re.is_match(&hay);
                        assert!(!is || p.may_match(&hay), "{re} matches {hay}");
                        matched += usize::from(is);
                        skipped += usize::from(!p.may_match(&hay));
                    }
                }
            }
        }
        // Both sides exercised: real matches, and releases the shortcut turns away.
        assert!(matched > 100 && skipped > 1000, "{matched} {skipped}");
    }

    /// A user's matrix with a bad field gets an error naming the field.
    #[test]
    fn errors_name_the_field() {
        let bad = "name='x'\ndescription='d'\nsource='s'\n[scenarios.vmware-to-azure]\npolicy='listed'\nsource='s'\n[[os]]\nid='rhel'\nname='R'\nversions=['6.x']\n";
        let e = parse_toml("m.toml", bad).unwrap_err().to_string();
        assert!(e.contains("os[0].versions"), "{e}");
        let typo = "name='x'\ndescription='d'\nsource='s'\nscenaros={}\n";
        let e = parse_toml("m.toml", typo).unwrap_err().to_string();
        assert!(e.contains("scenaros"), "{e}");
        let regex = "name='x'\ndescription='d'\nsource='s'\n[scenarios.vmware-to-azure]\npolicy='listed'\nsource='s'\n[[os]]\nid='rhel'\nname='R'\nversions=['6']\nkernels=[{pattern='(', description='d'}]\n";
        let e = parse_toml("m.toml", regex).unwrap_err().to_string();
        assert!(e.contains("os[0].kernels[0].pattern"), "{e}");
    }

    /// Endpoint entries are checked: known scenarios, and a host the URL covers.
    #[test]
    fn endpoint_validation() {
        let head = "name='x'\ndescription='d'\nsource='s'\n[scenarios.azure-to-azure]\npolicy='not-covered'\nsource='s'\n";
        let ok = format!(
            "{head}[[endpoints]]\nurl='*.blob.core.windows.net'\nhost='a.blob.core.windows.net'\npurpose='p'\n"
        );
        let m = parse_toml("m.toml", &ok).unwrap();
        assert_eq!(m.data.endpoints[0].port, 443);
        assert!(m.data.endpoints[0].is_representative());
        let bad = format!(
            "{head}[[endpoints]]\nurl='*.blob.core.windows.net'\nhost='evil.example'\npurpose='p'\n"
        );
        let e = parse_toml("m.toml", &bad).unwrap_err().to_string();
        assert!(e.contains("endpoints[0].host"), "{e}");
        let bad = format!(
            "{head}[[endpoints]]\nurl='h.example'\nhost='h.example'\npurpose='p'\nscenarios=['mars']\n"
        );
        let e = parse_toml("m.toml", &bad).unwrap_err().to_string();
        assert!(e.contains("endpoints[0].scenarios"), "{e}");
    }

    /// Both built-in matrices list the four endpoints of seed 003 for azure-to-azure.
    #[test]
    fn builtin_endpoints() {
        for m in builtins() {
            let urls: Vec<&str> = m
                .data
                .endpoints
                .iter()
                .filter(|e| e.applies_to("azure-to-azure") && e.only_when.is_none())
                .map(|e| e.url.as_str())
                .collect();
            for u in [
                "*.blob.core.windows.net",
                "login.microsoftonline.com",
                "*.hypervrecoverymanager.windowsazure.com",
                "*.servicebus.windows.net",
            ] {
                assert!(urls.contains(&u), "{}: {u}", m.name());
            }
            assert_eq!(
                m.data
                    .endpoints
                    .iter()
                    .filter(|e| e.role.as_deref() == Some("storage"))
                    .count(),
                1
            );
        }
    }

    /// An unknown name that is not a file either is reported as such.
    #[test]
    fn unknown_matrix() {
        assert!(matches!(load("asr-1999"), Err(MatrixError::Unknown(_))));
    }
}
