//! Coverage cases for the checks coded in batch b (kept apart from mod.rs's table so that
//! work on different checks does not edit the same lines).

use super::{Case, case};
use crate::probe::FakeProbe;

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
