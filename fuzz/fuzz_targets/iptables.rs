//! iptables-save output, IPv4 and IPv6; every rule set that parses is evaluated for the ports
//! the checks ask about.
#![no_main]
mod judge;

use asr_preflight::firewall::{Family, iptables};
use judge::judge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for (family, name) in [(Family::V4, "iptables"), (Family::V6, "ip6tables")] {
        if let Ok(rs) = iptables::parse(&s, family, name) {
            judge(&rs);
        }
    }
});
