//! Kernel patterns are compiled by regex-lite (a smaller static binary) where they were compiled
//! by regex with its Perl classes only. Differential test: every pattern we know of (the
//! built-in matrices, the README, the test files) and a corpus of the syntax README documents
//! is accepted or refused by both alike, and matches the same releases with the same `build`
//! capture. The few deliberate differences are pinned down at the end.

use std::collections::BTreeSet;

use asr_preflight::matrix;

use super::common::repo;

/// regex as the release build had it, with `std` and `unicode-perl` only (see Cargo.toml).
/// The test build has regex with every feature (other dev-dependencies ask for them), so what
/// the missing Unicode tables made the release build refuse is refused here by hand: Unicode
/// classes beyond the Perl ones (`\pL`, `\p{Greek}`) and case-insensitive matching in Unicode
/// mode (`(?i)`), which needs the case tables.
fn reference(p: &str) -> Result<regex::Regex, String> {
    if needs_unicode_tables(p) {
        return Err("needs Unicode tables the release build did not have".into());
    }
    regex::Regex::new(p).map_err(|e| e.to_string())
}

/// `\p`/`\P` outside an escape, or an `i` flag switched on (`(?i)`, `(?mi:`) while Unicode
/// mode is on (no `-u`/`(?-u)` before it in the same group: the corpus needs no more).
fn needs_unicode_tables(p: &str) -> bool {
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if matches!(b.get(i + 1), Some(b'p' | b'P')) {
                    return true;
                }
                i += 2;
                continue;
            }
            b'(' if b.get(i + 1) == Some(&b'?') => {
                let flags: Vec<u8> = b[i + 2..]
                    .iter()
                    .copied()
                    .take_while(|c| c.is_ascii_alphabetic() || *c == b'-')
                    .collect();
                let on = flags.split(|c| *c == b'-').next().unwrap_or(&[]);
                let off_u = flags.iter().skip_while(|c| **c != b'-').any(|c| *c == b'u');
                if on.contains(&b'i') && !off_u {
                    return true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Every `pattern = '...'` (TOML literal string) in a text; in Rust source the doubled
/// backslashes of ordinary string literals are undone.
fn patterns_in(text: &str, rust: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("pattern") {
        let rest = text[i + "pattern".len()..].trim_start_matches(' ');
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let Some(rest) = rest.trim_start_matches(' ').strip_prefix('\'') else {
            continue;
        };
        let Some(end) = rest.find('\'') else { continue };
        let p = &rest[..end];
        out.push(if rust {
            p.replace("\\\\", "\\")
        } else {
            p.to_string()
        });
    }
    out
}

/// The patterns of the built-in matrices, the README and every test file, and the releases
/// the built-in matrices list.
fn known() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut patterns = BTreeSet::new();
    let mut releases = BTreeSet::new();
    for (name, _) in matrix::BUILTIN {
        let m = matrix::load(name).unwrap();
        for os in &m.data.os {
            for k in &os.kernels {
                patterns.extend(k.pattern.clone());
                releases.extend(k.builds.iter().cloned());
                releases.extend(k.min_version.clone());
            }
        }
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    patterns.extend(patterns_in(&readme, false));
    for dir in ["tests/suite", "src/matrix", "src/checks"] {
        for e in std::fs::read_dir(repo().join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                patterns.extend(patterns_in(&text, true));
            }
        }
    }
    (patterns, releases)
}

/// The syntax README documents (Rust regex syntax, ASCII semantics beyond the Perl classes)
/// and the usual mistakes, each accepted or refused by both engines alike.
const SYNTAX: &[&str] = &[
    r"^6\.8\.0-\d+-generic$",
    r"^4\.18\.0-(?P<build>\d+)[^ ]*\.el8",
    r"^5\.14\.0-(?<build>\d+)\.[0-9.]+\.el9",
    r"-(cloud-)?amd64$",
    r"^(3\.12|4\.4|4\.12)\.\d+-[0-9.]+-default$",
    r"\.el7uek",
    r"^3\.0\.[^ ]*-(default|xen)$",
    r"\w+-\s*\S+\D\W",
    r"[[:digit:]]+[[:^alpha:]][[:alnum:]_.-]",
    r"[a-z0-9.\-_]+",
    r"[]a]",
    r"[^]a]",
    r"\A\d+\z",
    r"\bel8\b|\Bx",
    r"\b{start}el\b{end}",
    r"a*?b+?c??d{2}e{2,}f{2,3}g{2,3}?",
    r"(?:x86_64|aarch64)$",
    r"(?m)^\d+$",
    r"(?s).+",
    r"(?x) ^ 6 \. 8 # the series
        \. 0 - \d+ $",
    r"(?U)\d+",
    r"(?m:^a)|(?-m:^b)",
    r"\x41\x{42}\u0043\U00000044",
    r"\t\n\r\f\v\a",
    r"\.\+\*\?\(\)\|\[\]\{\}\^\$\#\&\-\~",
    r"é|ü+",
    r".",
    r"",
    r"a|",
    r"(a)(b)?(?P<build>c)",
    r"(?i-u)el\d",
    // Refused by both.
    r"(",
    r")",
    r"[",
    r"[z-a]",
    r"a{2,1}",
    r"*a",
    r"a**",
    r"(?P<build>a)(?P<build>b)",
    r"(?P<>a)",
    r"\1",
    r"(?=a)",
    r"(?!a)",
    r"(?<=a)b",
    r"\pL",
    r"\p{Greek}",
    r"\PN",
    r"\q",
    r"(?z)a",
    r"a{4294967296}",
    r"\x{110000}",
];

/// Releases to match: the listed ones, the same with a character changed, added or cut, and
/// strings of the shapes the syntax corpus is about.
fn haystacks(releases: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = releases.iter().cloned().collect();
    for r in releases {
        out.push(format!("{r}.x86_64"));
        out.push(format!("{r}x"));
        out.push(format!("x{r}"));
        out.push(r.replace('.', "-"));
        out.push(r.replace('-', "."));
        out.push(r.replace(|c: char| c.is_ascii_digit(), "9"));
        let mut cut = r.clone();
        cut.pop();
        out.push(cut);
    }
    out.extend(
        [
            "",
            "a",
            "b",
            "ab",
            "abc",
            "aab",
            "aabbcddeeeffggg",
            "x86_64",
            "aarch64",
            "12\n34",
            "a\nb",
            "el8 x",
            "6.8.0-87-generic",
            "6.8.0-87-generic\n",
            "6 . 8 . 0 - 1",
            "A B C D",
            "\t\n\r\u{c}\u{b}\u{7}",
            ".+*?()|[]{}^$#&-~",
            "]",
            "a]",
            "foo-  bar!",
            "1a_.-",
            "2.6.32-754.35.1.el6.centos.plus.x86_64",
            "3.10.0-1160.119.1.el7.x86_64",
            "4.18.0-553.el8_10.x86_64",
            "5.14.0-427.13.1.el9_4.x86_64",
            "5.15.0-1051-azure",
            "4.12.14-122.37-default",
            "5.3.18-150300.59.43-default",
            "4.19.0-21-cloud-amd64",
            "3.8.13-118.el6uek.x86_64",
            "3.0.101-63-xen",
            "5.14.0-427 .el9",
        ]
        .map(String::from),
    );
    out
}

/// Every group's span, or the absence of a match.
fn spans_ref(re: &regex::Regex, hay: &str) -> Option<Vec<Option<(usize, usize)>>> {
    re.captures(hay).map(|c| {
        (0..re.captures_len())
            .map(|i| c.get(i).map(|m| (m.start(), m.end())))
            .collect()
    })
}

fn spans_lite(re: &regex_lite::Regex, hay: &str) -> Option<Vec<Option<(usize, usize)>>> {
    re.captures(hay).map(|c| {
        (0..re.captures_len())
            .map(|i| c.get(i).map(|m| (m.start(), m.end())))
            .collect()
    })
}

/// Same acceptance, same matches, same `build` capture for every pattern we know of and the
/// documented syntax.
#[test]
fn same_patterns_same_matches() {
    let (known, releases) = known();
    assert!(known.len() > 70, "found only {} patterns", known.len());
    assert!(
        releases.len() > 100,
        "found only {} releases",
        releases.len()
    );
    let hays = haystacks(&releases);
    let mut compared = 0;
    for p in known
        .iter()
        .map(String::as_str)
        .chain(SYNTAX.iter().copied())
    {
        let (r, l) = (reference(p), matrix::compile_pattern(p));
        match (&r, &l) {
            (Ok(r), Ok(l)) => {
                for h in &hays {
                    assert_eq!(spans_ref(r, h), spans_lite(l, h), "pattern {p:?} on {h:?}");
                    assert_eq!(
                        r.captures(h)
                            .and_then(|c| c.name("build"))
                            .map(|m| m.as_str()),
                        l.captures(h)
                            .and_then(|c| c.name("build"))
                            .map(|m| m.as_str()),
                        "pattern {p:?} on {h:?}"
                    );
                    compared += 1;
                }
            }
            (Err(_), Err(_)) => {}
            _ => panic!(
                "pattern {p:?}: regex says {:?}, regex-lite says {:?}",
                r.as_ref().err().map(ToString::to_string),
                l.as_ref().err().map(ToString::to_string)
            ),
        }
    }
    assert!(compared > 10_000, "only {compared} comparisons");
    for (name, _) in matrix::BUILTIN {
        for os in &matrix::load(name).unwrap().data.os {
            for p in os.kernels.iter().filter_map(|k| k.pattern.as_deref()) {
                assert!(matrix::compile_pattern(p).is_ok(), "{name}: {p:?} refused");
            }
        }
    }
}

/// Nesting: what regex's limit of 250 accepted still loads; far deeper is refused by both.
#[test]
fn nesting_limit() {
    let deep = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
    for n in [49, 50, 51, 120, 200] {
        let p = deep(n);
        assert!(reference(&p).is_ok(), "{n}");
        assert!(matrix::compile_pattern(&p).is_ok(), "{n}");
    }
    let p = deep(1000);
    assert!(reference(&p).is_err() && matrix::compile_pattern(&p).is_err());
}

/// The deliberate differences, as README "Static build" states them: the Perl classes and word
/// boundaries are ASCII now (a kernel release is ASCII; a Unicode digit never parsed as a
/// build number anyway); `(?i)` is ASCII case-insensitive where regex without its case tables
/// refused it; nested classes and class set operations are refused where regex took them.
#[test]
fn documented_differences() {
    let (r, l) = (
        reference(r"\d").unwrap(),
        matrix::compile_pattern(r"\d").unwrap(),
    );
    assert!(r.is_match("\u{663}") && !l.is_match("\u{663}"));
    assert!(reference("(?i)el").is_err());
    assert!(
        matrix::compile_pattern("(?i)el")
            .unwrap()
            .is_match("3.10.0-1.EL7")
    );
    for p in [r"[a[b]]", r"[a-z&&[^x]]", r"[a-z--x]", r"[a-z~~x]"] {
        assert!(reference(p).is_ok(), "{p}");
        assert!(matrix::compile_pattern(p).is_err(), "{p}");
    }
}
