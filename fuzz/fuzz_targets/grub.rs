//! GRUB legacy, GRUB 2, grubenv and BLS entries, and default-entry selection.
#![no_main]
use asr_preflight::parse::grub;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let legacy = grub::parse_legacy(&s);
    let _ = grub::select_default(&legacy, Some("1>0"));
    let g2 = grub::parse_grub2(&s).unwrap_or(grub::GrubConfig {
        entries: Vec::new(),
        default: grub::DefaultSpec::Unset,
    });
    let env = grub::parse_grubenv(&s);
    let saved = env.first().map(|(_, v)| v.as_str());
    let _ = grub::select_default(&g2, saved);
    let _ = grub::parse_bls(&s);
    for e in g2.entries.iter().chain(legacy.entries.iter()) {
        if let Some(k) = &e.kernel {
            let _ = grub::release_from_image(k);
        }
    }
});
