//! The firewall configurations that are compiled into rule sets rather than dumped: firewalld's
//! zone, service, direct and policy XML, SuSEfirewall2's sysconfig and service files, and ufw's rule
//! files. The input is split at NUL bytes into the pieces each one reads; every rule set that
//! compiles is then evaluated for the ports the checks ask about.
#![no_main]
mod judge;

use std::collections::BTreeMap;

use asr_preflight::firewall::{Family, firewalld, susefirewall2, ufw};
use judge::judge;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mut parts = s.split('\0').map(str::to_string);
    let mut next = || parts.next().unwrap_or_default();
    let (zone, service, direct, extra) = (next(), next(), next(), next());

    let mut fw = firewalld::Config {
        default_zone: "public".into(),
        ..Default::default()
    };
    fw.zones.insert(
        "public".into(),
        ("/etc/firewalld/zones/public.xml".into(), zone.clone()),
    );
    fw.services.insert(
        "ssh".into(),
        (
            "/usr/lib/firewalld/services/ssh.xml".into(),
            service.clone(),
        ),
    );
    fw.interface_zones
        .push(("eth0".into(), extra.trim().into(), "ifcfg-eth0".into()));
    if !direct.is_empty() {
        fw.direct = Some(("/etc/firewalld/direct.xml".into(), direct.clone()));
    }
    if let Ok(rs) = firewalld::compile(&fw) {
        judge(&rs);
    }
    // The direct piece again, as a policy file (firewalld 0.9 and later).
    fw.direct = None;
    fw.policies.insert(
        "p".into(),
        ("/etc/firewalld/policies/p.xml".into(), direct.clone()),
    );
    if let Ok(rs) = firewalld::compile(&fw) {
        judge(&rs);
    }

    let mut services = BTreeMap::new();
    services.insert(
        "asr".to_string(),
        (
            "/etc/sysconfig/SuSEfirewall2.d/services/asr".to_string(),
            service.clone(),
        ),
    );
    let mut port_names = BTreeMap::new();
    port_names.insert("ssh".to_string(), 22);
    judge(&susefirewall2::compile(&susefirewall2::Config {
        sysconfig: zone.clone(),
        services,
        port_names,
    }));

    let files = ufw::Files {
        output_policy: extra.clone(),
        input_policy: extra,
        before: zone,
        after: direct,
        user: service,
    };
    for family in [Family::V4, Family::V6] {
        let _ = ufw::assemble(&files, family);
        if let Ok(rs) = ufw::compile(&files, family) {
            judge(&rs);
        }
    }
});
