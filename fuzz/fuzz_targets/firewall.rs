//! The firewall formats: iptables-save (IPv4 and IPv6), nftables JSON and text, and sshd_config
//! and /proc/net/tcp, which decide the ports the firewall is asked about.
#![no_main]
use asr_preflight::firewall::{Family, iptables, nft_json, nft_text};
use asr_preflight::parse::{proc_net_tcp, sshd_config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = iptables::parse(&s, Family::V4, "iptables");
    let _ = iptables::parse(&s, Family::V6, "ip6tables");
    let _ = nft_json::parse(&s, "nftables", &|_, _| false);
    let no_includes = |_: &str| -> Result<Vec<(String, String)>, String> { Ok(Vec::new()) };
    let _ = nft_text::parse("/etc/nftables.conf", &s, "nftables", &no_includes);
    let _ = sshd_config::parse(&s);
    let _ = proc_net_tcp::parse(&s);
});
