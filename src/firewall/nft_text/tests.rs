use super::super::eval::{Verdict, evaluate};
use super::super::{Family, Kind};
use super::*;

fn no_include(_: &str) -> Result<Vec<(String, String)>, String> {
    Err("no includes here".into())
}

fn verdict(text: &str, port: u16) -> Verdict {
    let rs = parse("test.nft", text, "nftables", &no_include).unwrap();
    evaluate(&rs, Family::V4, port).verdict
}

/// Debian's shipped /etc/nftables.conf: an input chain without a policy accepts everything.
#[test]
fn debian_default_accepts() {
    let t = "#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter;\n\t}\n}\n";
    let rs = parse("nftables.conf", t, "nftables", &no_include).unwrap();
    assert!(evaluate(&rs, Family::V4, 22).no_rules);
}

/// A typical server ruleset: sets, defines, ct state lists, vmaps, policy drop.
#[test]
fn server_ruleset() {
    let t = r#"
define SSH = 2222
define WEB = { 80, 443 }
table inet filter {
  set mvc { type inet_service; elements = { 20004 } }
  chain input {
    type filter hook input priority 0; policy drop;
    iifname lo accept
    ct state established,related accept
    ct state { invalid } drop
    tcp dport $SSH ct state new counter accept comment "ssh"
    tcp dport $WEB accept
    tcp dport @mvc accept
    tcp dport vmap { 25 : drop, 26: accept }
    ip saddr 192.0.2.0/24 tcp dport 5432 accept
    tcp flags & (syn | ack) == syn tcp dport 27 log prefix "x " accept
  }
}
"#;
    for p in [2222, 80, 443, 20004, 26, 27] {
        assert_eq!(verdict(t, p), Verdict::Accepted, "port {p}");
    }
    for p in [22, 25, 8080] {
        assert_eq!(verdict(t, p), Verdict::Blocked, "port {p}");
    }
    let rs = parse("t", t, "nftables", &no_include).unwrap();
    let a = evaluate(&rs, Family::V4, 5432);
    assert_eq!(a.verdict, Verdict::Conditional);
    assert_eq!(a.conditions[0].kind, Kind::Source);
    assert!(a.conditions[0].origin.text.contains("192.0.2.0/24"));
}

/// An include graph that fans out (10 files at each of three levels) stops at the include
/// budget with an error; a self-include stops at the depth limit.
#[test]
fn include_fan_out_hits_the_budget() {
    let fan = |pattern: &str| -> Result<Vec<(String, String)>, String> {
        let level = pattern.as_bytes()[5];
        let body = match level {
            b'c' => "table ip t { chain c { } }\n".to_string(),
            l => format!("include \"/etc/{}/*\"\n", (l + 1) as char),
        };
        Ok((0..10)
            .map(|i| (format!("/etc/{}/{i}", level as char), body.clone()))
            .collect())
    };
    let top = "include \"/etc/a/*\"\n";
    let e = parse("/etc/nftables.conf", top, "nftables", &fan).unwrap_err();
    assert!(e.message.contains("more than 256 files"), "{e:?}");
    let me = |_: &str| -> Result<Vec<(String, String)>, String> {
        Ok(vec![("/etc/nftables.conf".into(), top.into())])
    };
    let e = parse("/etc/nftables.conf", top, "nftables", &me).unwrap_err();
    assert!(e.message.contains("nested more than 16 deep"), "{e:?}");
}

/// A rule set past MAX_OBJECTS objects is an error naming the limit, not gigabytes of
/// memory; just under it parses.
#[test]
fn object_limit() {
    let chains = |n: usize| {
        let mut t = String::from("table ip t {\n");
        for i in 0..n {
            t.push_str(&format!("chain c{i} {{ }}\n"));
        }
        t + "}\n"
    };
    let e = parse("t", &chains(MAX_OBJECTS + 1), "nftables", &no_include).unwrap_err();
    assert!(e.message.contains("more than 150000 chains"), "{e:?}");
    assert!(parse("t", &chains(MAX_OBJECTS - 1), "nftables", &no_include).is_ok());
}

/// `add rule` commands and includes resolved through the caller.
/// A define's `$name` is substituted when the define is read, as nft does: a value that
/// names its own variable means the earlier value (or stays a literal when there is none),
/// never an endless expansion. (fuzz/regressions/nftables/nft-define-cycle-stack-overflow)
#[test]
fn defines_expand_when_read() {
    let t = "define P = 22\ndefine P = { $P, 20004 }\ndefine Q = $Q\ntable ip t {\n chain input {\n type filter hook input priority 0; policy drop;\n tcp dport $P accept\n tcp dport $Q accept\n }\n}\n";
    let rs = parse("t", t, "nftables", &no_include).unwrap();
    assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
    assert_eq!(evaluate(&rs, Family::V4, 20004).verdict, Verdict::Accepted);
    // `$Q` never had a value, so its rule cannot be judged for other ports.
    assert_eq!(evaluate(&rs, Family::V4, 23).verdict, Verdict::Undetermined);
    let crash =
        include_bytes!("../../../fuzz/regressions/nftables/nft-define-cycle-stack-overflow");
    let _ = parse(
        "t",
        &String::from_utf8_lossy(crash),
        "nftables",
        &no_include,
    );
}

/// Definitions that double each other 30 times would expand to a billion tokens: the parse
/// stops at the budget with an error instead of exhausting memory.
#[test]
fn doubling_defines_hit_the_budget() {
    let mut t = String::from("define d0 = { 22, 23 }\n");
    for i in 1..=30 {
        t.push_str(&format!("define d{i} = {{ $d{}, $d{} }}\n", i - 1, i - 1));
    }
    t.push_str("table ip t {\n chain input {\n type filter hook input priority 0; policy drop;\n tcp dport $d30 accept\n }\n}\n");
    let e = parse("t", &t, "nftables", &no_include).unwrap_err();
    assert!(e.message.contains("expand to more than"), "{e:?}");
}

#[test]
fn commands_and_includes() {
    let inc = |p: &str| -> Result<Vec<(String, String)>, String> {
        assert_eq!(p, "/etc/nftables/*.nft");
        Ok(vec![(
            "/etc/nftables/main.nft".into(),
            "add rule ip t input tcp dport 22 accept\n".into(),
        )])
    };
    let t = "add table ip t\nadd chain ip t input { type filter hook input priority 0 ; policy drop ; }\ninclude \"/etc/nftables/*.nft\"\n";
    let rs = parse("t", t, "nftables", &inc).unwrap();
    assert_eq!(evaluate(&rs, Family::V4, 22).verdict, Verdict::Accepted);
    assert_eq!(evaluate(&rs, Family::V4, 23).verdict, Verdict::Blocked);
    // An ip table does not see IPv6.
    assert!(evaluate(&rs, Family::V6, 23).no_rules);
}

/// An expression outside the subset is quoted and keeps its verdict.
#[test]
fn unknown_expression_is_quoted() {
    let t = "table ip t {\n chain input {\n type filter hook input priority 0; policy drop;\n osf name \"Linux\" tcp dport 22 accept\n }\n}\n";
    let rs = parse("t", t, "nftables", &no_include).unwrap();
    let a = evaluate(&rs, Family::V4, 22);
    assert_eq!(a.verdict, Verdict::Undetermined);
    assert!(
        a.unknowns.iter().any(|u| u.contains("osf")),
        "{:?}",
        a.unknowns
    );
}

/// Syntax errors name the file and line.
#[test]
fn errors_have_lines() {
    let e = parse(
        "f.nft",
        "table ip t {\n chain c {\n",
        "nftables",
        &no_include,
    )
    .unwrap_err();
    assert_eq!(e.file, "f.nft");
    let e = parse("f.nft", "\n\nbogus thing\n", "nftables", &no_include).unwrap_err();
    assert_eq!(e.line, 3);
}

/// A rule that names a set is lowered only once the document is read: elements added after it
/// still count, as they do for `nft -f`.
#[test]
fn set_elements_added_after_the_rule_count() {
    let t = "table inet f {\n set s { type inet_service; }\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport @s accept\n  tcp dport 80 accept\n }\n}\nadd element inet f s { 2222 }\n";
    assert_eq!(verdict(t, 2222), Verdict::Accepted);
    assert_eq!(verdict(t, 80), Verdict::Accepted);
    assert_eq!(verdict(t, 22), Verdict::Blocked);
}
