//! nftables rule sets: `nft -j list ruleset` JSON, and configuration text with its `include`
//! lines. The input is split at NUL bytes: the first piece is /etc/nftables.conf, the others
//! are files a pattern can include (a pattern with a wildcard includes them all, so includes
//! can fan out; a plain name picks one by its length). Rule sets that parse are evaluated.
#![no_main]
mod judge;

use asr_preflight::firewall::{nft_json, nft_text};
use judge::judge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(rs) = nft_json::parse(&s, "nftables", &|_, _| false) {
        judge(&rs);
    }
    let pieces: Vec<&str> = s.split('\0').collect();
    let files: Vec<(String, String)> = pieces[1..]
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("/etc/nftables.d/{i}.nft"), t.to_string()))
        .collect();
    let include = |pattern: &str| -> Result<Vec<(String, String)>, String> {
        if pattern.contains('*') {
            Ok(files.clone())
        } else if files.is_empty() {
            Err(format!("{pattern}: no such file"))
        } else {
            Ok(vec![files[pattern.len() % files.len()].clone()])
        }
    };
    if let Ok(rs) = nft_text::parse("/etc/nftables.conf", pieces[0], "nftables", &include) {
        judge(&rs);
    }
});
