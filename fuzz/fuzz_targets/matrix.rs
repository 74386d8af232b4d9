//! The support-matrix file format, TOML and JSON, including pattern compilation and lookups.
#![no_main]
use asr_preflight::matrix;
use asr_preflight::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    for m in [
        matrix::parse_toml("fuzz.toml", &s),
        matrix::parse_json("fuzz.json", &s),
    ]
    .into_iter()
    .flatten()
    {
        let _ = m.enforces_agent_prerequisites();
        for sc in Scenario::ALL {
            let _ = m.limits_for(sc).describe();
            if let matrix::lookup::OsVerdict::Listed(row, _) = m.os_verdict(sc, "centos", "6.5") {
                let _ = m.kernel_verdict(row, "2.6.32-431.el6.x86_64", Some("rhck"));
            }
        }
    }
});
