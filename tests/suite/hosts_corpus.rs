//! The hosts parser on real hosts files written by others (reference/test-data.md): the hosts
//! fixtures of insights-core's parser tests and of jc, downloaded at test time by
//! tests/data/fetch-hosts-corpus.sh, plus this machine's own /etc/hosts. For every name in
//! every file (as written and in upper case) the parser's IPv4 answer is compared with glibc's
//! `getent ahostsv4` inside a network namespace whose /etc/hosts is that file; jc's own parse
//! of its fixtures is a second, independent opinion on how the lines split.

use crate::common;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::common::netns::{Netns, is_root};
use asr_preflight::parse::hosts;
use serde_json::Value;

/// The corpus directory, and each file's name and bytes.
type Corpus = (PathBuf, Vec<(String, Vec<u8>)>);

/// Downloads (or finds in the cache) the corpus once per test process; a failed download
/// fails the test.
fn corpus() -> Corpus {
    static ONCE: OnceLock<Corpus> = OnceLock::new();
    ONCE.get_or_init(fetch).clone()
}

fn fetch() -> Corpus {
    let script = common::repo().join("tests/data/fetch-hosts-corpus.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .expect("run fetch-hosts-corpus.sh");
    assert!(
        out.status.success(),
        "fetching the hosts corpus failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "hosts"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 4, "corpus too small: {files:?}");
    if let Ok(own) = std::fs::read("/etc/hosts") {
        files.push(("this machine's /etc/hosts".into(), own));
    }
    (dir, files)
}

/// jc's JSON for each of its fixtures lists every line's address and names, comments removed;
/// the parser finds the same lines with the same names.
#[test]
fn same_lines_as_jc() {
    let (cache, files) = corpus();
    let mut compared = 0;
    for (name, text) in &files {
        let Some(stem) = name.strip_suffix(".hosts").filter(|s| s.starts_with("jc-")) else {
            continue;
        };
        let json: Value =
            serde_json::from_slice(&std::fs::read(cache.join(format!("{stem}.json"))).unwrap())
                .unwrap();
        let want: Vec<(IpAddr, Vec<String>)> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["ip"].as_str().unwrap().parse().unwrap(),
                    e["hostname"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n.as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect();
        let got: Vec<(IpAddr, Vec<String>)> = hosts::parse(text)
            .entries
            .iter()
            .map(|e| {
                (
                    e.addr,
                    e.names
                        .iter()
                        .map(|n| String::from_utf8(n.clone()).unwrap())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(got, want, "{name}");
        compared += 1;
    }
    assert_eq!(compared, 2, "expected jc's two hosts fixtures");
}

/// For every name of every real file, the parser's IPv4 answer set is glibc's.
#[test]
fn same_answers_as_glibc() {
    let (_, files) = corpus();
    if !is_root() {
        return;
    }
    let a = Netns::new("corpus");
    let b = Netns::new("corpusp");
    // getent ahostsv4 asks with AI_ADDRCONFIG: the namespace needs an IPv4 address.
    a.veth("eth0", &b, &["198.51.100.1/24"], true);
    let mut checked = 0;
    for (file, text) in &files {
        a.etc("hosts", text);
        let parsed = hosts::parse(text);
        let mut names: BTreeSet<Vec<u8>> = parsed
            .entries
            .iter()
            .flat_map(|e| e.names.iter().cloned())
            .collect();
        for n in names.clone() {
            names.insert(n.to_ascii_uppercase());
        }
        names.insert(b"absent-name".to_vec());
        for name in &names {
            let glibc = a.getent_v4(b"corpus", name);
            let ours: BTreeSet<Ipv4Addr> =
                parsed.ipv4_answers(name).iter().map(|x| x.addr).collect();
            assert_eq!(
                ours,
                glibc,
                "{file}: name {:?}\n{}",
                String::from_utf8_lossy(name),
                String::from_utf8_lossy(text)
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} lookups compared");
}

/// Ubuntu's real hosts file (jc's fixture) maps its host name only to 127.0.1.1: run live in a
/// namespace with that host name and an adapter, the tool fails for the adapter's address,
/// names the loopback line, and glibc indeed answers 127.0.1.1.
#[test]
fn ubuntu_loopback_line_live() {
    let (_, files) = corpus();
    if !is_root() {
        return;
    }
    let (_, text) = files
        .iter()
        .find(|(n, _)| n == "jc-ubuntu-18.04.hosts")
        .expect("jc's Ubuntu hosts file");
    let a = Netns::new("ubuntu");
    let b = Netns::new("ubuntup");
    a.veth("ens3", &b, &["203.0.113.18/24"], true);
    a.etc("hosts", text);
    let host = b"kbrazil-ubuntu";
    assert_eq!(
        a.getent_v4(host, host),
        BTreeSet::from([Ipv4Addr::new(127, 0, 1, 1)])
    );
    let id = "hosts.nic-addresses";
    let (code, v) = a.report(host, &["--only", id]);
    assert_eq!(code, 1);
    assert_eq!(common::status(&v, id), "fail");
    let c = common::check(&v, id);
    let details: Vec<&str> = c["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        details.contains(&"loopback: 'kbrazil-ubuntu' also maps to 127.0.1.1 by /etc/hosts line 3"),
        "{details:#?}"
    );
    assert!(
        details.contains(&"203.0.113.18 on ens3: not mapped"),
        "{details:#?}"
    );
    let fix = c["remediation"].as_str().unwrap();
    assert!(fix.contains("\n203.0.113.18  kbrazil-ubuntu\n"), "{fix}");
    assert!(
        fix.contains("Take 'kbrazil-ubuntu' off /etc/hosts line 3 (`127.0.1.1 kbrazil-ubuntu`)"),
        "{fix}"
    );
}
