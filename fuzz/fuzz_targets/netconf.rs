//! The network-identity parsers: hosts (with lookups), the YAML subset and netplan, ifupdown,
//! ifcfg in both dialects, NetworkManager keyfiles, and glob patterns.
#![no_main]
use asr_preflight::parse::{glob, hosts, ifcfg, ifupdown, netplan, nm_keyfile, yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let h = hosts::parse(data);
    for e in h.entries.iter().take(8) {
        for n in &e.names {
            let _ = h.ipv4_answers(n);
            let _ = h.ipv6_answers(n);
        }
    }
    let s = String::from_utf8_lossy(data);
    let _ = yaml::parse(&s);
    if let Ok(devs) = netplan::parse(&s) {
        let _ = netplan::interfaces(&[devs]);
    }
    let _ = ifupdown::parse(&s);
    let _ = ifcfg::parse("eth0", &s, ifcfg::Dialect::RedHat);
    let _ = ifcfg::parse("eth0", &s, ifcfg::Dialect::Suse);
    let _ = nm_keyfile::load("eth0", &s);
    let _ = nm_keyfile::is_profile_file(&s, true);
    let (pat, name) = s.split_once('\n').unwrap_or((&s, "eth0"));
    if let Ok(g) = glob::Glob::new(pat) {
        let _ = g.matches(name.as_bytes());
    }
});
