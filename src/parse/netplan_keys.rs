//! The keys netplan accepts in each mapping of its configuration, and what each value must be:
//! netplan 0.106 (Debian 12's netplan.io), found by probing its generator
//! (`tests/support/netplan_probe.py` runs `/usr/libexec/netplan/generate --root-dir` on one
//! file per candidate key and value shape and records which it refuses and why; netplan's
//! parse.c key tables are the model of the layout). `tests/suite/network_root.rs`
//! `netplan_key_tables_match_generator` checks every entry here against the generator again.
//!
//! A value netplan checks beyond its shape (an enum such as `activation-mode`, a route's
//! `to`) is [`Shape::Checked`]: the tool accepts any scalar there, so it may accept a file
//! netplan refuses for such a value, never the other way round.

/// What netplan requires of a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A scalar netplan reads as a boolean (`true`/`on`/`yes`/`y`, `false`/`off`/`no`/`n`,
    /// any case).
    Bool,
    /// A scalar netplan reads as an unsigned 32-bit number.
    Uint,
    /// Any scalar.
    Str,
    /// A scalar netplan validates further, by rules not modelled here.
    Checked,
    /// A MAC address: 6 or 20 colon-separated pairs of hex digits.
    Mac,
    /// A single IPv4 address (`gateway4`).
    Ipv4,
    /// A single IPv6 address (`gateway6`).
    Ipv6,
    /// `networkd` or `NetworkManager` (`sriov` too on a VLAN).
    Renderer,
    /// netplan's `version`: a number that must be 2.
    Version,
    /// `addresses`: a sequence of `ADDRESS/PREFIX` scalars or one-key mappings of options.
    Addresses,
    /// A sequence of single IPv4 or IPv6 addresses (nameservers, ARP targets).
    Ips,
    /// A sequence of scalars.
    Scalars,
    /// A sequence whose items netplan checks itself (not modelled).
    Seq,
    /// A sequence of mappings with these keys.
    Maps(&'static [Key]),
    /// A mapping with these keys.
    Map(&'static [Key]),
    /// A mapping of names to mappings with these keys (`access-points`).
    MapOfMaps(&'static [Key]),
    /// A mapping of device ids to device definitions with these keys.
    Devices(&'static [Key]),
    /// Anything: netplan's own handler decides (a scalar or a mapping, passthrough data).
    Any,
}

pub type Key = (&'static str, Shape);

use Shape::*;

pub const DHCP_OVERRIDES: &[Key] = &[
    ("hostname", Str),
    ("route-metric", Uint),
    ("send-hostname", Bool),
    ("use-dns", Bool),
    ("use-domains", Str),
    ("use-hostname", Bool),
    ("use-mtu", Bool),
    ("use-ntp", Bool),
    ("use-routes", Bool),
];

pub const NAMESERVERS: &[Key] = &[("addresses", Ips), ("search", Scalars)];

pub const ROUTE: &[Key] = &[
    ("advertised-receive-window", Uint),
    ("congestion-window", Uint),
    ("from", Checked),
    ("metric", Uint),
    ("mtu", Uint),
    ("on-link", Bool),
    ("scope", Checked),
    ("table", Uint),
    ("to", Checked),
    ("type", Checked),
    ("via", Checked),
];

pub const ROUTING_POLICY: &[Key] = &[
    ("from", Checked),
    ("mark", Uint),
    ("priority", Uint),
    ("table", Uint),
    ("to", Checked),
    ("type-of-service", Uint),
];

pub const NETWORKMANAGER: &[Key] = &[
    ("device", Str),
    ("name", Str),
    ("passthrough", Any),
    ("stable-id", Str),
    ("uuid", Str),
];

pub const OPENVSWITCH: &[Key] = &[
    ("controller", Any),
    ("external-ids", Any),
    ("fail-mode", Checked),
    ("lacp", Checked),
    ("mcast-snooping", Checked),
    ("other-config", Any),
    ("protocols", Seq),
    ("rstp", Checked),
];

pub const MATCH: &[Key] = &[("driver", Any), ("macaddress", Mac), ("name", Str)];

pub const AUTH: &[Key] = &[
    ("anonymous-identity", Str),
    ("ca-certificate", Str),
    ("client-certificate", Str),
    ("client-key", Str),
    ("client-key-password", Str),
    ("identity", Str),
    ("key-management", Checked),
    ("method", Checked),
    ("password", Str),
    ("phase2-auth", Str),
];

pub const ACCESS_POINT: &[Key] = &[
    ("auth", Map(AUTH)),
    ("band", Checked),
    ("bssid", Mac),
    ("channel", Uint),
    ("hidden", Bool),
    ("mode", Checked),
    ("networkmanager", Map(NETWORKMANAGER)),
    ("password", Checked),
];

pub const BOND_PARAMETERS: &[Key] = &[
    ("ad-select", Checked),
    ("all-members-active", Bool),
    ("all-slaves-active", Bool),
    ("arp-all-targets", Checked),
    ("arp-interval", Checked),
    ("arp-ip-targets", Ips),
    ("arp-validate", Checked),
    ("down-delay", Checked),
    ("fail-over-mac-policy", Checked),
    ("gratuitious-arp", Uint),
    ("gratuitous-arp", Uint),
    ("lacp-rate", Checked),
    ("learn-packet-interval", Checked),
    ("mii-monitor-interval", Checked),
    ("min-links", Uint),
    ("mode", Checked),
    ("packets-per-member", Uint),
    ("packets-per-slave", Uint),
    ("primary", Str),
    ("primary-reselect-policy", Checked),
    ("resend-igmp", Uint),
    ("transmit-hash-policy", Checked),
    ("up-delay", Checked),
];

pub const BRIDGE_PARAMETERS: &[Key] = &[
    ("ageing-time", Checked),
    ("aging-time", Checked),
    ("forward-delay", Checked),
    ("hello-time", Checked),
    ("max-age", Checked),
    ("path-cost", Any),
    ("port-priority", Any),
    ("priority", Uint),
    ("stp", Bool),
];

/// The options of one `addresses` entry (`- ADDR/PREFIX: {label: ..., lifetime: ...}`).
pub const ADDRESS_OPTIONS: &[Key] = &[("label", Str), ("lifetime", Checked)];

pub const PEER_KEYS: &[Key] = &[("public", Str), ("shared", Str)];

pub const WIREGUARD_PEER: &[Key] = &[
    ("allowed-ips", Seq),
    ("endpoint", Checked),
    ("keepalive", Uint),
    ("keys", Map(PEER_KEYS)),
];

/// Keys of every device type but VRFs (netplan's common link handlers).
macro_rules! common {
    ($($extra:expr),* $(,)?) => {
        &[
            ("accept-ra", Bool),
            ("activation-mode", Checked),
            ("addresses", Addresses),
            ("critical", Bool),
            ("dhcp-identifier", Checked),
            ("dhcp4", Bool),
            ("dhcp4-overrides", Map(DHCP_OVERRIDES)),
            ("dhcp6", Bool),
            ("dhcp6-overrides", Map(DHCP_OVERRIDES)),
            ("gateway4", Ipv4),
            ("gateway6", Ipv6),
            ("ignore-carrier", Bool),
            ("ipv6-address-generation", Checked),
            ("ipv6-address-token", Checked),
            ("ipv6-mtu", Uint),
            ("ipv6-privacy", Bool),
            ("link-local", Scalars),
            ("macaddress", Mac),
            ("mtu", Uint),
            ("nameservers", Map(NAMESERVERS)),
            ("neigh-suppress", Bool),
            ("networkmanager", Map(NETWORKMANAGER)),
            ("openvswitch", Map(OPENVSWITCH)),
            ("optional", Bool),
            ("optional-addresses", Scalars),
            ("renderer", Renderer),
            ("routes", Maps(ROUTE)),
            ("routing-policy", Maps(ROUTING_POLICY)),
            $($extra),*
        ]
    };
}

/// Keys of physical devices (ethernets, wifis, modems, nm-devices), after the common ones.
macro_rules! physical {
    ($($extra:expr),* $(,)?) => {
        common![
            ("emit-lldp", Bool),
            ("generic-receive-offload", Bool),
            ("generic-segmentation-offload", Bool),
            ("large-receive-offload", Bool),
            ("match", Map(MATCH)),
            ("receive-checksum-offload", Bool),
            ("set-name", Str),
            ("tcp-segmentation-offload", Bool),
            ("tcp6-segmentation-offload", Bool),
            ("transmit-checksum-offload", Bool),
            ("wakeonlan", Bool),
            ("wakeonwlan", Scalars),
            $($extra),*
        ]
    };
}

pub const ETHERNET: &[Key] = physical![
    ("auth", Map(AUTH)),
    ("delay-virtual-functions-rebind", Bool),
    ("embedded-switch-mode", Checked),
    ("infiniband-mode", Checked),
    ("link", Str),
    ("virtual-function-count", Uint),
];

pub const WIFI: &[Key] = physical![
    ("access-points", MapOfMaps(ACCESS_POINT)),
    ("auth", Map(AUTH)),
    ("regulatory-domain", Str),
];

pub const MODEM: &[Key] = physical![
    ("apn", Str),
    ("auto-config", Bool),
    ("device-id", Str),
    ("network-id", Str),
    ("number", Str),
    ("password", Str),
    ("pin", Str),
    ("sim-id", Str),
    ("sim-operator-id", Str),
    ("username", Str),
];

pub const BOND: &[Key] = common![
    ("interfaces", Scalars),
    ("parameters", Map(BOND_PARAMETERS))
];

pub const BRIDGE: &[Key] = common![
    ("interfaces", Scalars),
    ("parameters", Map(BRIDGE_PARAMETERS))
];

pub const VLAN: &[Key] = common![("id", Uint), ("link", Str)];

pub const TUNNEL: &[Key] = common![
    ("ageing", Uint),
    ("aging", Uint),
    ("arp-proxy", Bool),
    ("checksums", Scalars),
    ("do-not-fragment", Bool),
    ("extensions", Scalars),
    ("flow-label", Uint),
    ("id", Uint),
    ("key", Any),
    ("keys", Any),
    ("limit", Uint),
    ("link", Str),
    ("local", Checked),
    ("mac-learning", Bool),
    ("mark", Uint),
    ("mode", Checked),
    ("notifications", Scalars),
    ("peers", Maps(WIREGUARD_PEER)),
    ("port", Uint),
    ("port-range", Seq),
    ("remote", Checked),
    ("short-circuit", Bool),
    ("ttl", Uint),
    ("type-of-service", Uint),
];

pub const VRF: &[Key] = &[
    ("interfaces", Scalars),
    ("networkmanager", Map(NETWORKMANAGER)),
    ("openvswitch", Map(OPENVSWITCH)),
    ("renderer", Renderer),
    ("routes", Maps(ROUTE)),
    ("routing-policy", Maps(ROUTING_POLICY)),
    ("table", Uint),
];

/// The keys under `network:`.
pub const NETWORK: &[Key] = &[
    ("bonds", Devices(BOND)),
    ("bridges", Devices(BRIDGE)),
    ("ethernets", Devices(ETHERNET)),
    ("modems", Devices(MODEM)),
    ("nm-devices", Devices(ETHERNET)),
    ("openvswitch", Any),
    ("renderer", Renderer),
    ("tunnels", Devices(TUNNEL)),
    ("version", Version),
    ("vlans", Devices(VLAN)),
    ("vrfs", Devices(VRF)),
    ("wifis", Devices(WIFI)),
];

/// The keys of a file's top level.
pub const ROOT: &[Key] = &[("network", Map(NETWORK))];

/// The device types and their keys, for tests and tools.
pub fn device_types() -> impl Iterator<Item = (&'static str, &'static [Key])> {
    NETWORK.iter().filter_map(|(name, shape)| match shape {
        Devices(keys) => Some((*name, *keys)),
        _ => None,
    })
}
