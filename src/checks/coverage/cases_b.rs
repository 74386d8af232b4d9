//! Coverage cases for the checks coded in batch b (kept apart from mod.rs's table so that
//! work on different checks does not edit the same lines).

use std::time::Duration;

use super::{Case, case};
use crate::checks::CheckOptions;
use crate::outbound::{Failure, FailureKind, Outcome, Stage, Target};
use crate::parse::service_tags::ServiceTags;
use crate::probe::FakeProbe;
use crate::scenario::Scenario;

const ENVIRONMENT: &str = "/etc/environment";

fn probe_env_proxy() -> FakeProbe {
    FakeProbe::new("3.10.0-327.el7.x86_64", "h").with_env(&[("http_proxy", "http://p:3128")])
}

pub(super) const CASES: &[Case] = &[
    // net.proxy
    case("net.proxy"),
    Case {
        files: &[(ENVIRONMENT, "http_proxy=http://u:pw@p:3128\n")],
        ..case("net.proxy")
    },
    Case {
        files: &[(ENVIRONMENT, "https_proxy=https://p:8443\n")],
        ..case("net.proxy")
    },
    Case {
        files: &[(ENVIRONMENT, "http_proxy=http://\n")],
        ..case("net.proxy")
    },
    Case {
        files: &[(ENVIRONMENT, "http_proxy=socks5://p:1080\n")],
        ..case("net.proxy")
    },
    Case {
        files: &[(
            ENVIRONMENT,
            "http_proxy=http://p:3128\nno_proxy=*.windows.net\n",
        )],
        ..case("net.proxy")
    },
    Case {
        files: &[
            (ENVIRONMENT, "http_proxy=http://a:3128\n"),
            ("/etc/profile", "export http_proxy=http://b:3128\n"),
        ],
        ..case("net.proxy")
    },
    Case {
        files: &[
            (ENVIRONMENT, "http_proxy=http://p:3128\n"),
            ("/usr/local/InMage/config/ProxyInfo.conf", "[proxy]\n"),
        ],
        ..case("net.proxy")
    },
    Case {
        live: Some(probe_env_proxy),
        ..case("net.proxy")
    },
    // /etc/environment is a directory: the source cannot be read.
    Case {
        files: &[("/etc/environment/x", "")],
        ..case("net.proxy")
    },
];

// net.outbound: the fake probe answers for every endpoint of the plan, in the plan's order.

fn outcome(host: &str, stage: Stage, kind: Option<FailureKind>) -> Outcome {
    Outcome {
        target: Target {
            host: host.into(),
            port: 443,
            tcp_only: false,
        },
        via_proxy: false,
        stage,
        elapsed: Duration::from_millis(5),
        failure: kind.map(|kind| Failure {
            kind,
            message: "test".into(),
        }),
        issuer: None,
        peer: None,
    }
}

fn probe_outbound(outcomes: Vec<Outcome>) -> FakeProbe {
    let mut p = FakeProbe::new("5.14.0", "h");
    p.outbound = outcomes;
    p
}

fn online() -> CheckOptions {
    CheckOptions {
        online: true,
        ..CheckOptions::default()
    }
}

/// `--endpoint` for each of `n` hosts e0 .. e(n-1).
fn endpoints(n: usize) -> CheckOptions {
    CheckOptions {
        endpoints: (0..n)
            .map(|i| Target {
                host: format!("e{i}"),
                port: 443,
                tcp_only: false,
            })
            .collect(),
        ..online()
    }
}

fn online_a2a_east_asia() -> CheckOptions {
    CheckOptions {
        target_region: Some("East Asia".into()),
        ..online()
    }
}

/// asr-2026's six Azure-to-Azure endpoints.
fn probe_a2a_mixed() -> FakeProbe {
    probe_outbound(vec![
        outcome(
            "azurecliprod.blob.core.windows.net",
            Stage::Resolve,
            Some(FailureKind::Resolve),
        ),
        outcome("login.microsoftonline.com", Stage::Done, None),
        outcome("pod01-srs1", Stage::Connect, Some(FailureKind::Refused)),
        outcome("asr-monitoring.servicebus.windows.net", Stage::Done, None),
        outcome(
            "asr-keys.vault.azure.net",
            Stage::Connect,
            Some(FailureKind::Refused),
        ),
        outcome(
            "eus.automation.ext.azure.com",
            Stage::Connect,
            Some(FailureKind::Refused),
        ),
    ])
}

/// asr-2016's four Azure-to-Azure endpoints answer; East Asia's three dated addresses do not.
fn probe_a2a_dated_addresses() -> FakeProbe {
    let mut all: Vec<Outcome> = (0..4)
        .map(|i| outcome(&format!("e{i}"), Stage::Done, None))
        .collect();
    for ip in ["52.175.17.132", "40.83.121.61", "13.94.47.61"] {
        let mut o = outcome(ip, Stage::Connect, Some(FailureKind::Timeout));
        o.target.tcp_only = true;
        all.push(o);
    }
    probe_outbound(all)
}

const FAILURES: &[(Stage, FailureKind)] = &[
    (Stage::Resolve, FailureKind::Resolve),
    (Stage::Resolve, FailureKind::Timeout),
    (Stage::Proxy, FailureKind::ProxyAuth),
    (Stage::Proxy, FailureKind::ProxyRefused),
    (Stage::Proxy, FailureKind::ProxyUnusable),
    (Stage::Tls, FailureKind::UntrustedIssuer),
    (Stage::Tls, FailureKind::BadCertificate),
    (Stage::Tls, FailureKind::NoTrust),
    (Stage::Tls, FailureKind::Tls),
];

fn endpoints_failing() -> CheckOptions {
    endpoints(FAILURES.len())
}

fn probe_each_failure() -> FakeProbe {
    probe_outbound(
        FAILURES
            .iter()
            .enumerate()
            .map(|(i, (stage, kind))| outcome(&format!("e{i}"), *stage, Some(*kind)))
            .collect(),
    )
}

fn one_endpoint() -> CheckOptions {
    endpoints(1)
}

fn probe_one_answers() -> FakeProbe {
    probe_outbound(vec![outcome("e0", Stage::Done, None)])
}

/// One endpoint, and a Service Tags file that does not cover the address it resolved to.
fn one_endpoint_with_tags() -> CheckOptions {
    let tags = ServiceTags::parse(
        r#"{"changeNumber": 1, "values": [{"name": "Storage", "properties": {"addressPrefixes": ["198.51.100.0/24"]}}]}"#,
    )
    .unwrap();
    CheckOptions {
        service_tags: Some(std::sync::Arc::new(tags)),
        ..one_endpoint()
    }
}

fn probe_one_answers_elsewhere() -> FakeProbe {
    let mut o = outcome("e0", Stage::Done, None);
    o.peer = Some("203.0.113.5:443".parse().unwrap());
    probe_outbound(vec![o])
}

pub(super) const OUTBOUND_CASES: &[Case] = &[
    Case {
        live: Some(probe_one_answers),
        options: Some(one_endpoint),
        ..case("net.outbound")
    },
    Case {
        scenario: Scenario::AzureToAzure,
        matrix: "asr-2026",
        live: Some(probe_a2a_mixed),
        options: Some(online),
        ..case("net.outbound")
    },
    Case {
        scenario: Scenario::AzureToAzure,
        live: Some(probe_a2a_dated_addresses),
        options: Some(online_a2a_east_asia),
        ..case("net.outbound")
    },
    Case {
        live: Some(probe_each_failure),
        options: Some(endpoints_failing),
        ..case("net.outbound")
    },
    Case {
        live: Some(probe_one_answers_elsewhere),
        options: Some(one_endpoint_with_tags),
        ..case("net.outbound")
    },
];

// net.egress-firewall: a RHEL 7 style image whose iptables service loads /etc/sysconfig/iptables.
const IPTABLES_UNIT: (&str, &str) = ("/usr/lib/systemd/system/iptables.service", "[Service]\n");
const IPTABLES_ENABLED: &[(&str, &str)] = &[(
    "/etc/systemd/system/basic.target.wants/iptables.service",
    "/usr/lib/systemd/system/iptables.service",
)];
const SYSTEMD_BIN: (&str, &str) = ("/usr/lib/systemd/systemd", "");
const IPTABLES: &str = "/etc/sysconfig/iptables";

const fn egress(rules: &'static [(&'static str, &'static str)]) -> Case {
    Case {
        scenario: Scenario::AzureToAzure,
        files: rules,
        links: IPTABLES_ENABLED,
        ..case("net.egress-firewall")
    }
}

pub(super) const EGRESS_CASES: &[Case] = &[
    egress(&[
        SYSTEMD_BIN,
        IPTABLES_UNIT,
        (
            IPTABLES,
            "*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --dport 2222 -j DROP\nCOMMIT\n",
        ),
    ]),
    // Blocks the required endpoints (fail) and Key Vault, needed only with disk encryption (warn).
    egress(&[
        SYSTEMD_BIN,
        IPTABLES_UNIT,
        (
            IPTABLES,
            "*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --dport 443 -j REJECT\nCOMMIT\n",
        ),
    ]),
    egress(&[
        SYSTEMD_BIN,
        IPTABLES_UNIT,
        (
            IPTABLES,
            "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -d 198.51.100.0/24 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n",
        ),
    ]),
    egress(&[
        SYSTEMD_BIN,
        IPTABLES_UNIT,
        (
            IPTABLES,
            "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -j nowhere\nCOMMIT\n",
        ),
    ]),
    // The rules file is a directory: it cannot be read.
    egress(&[
        SYSTEMD_BIN,
        IPTABLES_UNIT,
        ("/etc/sysconfig/iptables/x", ""),
    ]),
    // No rules, but the default route goes through a tunnel.
    egress(&[
        SYSTEMD_BIN,
        (
            "/etc/sysconfig/network-scripts/route-tun0",
            "default via 198.51.100.1 dev tun0\n",
        ),
    ]),
];

// nic.ipv4 and nic.teaming
fn probe_loopback_only() -> FakeProbe {
    let mut p = FakeProbe::new("3.10.0-327.el7.x86_64", "web01");
    p.interfaces = Ok(vec![crate::probe::Interface::new("lo", &["127.0.0.1/8"])]);
    p
}

const IFCFG_STATIC: (&str, &str) = (
    "/etc/sysconfig/network-scripts/ifcfg-eth0",
    "DEVICE=eth0\nONBOOT=yes\nBOOTPROTO=none\nIPADDR=198.51.100.10\nPREFIX=24\n",
);
/// A configuration file that is a link to itself: it cannot be read.
const IFCFG_UNREADABLE: &[(&str, &str)] = &[(
    "/etc/sysconfig/network-scripts/ifcfg-eth1",
    "/etc/sysconfig/network-scripts/ifcfg-eth1",
)];

pub(super) const NIC_CASES: &[Case] = &[
    Case {
        live: Some(super::probe_web01_v4),
        ..case("nic.ipv4")
    },
    Case {
        live: Some(super::probe_web01_no_v4),
        ..case("nic.ipv4")
    },
    Case {
        live: Some(super::probe_web01_no_interfaces),
        ..case("nic.ipv4")
    },
    Case {
        live: Some(probe_loopback_only),
        ..case("nic.ipv4")
    },
    Case {
        files: &[IFCFG_STATIC],
        links: IFCFG_UNREADABLE,
        ..case("nic.ipv4")
    },
    Case {
        files: &[IFCFG_STATIC],
        ..case("nic.teaming")
    },
    Case {
        files: &[(
            "/etc/sysconfig/network-scripts/ifcfg-bond0",
            "DEVICE=bond0\nTYPE=Bond\nBONDING_MASTER=yes\nONBOOT=yes\n",
        )],
        ..case("nic.teaming")
    },
    Case {
        files: &[IFCFG_STATIC],
        links: IFCFG_UNREADABLE,
        ..case("nic.teaming")
    },
];

// time.sync-service: a systemd image with or without chronyd.
const CHRONYD_UNIT: (&str, &str) = (
    "/lib/systemd/system/chronyd.service",
    "[Install]\nWantedBy=multi-user.target\n",
);
const SYSTEMD_INIT: (&str, &str) = ("/sbin/init", "/lib/systemd/systemd");

pub(super) const TIME_CASES: &[Case] = &[
    Case {
        files: &[CHRONYD_UNIT],
        links: &[
            SYSTEMD_INIT,
            (
                "/etc/systemd/system/multi-user.target.wants/chronyd.service",
                "/lib/systemd/system/chronyd.service",
            ),
        ],
        ..case("time.sync-service")
    },
    Case {
        files: &[CHRONYD_UNIT],
        links: &[SYSTEMD_INIT],
        ..case("time.sync-service")
    },
    Case {
        files: &[CHRONYD_UNIT],
        links: &[
            SYSTEMD_INIT,
            ("/etc/systemd/system/chronyd.service", "/dev/null"),
        ],
        ..case("time.sync-service")
    },
    Case {
        links: &[SYSTEMD_INIT],
        ..case("time.sync-service")
    },
    case("time.sync-service"),
    // The chronyd unit is a link to itself: enablement cannot be read.
    Case {
        links: &[
            SYSTEMD_INIT,
            ("/lib/systemd/system/chronyd.service", "chronyd.service"),
        ],
        ..case("time.sync-service")
    },
];
