//! The initramfs reader on arbitrary bytes: cpio parsing, segment detection and every
//! decoder must end in a listing or an error, never a panic, a hang or unbounded memory.
#![no_main]
use asr_preflight::initramfs::{self, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_unpacked: 8 << 20,
        max_entries: 10_000,
    };
    let _ = initramfs::list(data, &limits);
});
