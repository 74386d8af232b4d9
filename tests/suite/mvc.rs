//! `mvc listen` and `mvc probe` against each other over real TCP, across network namespaces
//! this test creates: a prober namespace joined by one veth pair to a listener that lets port
//! 20004 in, and by another to a listener whose own iptables drops it. Both ends of every veth
//! live inside the test's namespaces (198.51.100.0/24); a guard deletes them however the test
//! ends. Needs root, as CI runs it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::common::bin;

/// Network namespaces deleted when dropped (which also removes their veth ends).
struct Namespaces(Vec<String>);

impl Drop for Namespaces {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn in_ns(ns: &str, program: &str, args: &[&str]) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns, program]).args(args);
    c
}

/// Unique names for this process and call: netns names and 15-byte interface names.
fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{}{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst))
}

/// A veth pair with one end in each namespace, addressed and up.
fn link(a: &str, a_addr: &str, b: &str, b_addr: &str, tag: &str) {
    let (va, vb) = (format!("va{tag}"), format!("vb{tag}"));
    ip(&[
        "link", "add", &va, "netns", a, "type", "veth", "peer", "name", &vb, "netns", b,
    ]);
    for (ns, dev, addr) in [(a, &va, a_addr), (b, &vb, b_addr)] {
        ip(&["-n", ns, "addr", "add", addr, "dev", dev]);
        ip(&["-n", ns, "link", "set", dev, "up"]);
    }
}

/// Starts `mvc listen` in a namespace and waits until it has bound the port.
fn start_listener(ns: &str, secs: &str) -> (Child, String) {
    let b = bin();
    let mut child = in_ns(
        ns,
        b.to_str().unwrap(),
        &["mvc", "listen", "--timeout", secs],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn listener");
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    assert!(
        first.starts_with("listening on TCP port 20004"),
        "listener did not start: {first:?}"
    );
    child.stdout = Some(out.into_inner());
    (child, first)
}

fn finish(mut child: Child) -> (i32, String) {
    let mut rest = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut rest)
        .unwrap();
    let st = child.wait().unwrap();
    (st.code().unwrap_or(-1), rest)
}

/// The prober reaches the open listener and is seen by it; the listener behind a DROP rule
/// never answers, so the probe reports a timeout for it and exits 1; the open listener's port
/// closed is refused; and the open peer alone gives exit 0.
#[test]
fn listen_and_probe_across_namespaces() {
    let id = unique();
    let (p, l1, l2) = (
        format!("asr-p-{id}"),
        format!("asr-l1-{id}"),
        format!("asr-l2-{id}"),
    );
    let mut guard = Namespaces(vec![]);
    for ns in [&p, &l1, &l2] {
        ip(&["netns", "add", ns]);
        guard.0.push(ns.clone());
        ip(&["-n", ns, "link", "set", "lo", "up"]);
    }
    link(
        &p,
        "198.51.100.1/30",
        &l1,
        "198.51.100.2/30",
        &format!("1{id}"),
    );
    link(
        &p,
        "198.51.100.5/30",
        &l2,
        "198.51.100.6/30",
        &format!("2{id}"),
    );
    let drop = in_ns(
        &l2,
        "iptables",
        &["-A", "INPUT", "-p", "tcp", "--dport", "20004", "-j", "DROP"],
    )
    .status()
    .expect("iptables runs");
    assert!(drop.success(), "iptables in {l2}");

    let (open, _) = start_listener(&l1, "6");
    let (dropped, _) = start_listener(&l2, "6");
    let b = bin();
    let probe = in_ns(
        &p,
        b.to_str().unwrap(),
        &[
            "mvc",
            "probe",
            "198.51.100.2",
            "198.51.100.6",
            "--timeout",
            "1.5",
        ],
    )
    .output()
    .unwrap();
    let text = String::from_utf8_lossy(&probe.stdout).to_string();
    assert_eq!(probe.status.code(), Some(1), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("198.51.100.2 port 20004: ok")
            && lines[0].contains("asr-preflight mvc listen answered"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("198.51.100.6 port 20004: FAILED") && lines[1].contains("no answer"),
        "{text}"
    );
    assert!(text.contains("1 of 2 peer(s) reachable"), "{text}");

    // Only the open peer: success.
    let ok = in_ns(
        &p,
        b.to_str().unwrap(),
        &["mvc", "probe", "198.51.100.2", "--timeout", "2"],
    )
    .output()
    .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    // A port nothing listens on is refused at once, not timed out.
    let refused = in_ns(
        &p,
        b.to_str().unwrap(),
        &[
            "mvc",
            "probe",
            "198.51.100.2",
            "--port",
            "20005",
            "--timeout",
            "3",
        ],
    )
    .output()
    .unwrap();
    let rtext = String::from_utf8_lossy(&refused.stdout).to_string();
    assert_eq!(refused.status.code(), Some(1), "{rtext}");
    assert!(rtext.contains("connection refused"), "{rtext}");

    let (code, seen) = finish(open);
    assert_eq!(code, 0, "{seen}");
    assert_eq!(
        seen.lines()
            .filter(|l| l.starts_with("peer 198.51.100.1:"))
            .count(),
        2,
        "{seen}"
    );
    assert!(
        seen.contains("done: 2 connection(s) from 1 peer(s)"),
        "{seen}"
    );
    let (code, seen) = finish(dropped);
    assert_eq!(code, 0, "{seen}");
    assert!(seen.contains("done: 0 connection(s)"), "{seen}");
    drop_guard(guard);
}

/// Deletes the namespaces now (the guard would do it on a panic too).
fn drop_guard(g: Namespaces) {
    let names = g.0.clone();
    drop(g);
    for n in names {
        let st = Command::new("ip").args(["netns", "list"]).output().unwrap();
        assert!(
            !String::from_utf8_lossy(&st.stdout).contains(&n),
            "{n} left behind"
        );
    }
}

/// Usage errors are exit 2: no peer, a zero or negative timeout, port 0.
#[test]
fn usage_errors() {
    for args in [
        vec!["mvc", "probe"],
        vec!["mvc", "probe", "127.0.0.1", "--timeout", "0"],
        vec!["mvc", "listen", "--timeout", "-1"],
        vec!["mvc", "listen", "--port", "0"],
    ] {
        let out = Command::new(bin()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
