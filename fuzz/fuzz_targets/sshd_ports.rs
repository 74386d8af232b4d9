//! The ports sshd listens on: sshd_config with its Include lines followed, and /proc/net/tcp.
//! The input is split at NUL bytes: the first piece is /etc/ssh/sshd_config, the others are
//! /etc/ssh/sshd_config.d/N.conf, so Include globs, cycles and fan-out are all reachable.
#![no_main]
use std::collections::BTreeMap;

use asr_preflight::facts::sshd_ports;
use asr_preflight::parse::proc_net_tcp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mut files = BTreeMap::new();
    for (i, piece) in s.split('\0').enumerate() {
        let path = match i {
            0 => "/etc/ssh/sshd_config".to_string(),
            n => format!("/etc/ssh/sshd_config.d/{n}.conf"),
        };
        files.insert(path, piece.to_string());
    }
    let ports = sshd_ports::from_source(&files);
    assert!(!ports.ports.is_empty());
    let _ = proc_net_tcp::parse(&s);
});
