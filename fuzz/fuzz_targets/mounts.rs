//! mountinfo, fstab and LVM metadata: bytes in, as the kernel and images write them.
#![no_main]
use asr_preflight::parse::{fstab, lvm_metadata, mountinfo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = mountinfo::parse(data) {
        let _ = mountinfo::containing(&m, b"/usr/local/ASR");
    }
    if let Ok(f) = fstab::parse(data) {
        let _ = fstab::mounted_at(&f, b"/");
    }
    let _ = lvm_metadata::parse(data);
});
