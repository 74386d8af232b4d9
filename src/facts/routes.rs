//! The default routes of the target: live, every routing table of the kernel (`ip -o route show
//! table all`, IPv4 and IPv6; `/proc/net/route` without `ip`), with what sysfs says of each
//! interface (a TUN/TAP device, WireGuard, PPP, a tunnel type); in an image, the configuration
//! that installs them at boot: ifcfg `GATEWAY=`/`GATEWAYDEV=` and `route-DEV`/`route6-DEV` files,
//! SUSE's `/etc/sysconfig/network/routes`, netplan `routes:`/`gateway4:`/`gateway6:`, and
//! NetworkManager profiles of VPN, WireGuard and TUN connections (which take the default route
//! unless `never-default=true`).

use crate::facts::FactError;
use std::path::Path;

use crate::firewall::Family;
use crate::parse::routes::{self, DefaultRoute};
use crate::parse::{shell_vars, yaml};
use crate::probe::Probe;
use crate::root::Root;

/// A default route and, when its interface tunnels traffic elsewhere, why that is thought.
#[derive(Debug, Clone)]
pub struct Route {
    pub route: DefaultRoute,
    pub tunnel: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RouteFacts {
    pub routes: Vec<Route>,
    /// What was read.
    pub sources: Vec<String>,
    pub errors: Vec<FactError>,
    pub live: bool,
}

pub fn gather(root: &Root, probe: Option<&dyn Probe>) -> RouteFacts {
    super::nm_profiles::with_own(root, |nm| gather_with(root, probe, nm))
}

/// [`gather`] with NetworkManager's profiles shared with other readers.
pub fn gather_with(
    root: &Root,
    probe: Option<&dyn Probe>,
    nm: super::nm_profiles::Shared<'_>,
) -> RouteFacts {
    let mut f = RouteFacts {
        live: probe.is_some(),
        ..RouteFacts::default()
    };
    let mut found = Vec::new();
    match probe {
        Some(p) => live(root, p, &mut f, &mut found),
        None => image(root, nm, &mut f, &mut found),
    }
    let mapped: Vec<Route> = found
        .into_iter()
        .map(|r| {
            let tunnel = r
                .dev
                .as_deref()
                .and_then(|d| tunnel_reason(root, d, f.live));
            Route { route: r, tunnel }
        })
        .collect();
    // NetworkManager's VPN profiles were added with their reason already.
    f.routes.splice(0..0, mapped);
    f
}

fn live(root: &Root, p: &dyn Probe, f: &mut RouteFacts, out: &mut Vec<DefaultRoute>) {
    let mut any = false;
    for (fam, args, label) in [
        (
            Family::V4,
            &["-o", "route", "show", "table", "all"][..],
            "ip -o route show table all",
        ),
        (
            Family::V6,
            &["-6", "-o", "route", "show", "table", "all"][..],
            "ip -6 -o route show table all",
        ),
    ] {
        match p.run_tool("ip", args) {
            Ok(Some(o)) => {
                any = true;
                f.sources.push(label.to_string());
                out.extend(routes::ip_route(&o.stdout, fam, label));
            }
            Ok(None) => {}
            Err(e) => f.errors.push(FactError::other(format!("{label}: {e}"))),
        }
    }
    if !any {
        match root.read_optional(Path::new("/proc/net/route")) {
            Ok(Some(t)) => {
                f.sources
                    .push("/proc/net/route (main table only: ip is not installed)".into());
                out.extend(routes::proc_net_route(&t));
            }
            Ok(None) => {}
            Err(e) => f.errors.push(FactError::at("/proc/net/route", e)),
        }
    }
}

/// Why `dev` is thought to tunnel traffic: sysfs (live) or its name.
fn tunnel_reason(root: &Root, dev: &str, live: bool) -> Option<String> {
    if live && !dev.contains('/') && !dev.starts_with('.') {
        let base = format!("/sys/class/net/{dev}");
        if root.exists(Path::new(&format!("{base}/tun_flags"))) {
            return Some(format!("{dev} is a TUN/TAP device ({base}/tun_flags)"));
        }
        if let Ok(Some(u)) = root.read_optional(Path::new(&format!("{base}/uevent"))) {
            if let Some(t) = u.lines().find_map(|l| l.strip_prefix("DEVTYPE=")) {
                if matches!(
                    t,
                    "wireguard" | "ppp" | "vti" | "xfrm" | "ipip" | "gre" | "sit" | "ip6tnl"
                ) {
                    return Some(format!("{dev} is a {t} device ({base}/uevent)"));
                }
            }
        }
        if let Ok(Some(t)) = root.read_optional(Path::new(&format!("{base}/type"))) {
            // ARPHRD_PPP, ARPHRD_TUNNEL, ARPHRD_TUNNEL6, ARPHRD_IPGRE, ARPHRD_NONE (tun, wg).
            let kind = match t.trim() {
                "512" => Some("a PPP link"),
                "768" | "769" | "778" => Some("an IP tunnel"),
                "65534" => Some("a layer-3 virtual device (TUN, WireGuard, XFRM)"),
                _ => None,
            };
            if let Some(k) = kind {
                return Some(format!("{dev} is {k} ({base}/type {})", t.trim()));
            }
        }
    }
    routes::is_tunnel_name(dev).then(|| format!("{dev} is named like a tunnel or VPN interface"))
}

/// The default routes of one file of a sysconfig network directory: an ifcfg file's GATEWAY
/// (unless DEFROUTE=no), a route-DEV or route6-DEV file, SUSE's routes and ifroute-DEV files.
/// False when the file is none of these.
fn sysconfig_file(name: &str, path: &str, text: &str, out: &mut Vec<DefaultRoute>) -> bool {
    if let Some(dev) = name.strip_prefix("ifcfg-") {
        let vars = shell_vars::parse(text);
        let dev = shell_vars::get(&vars, "DEVICE").unwrap_or(dev);
        let defroute =
            shell_vars::get(&vars, "DEFROUTE").is_none_or(|v| !v.eq_ignore_ascii_case("no"));
        if let Some(gw) = shell_vars::get(&vars, "GATEWAY").filter(|g| !g.is_empty())
            && defroute
        {
            out.push(DefaultRoute {
                family: Family::V4,
                dev: Some(dev.to_string()),
                via: Some(gw.to_string()),
                table: None,
                source: format!("{path}: GATEWAY={gw}"),
            });
        }
    } else if let Some(dev) = name
        .strip_prefix("route6-")
        .or_else(|| name.strip_prefix("route-"))
    {
        out.extend(routes::route_file(dev, text, path));
    } else if name == "routes" || name.starts_with("ifroute-") {
        // SUSE: `DEST GATEWAY NETMASK DEVICE`, `default 192.0.2.1 - eth0`.
        let dev_default = name.strip_prefix("ifroute-");
        for l in text.lines() {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.first()
                .is_some_and(|d| matches!(*d, "default" | "0.0.0.0/0" | "::/0"))
            {
                let dev = w
                    .get(3)
                    .filter(|d| **d != "-")
                    .map(|d| d.to_string())
                    .or(dev_default.map(str::to_string));
                out.push(DefaultRoute {
                    family: Family::V4,
                    dev,
                    via: w.get(1).map(|s| s.to_string()),
                    table: None,
                    source: format!("{path}: {}", w.join(" ")),
                });
            }
        }
    } else {
        return false;
    }
    true
}

fn image(
    root: &Root,
    nm: super::nm_profiles::Shared<'_>,
    f: &mut RouteFacts,
    out: &mut Vec<DefaultRoute>,
) {
    // RHEL-like: ifcfg GATEWAY (DEFROUTE=no opts out), GATEWAYDEV, route-DEV files.
    let net = "/etc/sysconfig/network";
    if let Ok(Some(t)) = root.read_optional(Path::new(net)) {
        let vars = shell_vars::parse(&t);
        if let Some(dev) = shell_vars::get(&vars, "GATEWAYDEV").filter(|d| !d.is_empty()) {
            out.push(DefaultRoute {
                family: Family::V4,
                dev: Some(dev.to_string()),
                via: shell_vars::get(&vars, "GATEWAY").map(str::to_string),
                table: None,
                source: format!("{net}: GATEWAYDEV={dev}"),
            });
        }
    }
    for dir in ["/etc/sysconfig/network-scripts", "/etc/sysconfig/network"] {
        let entries = match root.read_dir_optional(Path::new(dir)) {
            Ok(e) => e,
            Err(e) => {
                f.errors.push(FactError::at(dir, e));
                continue;
            }
        };
        for e in entries {
            let Some(name) = e.name.to_str() else {
                continue;
            };
            let path = format!("{dir}/{name}");
            let Ok(Some(text)) = root.read_optional(Path::new(&path)) else {
                continue;
            };
            if sysconfig_file(name, &path, &text, out) {
                f.sources.push(path);
            }
        }
    }
    netplan_routes(root, f, out);
    nm_routes(nm(), f);
}

/// Default routes of the netplan configuration netplan would apply (facts/netplan_config.rs):
/// none when it refuses the configuration, which is then an error.
fn netplan_routes(root: &Root, f: &mut RouteFacts, out: &mut Vec<DefaultRoute>) {
    let config = super::netplan_config::gather(root);
    f.errors.extend(config.errors);
    for (path, devices) in &config.files {
        f.sources.push(path.clone());
        for d in devices {
            for (k, v) in &d.settings {
                let (fam, via) = match k.as_str() {
                    "gateway4" => (Some(Family::V4), v.as_str().map(str::to_string)),
                    "gateway6" => (Some(Family::V6), v.as_str().map(str::to_string)),
                    "routes" => {
                        for r in v.items() {
                            let to = r.get("to").and_then(yaml::Node::as_str).unwrap_or("");
                            let fam = match to {
                                "default" | "0.0.0.0/0" | "0.0.0.0/1" | "128.0.0.0/1" => Family::V4,
                                "::/0" | "::/1" | "8000::/1" => Family::V6,
                                _ => continue,
                            };
                            out.push(DefaultRoute {
                                family: fam,
                                dev: Some(d.id.clone()),
                                via: r
                                    .get("via")
                                    .and_then(yaml::Node::as_str)
                                    .map(str::to_string),
                                table: r
                                    .get("table")
                                    .and_then(yaml::Node::as_str)
                                    .map(str::to_string),
                                source: format!(
                                    "{path} line {}: {} {}: routes to {to}",
                                    d.line, d.kind, d.id
                                ),
                            });
                        }
                        (None, None)
                    }
                    _ => (None, None),
                };
                if let Some(fam) = fam {
                    out.push(DefaultRoute {
                        family: fam,
                        dev: Some(d.id.clone()),
                        via,
                        table: None,
                        source: format!("{path} line {}: {} {}: {k}", d.line, d.kind, d.id),
                    });
                }
            }
        }
    }
}

/// NetworkManager's VPN-like profiles that take the default route, among the profiles
/// NetworkManager loads (facts/nm_profiles.rs: its directories, priorities, modes, tombstones).
fn nm_routes(nm: &super::nm_profiles::NmProfiles, f: &mut RouteFacts) {
    f.errors.extend(nm.errors.iter().cloned());
    for l in &nm.loaded {
        f.sources.push(l.path.clone());
        let Some(kind) = l.keys.string("connection", "type").filter(|k| {
            matches!(
                k.as_str(),
                "vpn" | "wireguard" | "tun" | "pppoe" | "ip-tunnel"
            )
        }) else {
            continue;
        };
        // GLib booleans: only `true`/`1` set never-default.
        if l.keys.boolean("ipv4", "never-default") == Some(true) || !l.profile.config.on_boot {
            continue;
        }
        let dev = l
            .profile
            .config
            .name
            .clone()
            .unwrap_or_else(|| format!("the {kind} connection's device"));
        let path = &l.path;
        f.routes.push(Route {
            tunnel: Some(format!("{dev} belongs to a NetworkManager {kind} connection")),
            route: DefaultRoute {
                family: Family::V4,
                dev: Some(dev),
                via: None,
                table: None,
                source: format!("{path}: a {kind} connection that connects automatically and takes the default route (no never-default=true)"),
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::tree;

    /// Only VPN profiles NetworkManager loads take the default route: not one it ignores for
    /// its mode, one a /run profile of the same uuid shadows, or one a tombstone hides.
    #[test]
    fn networkmanager_profiles_it_does_not_load() {
        let d = tree(&[]);
        crate::testutil::nm_profiles_not_loaded(d.path(), &|name, uuid| {
            format!(
                "[connection]\nid={name}\ntype=wireguard\ninterface-name={name}\nuuid={uuid}\n[wireguard]\n"
            )
        });
        let f = gather(&Root::image(d.path()).unwrap(), None);
        let devs: Vec<&str> = f
            .routes
            .iter()
            .filter_map(|r| r.route.dev.as_deref())
            .collect();
        assert_eq!(devs, ["loaded"], "{:#?}", f.routes);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
    }

    /// netplan's default routes come from the files netplan reads (not a dot-file); a
    /// configuration netplan refuses gives none and is an error naming the file and line.
    #[test]
    fn netplan_routes_as_netplan_applies_them() {
        let ok = "network:\n  ethernets:\n    eth0:\n      routes:\n        - to: default\n          via: 192.0.2.1\n";
        let d = tree(&[
            ("/etc/netplan/50.yaml", ok),
            (
                "/etc/netplan/.60-old.yaml",
                "network:\n  ethernets:\n    eth1:\n      gateway4: 192.0.2.9\n",
            ),
        ]);
        let f = gather(&Root::image(d.path()).unwrap(), None);
        let devs: Vec<&str> = f
            .routes
            .iter()
            .filter_map(|r| r.route.dev.as_deref())
            .collect();
        assert_eq!(devs, ["eth0"]);
        let d = tree(&[
            ("/etc/netplan/50.yaml", ok),
            (
                "/etc/netplan/60.yaml",
                "network:\n  ethernets:\n    eth1:\n      gateway4: [192.0.2.9]\n",
            ),
        ]);
        let f = gather(&Root::image(d.path()).unwrap(), None);
        assert!(f.routes.is_empty(), "{:#?}", f.routes);
        let e = f.errors[0].to_string();
        assert!(
            e.contains("/etc/netplan/60.yaml") && e.contains("line 4: expected scalar"),
            "{e}"
        );
    }
}
