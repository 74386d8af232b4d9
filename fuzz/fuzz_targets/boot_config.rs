//! Service and boot configuration: systemd units, inittab, Upstart jobs, dracut.conf, the kernel
//! command line, EFI variables, utmp, chrony's tracking report, modules.builtin and module file
//! names, and the agent's INI files (drscout.conf, .vx_version).
#![no_main]
use asr_preflight::parse::{
    chrony, cmdline, dracut_conf, efivar, ini, inittab, kmod, systemd_unit, upstart, utmp,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = systemd_unit::parse(&s);
    let _ = inittab::default_runlevel(&s);
    let _ = inittab::start_link_service(&s);
    let job = upstart::parse(&s);
    let _ = upstart::effective_start_on(&job, &[]);
    let _ = upstart::starts_in_runlevel(&s, '3');
    let _ = dracut_conf::parse(&s);
    let args = cmdline::parse(&s);
    let _ = cmdline::value(&args, "root");
    let _ = efivar::efivarfs_byte(data);
    let _ = efivar::sysfs_data_byte(data);
    let _ = utmp::runlevel(data);
    let _ = chrony::parse_tracking(&s);
    let _ = kmod::parse_builtin(&s);
    for line in data.split(|b| *b == b'\n').take(16) {
        let _ = kmod::module_name(line);
    }
    let entries = ini::parse(&s);
    let _ = ini::value(&entries, "INSTALLATION_DIR");
});
