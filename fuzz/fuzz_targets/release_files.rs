//! os-release and the other release files, kernel release strings and version strings.
#![no_main]
use asr_preflight::parse::{kernel_release, release_files, shell_vars, version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let vars = shell_vars::parse(&s);
    let _ = shell_vars::get(&vars, "ID");
    let _ = release_files::parse_release_line(&s);
    let _ = release_files::parse_suse_release(&s);
    let _ = kernel_release::flavor(&s);
    let _ = kernel_release::arch_suffix(&s);
    let _ = version::major_minor(&s);
    if let Some((a, b)) = s.split_once('\n') {
        let _ = version::compare(a, b);
    }
});
