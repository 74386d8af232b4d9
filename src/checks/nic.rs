//! Network adapters as the agent's registration sees them: every adapter that is up has an
//! IPv4 address (registration stops with "No Valid IP Address found" otherwise), and no
//! in-guest NIC teaming or bonding, which Site Recovery does not support.

use crate::facts::FactError;
use std::collections::BTreeSet;

use super::hosts::not_counted;
use super::{Applies, CheckDef, Code, Context, Doc, Finding};
use crate::facts::network::{Nic, Origin};
use crate::facts::teaming::teaming_name;
use crate::scenario::Scenario;
use crate::text::escape_bytes;

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "nic.ipv4",
        title: "Every adapter that is up has an IPv4 address",
        applies: Applies::MOBILITY_AGENT,
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "Each network adapter that is up (loopback, container and virtual-bridge interfaces aside) must carry an IPv4 address; the guest side of Site Recovery is IPv4 only (IPv6 alongside IPv4 is fine, IPv6 alone is not). With --root, an adapter the image brings up at boot must have a static IPv4 address or use DHCP for IPv4.",
            why: "The Mobility service registers the machine with the addresses of its adapters; an adapter without IPv4 makes registration fail with \"No Valid IP Address found\", and after failover Azure gives adapters IPv4 addresses only.",
            fix: "Give the adapter an IPv4 address (static `IPADDR=`/`PREFIX=` or `BOOTPROTO=dhcp` in its ifcfg file, `iface X inet dhcp` in /etc/network/interfaces, `dhcp4: true` in netplan), or take it down if it is not used; --ignore-interface NAME leaves an adapter out on purpose.",
            reference: "reference/asr-errors.md section 1c (registration strings: No Valid IP Address found) and section 3 (at least one IPv4 on every NIC; IPv6 unsupported); reference/asr-matrix.md section 5 (Network: guest IPv4 only)",
            prevents: &["registration: No Valid IP Address found"],
        },
        codes: &[
            Code::error(
                "cannot-list-adapters",
                "the network adapters could not be listed",
            ),
            Code::fail(
                "no-ipv4-address",
                "an adapter that is up has no IPv4 address (static or DHCP)",
            ),
            Code::fail("no-adapter-up", "no network adapter besides loopback is up"),
            Code::error(
                "cannot-read-config",
                "some of the network configuration could not be read",
            ),
        ],
        run: check_ipv4,
    },
    CheckDef {
        id: "nic.teaming",
        title: "No in-guest NIC teaming or bonding",
        applies: Applies::Only(&[Scenario::VmwareToAzure, Scenario::PhysicalToAzure]),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "The guest should not team or bond its network adapters (Linux bonding or teamd devices); each adapter should stand alone.",
            why: "Site Recovery does not support NIC teaming inside the guest: after failover the Azure VM has plain adapters, so a configuration built on a bond or team device brings no network up, and the replicated addresses may not be the ones the bond carried.",
            fix: "Move the addresses from the bond or team device to a single adapter (remove the bond/team configuration: ifcfg files with DEVICETYPE=Team or BONDING_OPTS, `bond-*` lines in /etc/network/interfaces, netplan `bonds:`, NetworkManager bond/team profiles), or accept the warning knowing the network must be reconfigured after failover.",
            reference: "reference/asr-matrix.md section 5 (Network: guest NIC teaming no, VMW-2023); reference/asr-errors.md section 3 (in-guest NIC teaming unsupported)",
            prevents: &["no network after failover (unsupported in-guest NIC teaming)"],
        },
        codes: &[
            Code::warn(
                "teaming-configured",
                "in-guest NIC teaming or bonding is configured",
            ),
            Code::error(
                "cannot-read",
                "some of the network configuration could not be read",
            ),
        ],
        run: check_teaming,
    },
];

fn check_ipv4(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let net = ctx.facts.network();
    if !net.errors.is_empty() && net.nics.is_empty() {
        return Ok(Finding::error("could not list the network adapters")
            .code("cannot-list-adapters")
            .details(net.errors.clone()));
    }
    let mut ok = Vec::new();
    let mut missing = Vec::new();
    let mut ignored = Vec::new();
    for nic in &net.nics {
        if let Some(nc) = not_counted(nic, &ctx.options.ignore_interfaces) {
            ignored.push(format!("not counted: {} ({})", nic.shown(), nc.why));
            continue;
        }
        match ipv4_line(nic) {
            Ok(line) => ok.push(line),
            Err(line) => missing.push(line),
        }
    }
    let sources = format!("adapters from {}", net.sources.join(", "));
    if !missing.is_empty() {
        return Ok(no_ipv4_failure(&missing)
            .details(missing)
            .details(ok)
            .detail(sources)
            .details(ignored)
            .details(net.errors.clone()));
    }
    if ok.is_empty() {
        if net.live {
            return Ok(Finding::fail("no network adapter besides loopback is up")
                .code("no-adapter-up")
                .detail(sources)
                .details(ignored)
                .fix("Bring up the machine's network adapter with an IPv4 address."));
        }
        return Ok(Finding::skip(
            "the image's network configuration brings up no adapter (cloud-init or NetworkManager may configure them at first boot), so there is nothing to judge",
        )
        .detail(sources)
        .details(ignored));
    }
    if !net.errors.is_empty() {
        return Ok(
            Finding::error("could not read all of the network configuration")
                .code("cannot-read-config")
                .details(net.errors.clone())
                .details(ok),
        );
    }
    Ok(Finding::pass(format!(
        "every adapter that is up has an IPv4 address ({})",
        ok.len()
    ))
    .details(ok)
    .detail(sources)
    .details(ignored))
}

/// An adapter's IPv4 line: `Ok` with its addresses (or DHCP), `Err` with what it has instead.
fn ipv4_line(nic: &Nic) -> Result<String, String> {
    let v4: Vec<String> = nic
        .addrs
        .iter()
        .filter(|a| a.addr.is_ipv4())
        .map(|a| a.addr.to_string())
        .collect();
    if !v4.is_empty() {
        return Ok(format!("{}: {}", nic.shown(), v4.join(", ")));
    }
    if nic.dhcp4 {
        return Ok(format!(
            "{}: IPv4 by DHCP ({})",
            nic.shown(),
            nic.described_at()
        ));
    }
    let v6 = nic.addrs.iter().filter(|a| a.addr.is_ipv6()).count();
    let has = if v6 > 0 {
        format!(
            "only IPv6 ({v6} address{})",
            if v6 == 1 { "" } else { "es" }
        )
    } else {
        "no address".to_string()
    };
    let at = match nic.origin {
        Origin::Kernel => String::new(),
        Origin::Config { .. } => format!(", {}", nic.described_at()),
    };
    Err(format!("{}: {has}{at}", nic.shown()))
}

/// The failure (without details) naming the adapters of the `missing` lines.
fn no_ipv4_failure(missing: &[String]) -> Finding {
    let names: Vec<&str> = missing
        .iter()
        .map(|m| m.split(':').next().unwrap_or(""))
        .collect();
    Finding::fail(format!(
        "adapter{} up without an IPv4 address: {}",
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    ))
    .code("no-ipv4-address")
    .fix("Give each of these adapters an IPv4 address (static or DHCP) or take it down; --ignore-interface NAME leaves an adapter out on purpose.")
}

fn check_teaming(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let t = ctx.facts.teaming();
    let mut lines: Vec<String> = t
        .evidence
        .iter()
        .map(|e| format!("{}: {}", e.subject, e.why))
        .collect();
    let known: BTreeSet<&str> = t.evidence.iter().map(|e| e.subject.as_str()).collect();
    for nic in &ctx.facts.network().nics {
        let Some(name) = &nic.name else { continue };
        let shown = escape_bytes(name);
        if teaming_name(name) && !known.contains(shown.as_str()) {
            lines.push(format!(
                "{shown}: named like a bond or team device ({})",
                nic.described_at()
            ));
        }
    }
    let errors: Vec<String> = t
        .errors
        .iter()
        .map(|e| format!("could not read: {e}"))
        .collect();
    if !lines.is_empty() {
        return Ok(Finding::warn(format!(
            "in-guest NIC teaming or bonding is configured ({} finding{}); Site Recovery does not support it",
            lines.len(),
            if lines.len() == 1 { "" } else { "s" }
        ))
        .code("teaming-configured")
        .details(lines)
        .details(errors)
        .fix("Move the addresses to a single adapter and remove the bond or team configuration, or plan to reconfigure the network after failover."));
    }
    if !errors.is_empty() {
        return Ok(
            Finding::error("could not read all of the network configuration")
                .code("cannot-read")
                .details(errors),
        );
    }
    Ok(Finding::pass(if ctx.facts.is_live() {
        "no bond or team device in the kernel"
    } else {
        "the image's network configuration defines no bond or team device"
    }))
}
