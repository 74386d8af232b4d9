//! hostname.valid and hosts.nic-addresses on real interfaces, with glibc as the judge.
//!
//! Each test makes its own network namespaces (names carry the process id, so parallel runs do
//! not clash): veth pairs whose both ends stay in namespaces the test made, addresses from the
//! documentation ranges, a hosts file and an nsswitch.conf (`hosts: files`, so nothing is ever
//! asked of DNS) that `ip netns exec` binds over /etc, and a host name set in a private UTS
//! namespace (`unshare --uts`). The tool runs in there as a user would run it, and so does
//! `getent ahostsv4 NAME`, whose answer is what "maps" means. Namespaces and /etc/netns/NAME
//! are removed by a Drop guard even when an assertion fails.
//!
//! Needs root (CI runs as root). Run as another user, the tests say so and return.

use crate::common;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::common::netns::{Netns, is_root};
use asr_preflight::parse::hosts;
use serde_json::Value;

fn details(v: &Value, id: &str) -> Vec<String> {
    common::check(v, id)["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_string())
        .collect()
}

/// Deterministic pseudo-random numbers (xorshift), so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// The counted addresses of the standard layout (see `standard_layout`).
const COUNTED: [&str; 3] = ["198.51.100.10", "198.51.100.11", "203.0.113.20"];

/// eth0 with two addresses, eth1 with one, docker0 (a container bridge, ignored), eth2 down.
fn standard_layout(tag: &str) -> (Netns, Netns) {
    let a = Netns::new(tag);
    let b = Netns::new(&format!("{tag}p"));
    a.ip("link set lo up");
    a.veth("eth0", &b, &["198.51.100.10/24", "198.51.100.11/24"], true);
    a.veth("eth1", &b, &["203.0.113.20/24"], true);
    a.veth("docker0", &b, &["203.0.113.99/24"], true);
    a.veth("eth2", &b, &["203.0.113.77/24"], false);
    (a, b)
}

/// One line of a hosts file for `addr` and host name `h`, in one of many forms; returns the
/// text and a description for failure messages.
fn line_form(rng: &mut Rng, addr: &str, h: &str) -> (String, &'static str) {
    let short = h.split('.').next().unwrap();
    let zero_padded = {
        let mut parts: Vec<String> = addr.split('.').map(str::to_string).collect();
        parts[2] = format!("0{}", parts[2]);
        parts.join(".")
    };
    match rng.below(17) {
        0 => (format!("{addr} {h}"), "canonical"),
        1 => (format!("{addr} other.example.org {h}"), "alias"),
        2 => {
            if short == h {
                (format!("{addr} {h}.example.com"), "fqdn only")
            } else {
                (format!("{addr} {short}"), "short only")
            }
        }
        3 => (format!("{addr} {}", h.to_uppercase()), "upper case"),
        4 => (format!("# {addr} {h}"), "commented out"),
        5 => (format!("{addr} {h} # primary"), "trailing comment"),
        6 => (format!("{addr} {h}#old"), "glued comment after"),
        7 => (format!("{addr} x#{h}"), "glued comment before"),
        8 => (format!("{addr} {h}\r"), "CRLF"),
        9 => (format!("\t {addr}\t\t {h}  \t"), "tabs and blanks"),
        10 => (format!("::ffff:{addr} {h}"), "IPv4-mapped IPv6"),
        11 => (format!("{zero_padded} {h}"), "leading zero octet"),
        12 => (format!("{addr}\x0b{h}\x0c"), "vertical tab and form feed"),
        13 => (format!("{addr} {h}-old"), "longer name"),
        14 => (format!("{h} {addr}"), "fields reversed"),
        15 => (format!("{addr} {}", h.to_lowercase()), "lower case"),
        _ => (String::new(), "missing"),
    }
}

/// Over many generated hosts files and host names, the tool says an address is mapped exactly
/// when glibc's lookup of the host name returns it, warns about loopback exactly when glibc
/// returns a loopback address, and its status follows; the library's IPv4 answer set equals
/// glibc's. Then the lines the remediation names are appended, and glibc maps every address.
#[test]
fn agrees_with_glibc_on_generated_cases() {
    if !is_root() {
        return;
    }
    let (a, _b) = standard_layout("gen");
    let seed: u64 = std::env::var("ASR_NET_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_abcd_0001);
    let cases: usize = std::env::var("ASR_NET_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48);
    let mut rng = Rng(seed);
    let names = [
        "web01",
        "web01.example.com",
        "Web-01",
        "db7",
        "app-server-1.corp.example.net",
        "X",
    ];
    let loopbacks = [
        "",
        "127.0.1.1 {h}",
        "::1 localhost ip6-localhost {h}",
        "127.0.0.1 localhost",
        "127.0.0.1 localhost {h}.localdomain",
        "127.0.0.2 {H}",
    ];
    let noise = [
        "# generated by the test",
        "",
        "   ",
        "192.0.2.200 unrelated.example.com unrelated",
        "2001:db8::99 {h}",
        "ff02::1 ip6-allnodes",
        "not-an-address {h}",
    ];
    let mut seen_status = BTreeSet::new();
    for case in 0..cases {
        let h = *rng.pick(&names);
        let mut lines: Vec<(String, String)> = Vec::new();
        for addr in COUNTED {
            let n = 1 + rng.below(2);
            for _ in 0..n {
                let (l, what) = line_form(&mut rng, addr, h);
                lines.push((l, format!("{addr}: {what}")));
            }
        }
        let lb = rng
            .pick(&loopbacks)
            .replace("{h}", h)
            .replace("{H}", &h.to_uppercase());
        lines.push((lb, "loopback".into()));
        for _ in 0..rng.below(4) {
            lines.push((rng.pick(&noise).replace("{h}", h), "noise".into()));
        }
        // Shuffle (Fisher-Yates).
        for i in (1..lines.len()).rev() {
            let j = rng.below(i + 1);
            lines.swap(i, j);
        }
        let file: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
        let ctx = format!(
            "case {case} (seed {seed:#x}), host name {h}, hosts file:\n{}",
            lines
                .iter()
                .map(|(l, w)| format!("  {l:?}  <- {w}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        a.etc("hosts", file.as_bytes());
        a.etc("hostname", format!("{h}\n").as_bytes());

        let glibc = a.getent_v4(h.as_bytes(), h.as_bytes());
        let ours: BTreeSet<Ipv4Addr> = hosts::parse(file.as_bytes())
            .ipv4_answers(h.as_bytes())
            .iter()
            .map(|x| x.addr)
            .collect();
        assert_eq!(ours, glibc, "library answer differs from glibc\n{ctx}");

        let (code, v) = a.report(
            h.as_bytes(),
            &["--only", "hosts.nic-addresses,hostname.valid"],
        );
        let id = "hosts.nic-addresses";
        let d = details(&v, id);
        let mut any_missing = false;
        for addr in COUNTED {
            let ip: Ipv4Addr = addr.parse().unwrap();
            let mapped = glibc.contains(&ip);
            any_missing |= !mapped;
            let prefix = format!("{addr} on ");
            let line = d
                .iter()
                .find(|x| x.starts_with(&prefix))
                .unwrap_or_else(|| panic!("no detail for {addr}: {d:#?}\n{ctx}"));
            assert_eq!(
                line.contains(": mapped by /etc/hosts"),
                mapped,
                "{line} but glibc says mapped={mapped}\n{ctx}"
            );
        }
        let glibc_loopback = glibc.iter().any(|x| x.is_loopback());
        let ours_loopback = d.iter().any(|x| x.starts_with("loopback: "));
        assert_eq!(
            ours_loopback, glibc_loopback,
            "loopback warning\n{ctx}\n{d:#?}"
        );
        assert!(
            d.iter()
                .any(|x| x.starts_with("ignored: docker0 (container")),
            "{d:#?}"
        );
        assert!(
            d.iter().any(|x| x.starts_with("not counted: eth2 (down)")),
            "{d:#?}"
        );
        assert!(
            !d.iter()
                .any(|x| x.contains("203.0.113.99 on") || x.contains("203.0.113.77 on"))
        );
        let want = if any_missing {
            "fail"
        } else if glibc_loopback {
            "warn"
        } else {
            "pass"
        };
        assert_eq!(common::status(&v, id), want, "{ctx}\n{d:#?}");
        assert_eq!(common::status(&v, "hostname.valid"), "pass");
        assert_eq!(code, if any_missing { 1 } else { 0 }, "{ctx}");
        seen_status.insert(want);

        // The remediation's lines, appended to the file, make glibc map every address.
        if any_missing {
            let fix = common::check(&v, id)["remediation"]
                .as_str()
                .unwrap()
                .to_string();
            let added: Vec<&str> = fix
                .lines()
                .skip_while(|l| !l.starts_with("Add to /etc/hosts:"))
                .skip(1)
                .take_while(|l| {
                    l.split_whitespace()
                        .next()
                        .is_some_and(|a| a.parse::<std::net::IpAddr>().is_ok())
                })
                .collect();
            assert!(!added.is_empty(), "no lines to add in {fix:?}\n{ctx}");
            let fixed = format!("{file}{}\n", added.join("\n"));
            a.etc("hosts", fixed.as_bytes());
            let after = a.getent_v4(h.as_bytes(), h.as_bytes());
            for addr in COUNTED {
                assert!(
                    after.contains(&addr.parse().unwrap()),
                    "after adding {added:?}, glibc still does not map {addr}\n{ctx}"
                );
            }
            let (_, v2) = a.report(h.as_bytes(), &["--only", "hosts.nic-addresses"]);
            assert_ne!(common::status(&v2, id), "fail", "{ctx}");
        }
    }
    // The generator must exercise every outcome, or it proves less than it claims.
    assert_eq!(
        seen_status,
        ["fail", "pass", "warn"].into_iter().collect(),
        "generated cases did not cover every status"
    );
}

/// IPv6: a global address unmapped warns, mapped passes; its link-local address is never
/// asked for. Virtual bridges and --ignore-interface globs are listed as ignored, a down
/// interface is not counted, and the host name comes from the kernel, not /etc/hostname.
#[test]
fn ipv6_ignored_and_down_interfaces() {
    if !is_root() {
        return;
    }
    let a = Netns::new("v6");
    let b = Netns::new("v6p");
    a.ip("link set lo up");
    a.veth("eth0", &b, &["198.51.100.10/24", "2001:db8::10/64"], true);
    a.veth("virbr0", &b, &["203.0.113.1/24"], true);
    a.veth("ib0", &b, &["203.0.113.2/24"], true);
    a.veth("eth3", &b, &["203.0.113.3/24"], false);
    a.etc("hostname", b"name-in-file\n");
    a.etc(
        "hosts",
        b"127.0.0.1 localhost\n198.51.100.10 node1.example.com node1\n",
    );
    let id = "hosts.nic-addresses";
    let (code, v) = a.report(b"node1", &["--only", id, "--ignore-interface", "ib*"]);
    assert_eq!(code, 0);
    assert_eq!(common::status(&v, id), "warn");
    let s = common::check(&v, id)["summary"].as_str().unwrap();
    assert_eq!(s, "IPv6 2001:db8::10 (eth0) not mapped");
    let d = details(&v, id);
    for want in [
        "host name 'node1' from kernel (gethostname)",
        "198.51.100.10 on eth0: mapped by /etc/hosts line 2",
        "2001:db8::10 on eth0 (IPv6): not mapped",
        "ignored: virbr0 (container or virtual-bridge interface (matches virbr*)): 203.0.113.1",
        "ignored: ib0 (--ignore-interface ib*): 203.0.113.2",
        "not counted: eth3 (down): 203.0.113.3",
    ] {
        assert!(d.iter().any(|x| x == want), "missing {want:?} in {d:#?}");
    }
    assert!(!d.iter().any(|x| x.contains("fe80")), "{d:#?}");
    assert!(
        common::check(&v, id)["remediation"]
            .as_str()
            .unwrap()
            .contains("2001:db8::10  node1.example.com node1")
    );
    // Without --ignore-interface, ib0's address counts and is missing.
    let (_, v) = a.report(b"node1", &["--only", id]);
    assert_eq!(common::status(&v, id), "fail");
    // Mapping the IPv6 address too (and ib0 ignored again) passes.
    a.etc(
        "hosts",
        b"127.0.0.1 localhost\n198.51.100.10 node1.example.com node1\n2001:db8::10 node1.example.com node1\n",
    );
    let (code, v) = a.report(b"node1", &["--only", id, "--ignore-interface", "ib*"]);
    assert_eq!((code, common::status(&v, id)), (0, "pass".to_string()));
    // hostname.valid notes that /etc/hostname names the machine differently.
    let (_, v) = a.report(b"node1", &["--only", "hostname.valid"]);
    assert!(
        details(&v, "hostname.valid")
            .iter()
            .any(|x| x == "/etc/hostname sets 'name-in-file' (not the name in use)")
    );
}

/// hostname.valid judges the kernel's name: bad characters, bad length, hyphens at the ends,
/// and bytes that are not UTF-8 fail with the culprit named; an FQDN is judged by its first label.
#[test]
fn live_hostname_rule() {
    if !is_root() {
        return;
    }
    let a = Netns::new("name");
    let id = "hostname.valid";
    let long = "a".repeat(64);
    let cases: Vec<(&[u8], &str, &str)> = vec![
        (b"web01.example.com", "pass", "'web01' (5 characters)"),
        (b"web_01", "fail", "character 4 is '_'"),
        (b"-web01", "fail", "it begins with a hyphen"),
        (b"web01-.example.com", "fail", "it ends with a hyphen"),
        (long.as_bytes(), "fail", "it is 64 characters long"),
        (
            b"caf\xe9",
            "fail",
            "character 4 is the byte \\xe9 (not UTF-8)",
        ),
        (b"localhost", "warn", "the default 'localhost'"),
    ];
    for (name, want, text) in cases {
        let (_, v) = a.report(name, &["--only", id]);
        let c = common::check(&v, id);
        assert_eq!(
            c["status"],
            want,
            "{:?}: {c:#}",
            String::from_utf8_lossy(name)
        );
        assert!(c["summary"].as_str().unwrap().contains(text), "{c:#}");
    }
}
