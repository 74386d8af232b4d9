//! Default routes, from the kernel (`ip -o route show table all`, `/proc/net/route`) and from an
//! image's network configuration (ifcfg `GATEWAY=`/`GATEWAYDEV=`, `route-DEV` files, netplan
//! `routes:`/`gateway4:`). A route covering the whole address space counts as a default route,
//! and so do the two halves OpenVPN's `redirect-gateway def1` installs (0.0.0.0/1 and
//! 128.0.0.0/1, `::/1` and `8000::/1`), which win over the default by being longer. Pure.

use crate::firewall::Family;

/// One default (or default-covering) route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRoute {
    pub family: Family,
    /// The interface the route sends packets through, when it names one.
    pub dev: Option<String>,
    pub via: Option<String>,
    /// The routing table, when not `main`.
    pub table: Option<String>,
    /// The line or file it came from.
    pub source: String,
}

/// Whether a destination word covers the default: `default`, `0.0.0.0/0`, `::/0`, or a half.
fn is_default_dest(d: &str) -> Option<Family> {
    match d {
        "default" => Some(Family::V4),
        "0.0.0.0/0" | "0/0" | "0.0.0.0/1" | "128.0.0.0/1" => Some(Family::V4),
        "::/0" | "::/1" | "8000::/1" => Some(Family::V6),
        _ => None,
    }
}

/// `ip -o [-6] route show table all` lines: `default via 192.0.2.1 dev eth0 proto dhcp ...`,
/// `default dev wg0 table 51820 scope link`, `0.0.0.0/1 via 10.8.0.1 dev tun0`. Routes of the
/// `local` and `broadcast` types and unreachable/blackhole/prohibit routes are skipped.
pub fn ip_route(text: &str, family: Family, source: &str) -> Vec<DefaultRoute> {
    let mut out = Vec::new();
    for line in text.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let Some(first) = w.first() else {
            continue;
        };
        if matches!(
            *first,
            "local"
                | "broadcast"
                | "unreachable"
                | "blackhole"
                | "prohibit"
                | "throw"
                | "anycast"
                | "multicast"
        ) {
            continue;
        }
        let dest = if *first == "unicast" {
            w.get(1).copied().unwrap_or("")
        } else {
            first
        };
        let Some(f) = is_default_dest(dest) else {
            continue;
        };
        let f = if dest == "default" { family } else { f };
        let after = |k: &str| {
            w.iter()
                .position(|x| *x == k)
                .and_then(|i| w.get(i + 1))
                .map(|s| s.to_string())
        };
        out.push(DefaultRoute {
            family: f,
            dev: after("dev"),
            via: after("via"),
            table: after("table").filter(|t| t != "main"),
            source: format!("{source}: {}", w.join(" ")),
        });
    }
    out
}

/// `/proc/net/route`: hexadecimal little-endian destination and mask per interface.
pub fn proc_net_route(text: &str) -> Vec<DefaultRoute> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        // The kernel prints the address as a host-order number of network-order bytes.
        let hex = |s: &str| {
            u32::from_str_radix(s, 16)
                .ok()
                .map(|v| u32::from_be_bytes(v.to_le_bytes()))
        };
        let (Some(dest), Some(gw), Some(mask)) = (hex(f[1]), hex(f[2]), hex(f[7])) else {
            continue;
        };
        // The default, or one of the two /1 halves.
        if !(mask == 0 || mask == 0x8000_0000) || dest & mask != dest {
            continue;
        }
        let via = (gw != 0).then(|| std::net::Ipv4Addr::from(gw).to_string());
        out.push(DefaultRoute {
            family: Family::V4,
            dev: Some(f[0].to_string()),
            via,
            table: None,
            source: format!("/proc/net/route: {}", f[0]),
        });
    }
    out
}

/// A `route-DEV` file: `default via 192.0.2.1 [dev X]` / `0.0.0.0/0 via ...` lines, or the
/// older `ADDRESSn=0.0.0.0` + `NETMASKn=0.0.0.0` + `GATEWAYn=` form.
pub fn route_file(dev: &str, text: &str, path: &str) -> Vec<DefaultRoute> {
    let mut out = Vec::new();
    let v6 = path.contains("route6-");
    for line in text.lines() {
        let l = line.split('#').next().unwrap_or("").trim();
        let w: Vec<&str> = l.split_whitespace().collect();
        if let Some(d) = w.first() {
            if let Some(f) = is_default_dest(d) {
                let after = |k: &str| {
                    w.iter()
                        .position(|x| *x == k)
                        .and_then(|i| w.get(i + 1))
                        .map(|s| s.to_string())
                };
                out.push(DefaultRoute {
                    family: if *d == "default" && v6 { Family::V6 } else { f },
                    dev: after("dev").or_else(|| Some(dev.to_string())),
                    via: after("via"),
                    table: after("table"),
                    source: format!("{path}: {l}"),
                });
            }
        }
        if let Some(n) = l.strip_prefix("ADDRESS")
            && let Some((idx, v)) = n.split_once('=')
            && v.trim_matches(['"', '\'']) == "0.0.0.0"
        {
            let mask = format!("NETMASK{idx}=");
            let zero = text.lines().any(|x| {
                x.trim()
                    .strip_prefix(&mask)
                    .is_some_and(|m| m.trim_matches(['"', '\'']) == "0.0.0.0")
            });
            if zero {
                out.push(DefaultRoute {
                    family: Family::V4,
                    dev: Some(dev.to_string()),
                    via: None,
                    table: None,
                    source: format!("{path}: ADDRESS{idx}=0.0.0.0/NETMASK{idx}=0.0.0.0"),
                });
            }
        }
    }
    out
}

/// Interfaces that tunnel traffic elsewhere: TUN/TAP (OpenVPN), WireGuard, PPP, IPsec VTI and
/// XFRM, GRE, and the common VPN clients' own names.
pub fn is_tunnel_name(dev: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "tun",
        "tap",
        "wg",
        "ppp",
        "ipsec",
        "xfrm",
        "vti",
        "ip_vti",
        "gre",
        "gretap",
        "ip6tnl",
        "sit",
        "tailscale",
        "nordlynx",
        "zt",
        "utun",
        "vpn",
    ];
    PREFIXES.iter().any(|p| {
        dev.strip_prefix(p).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '_' || c == '.')
        })
    }) || dev == "tailscale0"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real `ip -o route show table all` shapes: a DHCP default, wg-quick's table, OpenVPN's
    /// def1 halves, and the local table skipped.
    #[test]
    fn ip_route_lines() {
        let t = "default via 192.0.2.1 dev eth0 proto dhcp src 192.0.2.10 metric 100 \n\
default dev wg0 table 51820 scope link \n\
0.0.0.0/1 via 10.8.0.1 dev tun0 \n\
128.0.0.0/1 via 10.8.0.1 dev tun0 \n\
192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.10 \n\
local 192.0.2.10 dev eth0 table local proto kernel scope host src 192.0.2.10 \n\
unreachable default table 7 \n";
        let r = ip_route(t, Family::V4, "ip route");
        assert_eq!(r.len(), 4, "{r:#?}");
        assert_eq!(r[0].dev.as_deref(), Some("eth0"));
        assert_eq!(r[0].via.as_deref(), Some("192.0.2.1"));
        assert_eq!(r[1].table.as_deref(), Some("51820"));
        assert!(r[2].source.contains("0.0.0.0/1"));
        let r6 = ip_route(
            "default via fe80::1 dev eth0 proto ra metric 1024\n::/1 dev wg0\n",
            Family::V6,
            "ip -6 route",
        );
        assert_eq!(r6.len(), 2);
        assert!(r6.iter().all(|r| r.family == Family::V6));
    }

    /// /proc/net/route: the default and a /1 half; other routes skipped.
    #[test]
    fn proc_route() {
        let t = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
eth0\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n\
tun0\t00000080\t0100080A\t0003\t0\t0\t0\t00000080\t0\t0\t0\n";
        let r = proc_net_route(t);
        assert_eq!(r.len(), 2, "{r:#?}");
        assert_eq!(r[0].via.as_deref(), Some("192.0.2.1"));
        assert_eq!(r[1].dev.as_deref(), Some("tun0"));
    }

    #[test]
    fn route_files_and_names() {
        let r = route_file(
            "tun0",
            "# vpn\ndefault via 10.8.0.1\n10.0.0.0/8 via 192.0.2.1\n",
            "/etc/sysconfig/network-scripts/route-tun0",
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].dev.as_deref(), Some("tun0"));
        let r = route_file(
            "ppp0",
            "ADDRESS0=0.0.0.0\nNETMASK0=0.0.0.0\nGATEWAY0=10.0.0.1\n",
            "/x/route-ppp0",
        );
        assert_eq!(r.len(), 1);
        for t in [
            "tun0",
            "tap1",
            "wg0",
            "ppp0",
            "ipsec0",
            "xfrm1",
            "vti0",
            "tailscale0",
            "wg-office",
        ] {
            assert!(is_tunnel_name(t), "{t}");
        }
        for n in ["eth0", "ens3", "wlan0", "bond0", "br0", "tunnelbr", "wgx"] {
            assert!(!is_tunnel_name(n), "{n}");
        }
    }
}
