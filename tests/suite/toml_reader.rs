//! Differential test of our strict TOML reader (src/parse/toml) against the `toml` crate
//! (a dev-dependency): on the built-in matrices, on generated matrix and waiver files written in
//! every TOML spelling of their values, and on thousands of damaged copies of them, both must
//! read the same values and refuse the same files.

use asr_preflight::matrix::Matrix;
use asr_preflight::parse::toml as ours;

/// A small deterministic generator (xorshift64*), so a failure can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Text with the characters strings are hard on: quotes, backslashes, tabs, non-ASCII, controls.
fn text(r: &mut Rng) -> String {
    let pieces = [
        "VMW-2026",
        "a b",
        "\"",
        "'",
        "\\",
        "\t",
        "é",
        "☃",
        "\n",
        "\u{1}",
        "\u{7f}",
        "#",
        "=",
        "[x]",
        "{",
        ",",
        "''",
        "\"\"",
        "-",
        "ms.date",
        "\r\n",
        "\u{1f600}",
    ];
    (0..r.below(6)).map(|_| r.pick(&pieces)).collect()
}

/// `s` as a TOML string in one of the four forms that can hold it.
fn string(r: &mut Rng, s: &str) -> String {
    let control = s.chars().any(|c| (c < ' ' && c != '\t') || c == '\u{7f}');
    let multi_ok = !s
        .chars()
        .any(|c| (c < ' ' && c != '\t' && c != '\n') || c == '\u{7f}')
        && !s.contains('\r');
    match r.below(4) {
        1 if !control && !s.contains('\'') => format!("'{s}'"),
        2 if multi_ok && !s.contains("'''") && !s.ends_with('\'') => format!("'''{s}'''"),
        3 if multi_ok && !s.contains('\\') && !s.contains("\"\"\"") && !s.ends_with('"') => {
            let nl = if r.chance(50) { "\n" } else { "" };
            format!("\"\"\"{nl}{s}\"\"\"")
        }
        _ => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str(r.pick(&["\\n", "\\u000A", "\\x0a"])),
                    '\t' if r.chance(50) => out.push_str("\\t"),
                    c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
                    'é' if r.chance(50) => out.push_str("\\u00e9"),
                    '\u{1f600}' if r.chance(50) => out.push_str("\\U0001F600"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

/// An integer in one of its spellings.
fn int(r: &mut Rng, v: u64) -> String {
    match r.below(5) {
        0 if v > 0 => format!("0x{v:x}"),
        1 => format!("0o{v:o}"),
        2 if v >= 1000 => {
            let s = v.to_string();
            let (a, b) = s.split_at(s.len() - 3);
            format!("{a}_{b}")
        }
        3 => format!("+{v}"),
        _ => v.to_string(),
    }
}

fn float(r: &mut Rng) -> String {
    r.pick(&[
        "0.5859375",
        "5.859375e-1",
        "1e0",
        "2",
        "0.25",
        "1_0.5",
        "3.0E+1",
        "0.1",
        "6.02e23",
        "-0.0",
    ])
    .to_string()
}

/// A key, bare or quoted.
fn key(r: &mut Rng, k: &str) -> String {
    match r.below(6) {
        0 => format!("\"{k}\""),
        1 => format!("'{k}'"),
        _ => k.to_string(),
    }
}

fn blank(r: &mut Rng) -> &'static str {
    ["", " ", "\t", "  # note\n"][r.below(4)]
}

/// `key = value` lines for a table's fields.
fn fields(r: &mut Rng, out: &mut String, fields: &[(&str, String)]) {
    for (k, v) in fields {
        out.push_str(&format!(
            "{}{}={}{}\n",
            key(r, k),
            blank_inline(r),
            blank_inline(r),
            v
        ));
        if r.chance(10) {
            out.push_str("# a comment with \"quotes\" and [brackets]\n");
        }
    }
}

fn blank_inline(r: &mut Rng) -> &'static str {
    ["", " ", "\t "][r.below(3)]
}

/// An inline table of the fields, on one line or (TOML 1.1) several.
fn inline(r: &mut Rng, fields: &[(&str, String)]) -> String {
    let multi = r.chance(30);
    let sep = if multi { ",\n  " } else { ", " };
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{} = {v}", key(r, k)))
        .collect();
    let trail = if multi && r.chance(50) { "," } else { "" };
    let nl = if multi { "\n" } else { "" };
    format!("{{{nl}{}{trail}{nl}}}", body.join(sep))
}

fn list(r: &mut Rng, items: &[String]) -> String {
    let multi = r.chance(30);
    let sep = if multi { ",\n  " } else { ", " };
    let trail = if r.chance(30) { "," } else { "" };
    let comment = if multi && r.chance(50) {
        " # items\n"
    } else {
        ""
    };
    format!(
        "[{comment}{}{trail}{}]",
        items.join(sep),
        if multi { "\n" } else { "" }
    )
}

fn scenario(r: &mut Rng, out: &mut String, name: &str) {
    let policy = pick_string(
        r,
        &["listed", "not-covered", "any-azure-supported", "listd"],
    );
    let source = rstr(r);
    let mut f = vec![("policy", policy), ("source", source)];
    if r.chance(40) {
        let limits = vec![
            ("disk_max_gib", int(r, 32767)),
            ("install_space_gib", float(r)),
        ];
        f.push(("limits", inline(r, &limits)));
    }
    match r.below(3) {
        0 => {
            out.push_str(&format!("[scenarios.{}]\n", key(r, name)));
            fields(r, out, &f);
        }
        1 => out.push_str(&format!("scenarios.{} = {}\n", key(r, name), inline(r, &f))),
        _ => {
            for (k, v) in &f {
                out.push_str(&format!("scenarios . {} . {k} = {v}\n", key(r, name)));
            }
        }
    }
}

/// A random text as a TOML string.
fn rstr(r: &mut Rng) -> String {
    let t = text(r);
    string(r, &t)
}

/// One of `xs` as a TOML string.
fn pick_string(r: &mut Rng, xs: &[&str]) -> String {
    let t = r.pick(xs);
    string(r, t)
}

fn os_row(r: &mut Rng, out: &mut String) {
    out.push_str(&format!("{}[[os]]{}\n", blank(r), blank_inline(r)));
    let versions: Vec<String> = ["7.9", "8.0..8.10", "9"]
        .iter()
        .map(|v| string(r, v))
        .collect();
    let mut f = vec![
        ("id", string(r, "rhel")),
        ("name", rstr(r)),
        ("versions", list(r, &versions)),
    ];
    if r.chance(50) {
        f.push(("ms_date", string(r, "2026-04-06")));
    }
    fields(r, out, &f);
    let n = r.below(3);
    let rules: Vec<Vec<(&str, String)>> = (0..n)
        .map(|_| {
            let pattern = pick_string(r, &["^2\\.6\\.32-(?P<build>\\d+)", "^5\\.14\\.0-", "("]);
            let mut k = vec![("pattern", pattern), ("description", rstr(r))];
            if r.chance(50) {
                k.push(("build_min", {
                    let v = r.below(800) as u64;
                    int(r, v)
                }));
            }
            if r.chance(30) {
                let b: Vec<String> = (0..r.below(4))
                    .map(|_| {
                        let v = r.below(99) as u64;
                        int(r, v)
                    })
                    .collect();
                k.push(("exclude_builds", list(r, &b)));
            }
            k
        })
        .collect();
    if r.chance(50) {
        let items: Vec<String> = rules.iter().map(|k| inline(r, k)).collect();
        if n > 0 {
            out.push_str(&format!("kernels = {}\n", list(r, &items)));
        }
    } else {
        for k in &rules {
            out.push_str("[[os.kernels]]\n");
            fields(r, out, k);
        }
    }
}

/// A whole matrix file in a random spelling.
fn matrix_file(r: &mut Rng) -> String {
    let mut out = String::new();
    if r.chance(10) {
        out.push_str("# generated\r\n");
    }
    let f = vec![
        ("name", string(r, "gen")),
        ("description", rstr(r)),
        ("source", rstr(r)),
    ];
    fields(r, &mut out, &f);
    if r.chance(50) {
        out.push_str(&format!("arch = {}\n", {
            let a = [string(r, "x86_64")];
            list(r, &a)
        }));
    }
    for s in ["vmware-to-azure", "azure-to-azure"] {
        scenario(r, &mut out, s);
    }
    if r.chance(50) {
        out.push_str("[limits]\n");
        let f = vec![
            ("disk_count_max", int(r, 64)),
            ("install_space_gib", float(r)),
        ];
        fields(r, &mut out, &f);
    }
    for _ in 0..r.below(4) {
        os_row(r, &mut out);
    }
    out
}

/// A waivers file in a random spelling.
fn waivers_file(r: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..r.below(4) {
        out.push_str("[[waiver]]\n");
        let hosts: Vec<String> = ["db-*", "web-0[1-4]"]
            .iter()
            .map(|h| string(r, h))
            .collect();
        let expires = if r.chance(10) {
            "2027-03-31".to_string()
        } else {
            string(r, "2027-03-31")
        };
        let f = vec![
            ("code", string(r, "os.supported")),
            ("hosts", list(r, &hosts)),
            ("reason", rstr(r)),
            ("expires", expires),
        ];
        fields(r, &mut out, &f);
    }
    out
}

/// A damaged copy: a character dropped, doubled or replaced by one TOML cares about, or a line
/// repeated.
fn damage(r: &mut Rng, s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return "=".into();
    }
    let at = r.below(chars.len());
    let special = [
        '"', '\'', '[', ']', '{', '}', ',', '=', '.', '#', '\n', ' ', '\\', '_', 'x', '0', '\r',
    ];
    let mut out = chars.clone();
    match r.below(4) {
        0 => {
            out.remove(at);
        }
        1 => out.insert(at, chars[at]),
        2 => out[at] = special[r.below(special.len())],
        _ => {
            let lines: Vec<&str> = s.lines().collect();
            let l = lines[r.below(lines.len())];
            return format!("{s}{l}\n");
        }
    }
    out.into_iter().collect()
}

/// Both readers on `text`: the same refusal, or the same values (as JSON). True when read.
fn agree<T>(text: &str, seed: u64) -> bool
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let a = ours::from_str::<T>(text).map(|v| serde_json::to_value(v).unwrap());
    let b = toml::from_str::<T>(text).map(|v| serde_json::to_value(v).unwrap());
    match (&a, &b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "seed {seed}: different values for\n{text}"),
        (Err(_), Err(_)) => return false,
        _ => panic!(
            "seed {seed}: ours {:?}, toml {:?}, for\n{text}",
            a.as_ref().map(|_| "ok").map_err(|e| e.to_string()),
            b.as_ref().map(|_| "ok").map_err(|e| e.to_string())
        ),
    }
    true
}

/// The generic tree too (every key, not only the fields a type knows). The one deliberate
/// difference: a bare date or time is refused by ours (no field takes one) where `toml` reads it
/// into a generic tree; `agree` on the real types shows both refuse such a file.
fn agree_raw(text: &str, seed: u64) {
    if let Err(e) = ours::from_str::<serde_json::Value>(text)
        && e.message.contains("is a date or time")
    {
        let theirs = toml::from_str::<serde_json::Value>(text);
        let theirs = theirs.map(|v| v.to_string()).unwrap_or_default();
        assert!(
            theirs.contains("toml_private_datetime") || theirs.is_empty(),
            "seed {seed}: {text}"
        );
        return;
    }
    agree::<serde_json::Value>(text, seed);
}

#[test]
fn builtin_matrices_read_the_same() {
    for (name, text) in asr_preflight::matrix::BUILTIN {
        let a = serde_json::to_value(ours::from_str::<Matrix>(text).unwrap()).unwrap();
        let b = serde_json::to_value(toml::from_str::<Matrix>(text).unwrap()).unwrap();
        assert_eq!(a, b, "{name}");
        agree_raw(text, 0);
    }
}

#[test]
fn generated_and_damaged_files_read_the_same() {
    // How many files both read / both refused: each side must be well exercised.
    let (mut read, mut refused) = (0, 0);
    let mut count = |ok: bool| if ok { read += 1 } else { refused += 1 };
    for seed in 1..=1500u64 {
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let m = matrix_file(&mut r);
        count(agree::<Matrix>(&m, seed));
        agree_raw(&m, seed);
        let w = waivers_file(&mut r);
        count(agree::<Waivers>(&w, seed));
        for _ in 0..4 {
            let d = damage(&mut r, &m);
            count(agree::<Matrix>(&d, seed));
            agree_raw(&d, seed);
            let d = damage(&mut r, &w);
            count(agree::<Waivers>(&d, seed));
            agree_raw(&d, seed);
        }
    }
    eprintln!("read {read}, refused {refused}");
    assert!(
        read > 2000 && refused > 2000,
        "read {read}, refused {refused}"
    );
}

/// The shape of a waivers file (src/waivers.rs's own type is private to it).
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Waivers {
    #[serde(default)]
    waiver: Vec<Waiver>,
}

#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Waiver {
    code: String,
    #[serde(default)]
    hosts: Vec<String>,
    reason: String,
    expires: String,
}

/// Line numbers survive into type errors, and what TOML refuses is refused with a reason.
#[test]
fn errors_name_the_line() {
    let e = ours::from_str::<Matrix>("name='x'\ndescription='d'\nsource='s'\nscenaros={}\n")
        .unwrap_err();
    assert_eq!(e.line, 4, "{e}");
    assert!(e.message.contains("unknown field `scenaros`"), "{e}");
    let e = ours::from_str::<Waivers>("[[waiver]]\ncode='a.b'\nreason='r'\nexpires=2027-03-31\n")
        .unwrap_err();
    assert_eq!(e.line, 4, "{e}");
    for bad in [
        "a=1\na=2\n",
        "[a]\n[a]\n",
        "a.b=1\n[a]\n",
        "a={}\n[a]\n",
        "a=[]\n[[a]]\n",
        "a='\n",
        "a=01\n",
        "a=\"\\q\"\n",
    ] {
        assert!(ours::parse(bad).is_err(), "{bad:?}");
        assert!(toml::from_str::<toml::Table>(bad).is_err(), "{bad:?}");
    }
}
