//! Golden-image hygiene: no Site Recovery Mobility service copied from another machine. In an
//! image (`--root`) any trace of the agent is a fault, because every clone would carry the
//! same agent identity; on a running machine the agent's recorded BIOS id must be this
//! machine's (the configurator refuses otherwise: RecordOP 118, "BiosId mismatch").

use crate::facts::FactError;
use std::os::unix::ffi::OsStrExt;

use super::{Applies, CheckDef, Code, Context, Doc, Finding};
use crate::facts::asr_agent::{self, AgentTraces};
use crate::text::escape_bytes;

/// The agent's services (`vxagent` runs the replication, `uarespawnd` restarts it).
const AGENT_SERVICES: &[&[&str]] = &[&["vxagent"], &["uarespawnd"]];

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "image.agent-clone",
    title: "No Mobility service copied from another machine",
    applies: Applies::MOBILITY_AGENT,
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "A machine may only carry a Site Recovery Mobility service that was installed and registered on that very machine. An image meant for cloning must hold no trace of the agent at all (/usr/local/ASR, /usr/local/InMage, /etc/vxagent, /usr/local/.vx_version, drscout.conf, RCMInfo.conf); on a running machine the BIOS id the agent recorded at registration must be the machine's own product UUID (or its byte-swapped form).",
        why: "Cloned agents are not supported: every clone presents the host id and registration of the original, so the service confuses them, and the agent's configurator refuses to register a machine whose BIOS id differs from the one recorded (RecordOP 118, BiosId mismatch). After a migration to Azure the old agent must be removed (and the machine rebooted) before Azure-to-Azure replication can install its own.",
        fix: "Uninstall the agent from the template machine before capturing the image (`/usr/local/ASR/uninstall.sh -Y`, then reboot), or delete its directories and service files from the mounted image. On a running clone, uninstall the copied agent, reboot, and install and register it afresh.",
        reference: "reference/asr-errors.md section 1c (RecordOP 118 BiosId mismatch: agent UnifiedAgentConfigurator.sh; cloned machines unsupported: V2AREP) and section 3 (stale/cloned agent; A2A after migration)",
        prevents: &[
            "RecordOP 118 (BiosId mismatch)",
            "registration of cloned machines (unsupported)",
        ],
    },
    codes: &[
        Code::fail(
            "agent-in-image",
            "the image carries the Mobility service, so every clone would share its identity",
        ),
        Code::error(
            "cannot-read",
            "a place where the agent leaves traces, or its configuration, could not be read",
        ),
        Code::error(
            "uuid-unknown",
            "the agent recorded a BiosId but the machine's product UUID could not be read",
        ),
        Code::fail(
            "bios-id-mismatch",
            "the agent was registered on another machine: its BiosId is not this machine's",
        ),
    ],
    run: check_agent_clone,
}];

/// Each trace, and the agent's service units, as detail lines.
fn trace_lines(ctx: &Context<'_>, t: &AgentTraces) -> Vec<String> {
    let mut lines: Vec<String> = t
        .traces
        .iter()
        .map(|x| format!("{}: {}", x.path, x.what))
        .collect();
    for names in AGENT_SERVICES {
        let e = ctx.facts.service(names);
        if e.is_installed() {
            let unit = e.unit.clone().unwrap_or_else(|| names[0].to_string());
            lines.push(format!(
                "{unit}: the agent's {} service, {} at boot",
                names[0],
                e.state.as_str()
            ));
        }
    }
    if let Some(v) = &t.version {
        lines.push(format!(
            "agent version {v} (from {})",
            asr_agent::VX_VERSION
        ));
    }
    if let Some(h) = &t.host_id {
        lines.push(format!(
            "host id {h} in {}",
            t.drscout.as_deref().unwrap_or("drscout.conf")
        ));
    }
    if let Some(b) = &t.bios_id {
        lines.push(format!("BiosId {b} in {}", asr_agent::RCM_INFO));
    }
    lines
}

fn check_agent_clone(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let t = ctx.facts.asr_agent();
    let lines = trace_lines(ctx, t);
    let errors: Vec<String> = t
        .errors
        .iter()
        .map(|e| format!("could not read: {e}"))
        .collect();
    if ctx.facts.is_live() {
        Ok(live_verdict(ctx, t, lines, errors))
    } else {
        Ok(image_verdict(ctx, t, lines, errors))
    }
}

/// In an image any trace of the agent is a fault: every clone would carry its identity.
fn image_verdict(
    ctx: &Context<'_>,
    t: &AgentTraces,
    lines: Vec<String>,
    errors: Vec<String>,
) -> Finding {
    if lines.is_empty() {
        if !errors.is_empty() {
            return Finding::error("could not look everywhere the agent leaves traces")
                .code("cannot-read")
                .details(errors);
        }
        return Finding::pass("the image holds no trace of the Site Recovery Mobility service");
    }
    let base = escape_bytes(ctx.facts.root_base().as_os_str().as_bytes());
    let remove: Vec<String> = t
        .traces
        .iter()
        .map(|x| x.path.as_str())
        .filter(|p| {
            // Only top-level paths: their contents go with them.
            !t.traces
                .iter()
                .any(|o| o.path != *p && p.starts_with(&format!("{}/", o.path)))
        })
        .map(|p| format!("{base}{p}"))
        .collect();
    Finding::fail(format!(
        "the image carries the Site Recovery Mobility service ({} trace{}): every clone would share its identity",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    ))
    .code("agent-in-image")
    .details(lines)
    .details(errors)
    .fix(format!(
        "Uninstall the agent on the template machine before capturing it (`/usr/local/ASR/uninstall.sh -Y`, then reboot), or remove it from the mounted image: rm -rf {}",
        remove.join(" ")
    ))
}

/// On a running machine an agent is legitimate when it was registered here: its recorded
/// BiosId is this machine's product UUID.
fn live_verdict(
    ctx: &Context<'_>,
    t: &AgentTraces,
    lines: Vec<String>,
    errors: Vec<String>,
) -> Finding {
    let Some(recorded) = &t.bios_id else {
        if !errors.is_empty() {
            return Finding::error("could not read the agent's configuration")
                .code("cannot-read")
                .details(errors);
        }
        if lines.is_empty() {
            return Finding::pass("the Site Recovery Mobility service is not installed");
        }
        return Finding::pass(
            "the Mobility service is present but not registered yet (no BiosId recorded), so it carries no other machine's identity",
        )
        .details(lines);
    };
    let dmi = ctx.facts.dmi();
    let Some(uuid) = &dmi.product_uuid else {
        return Finding::error(format!(
            "the agent recorded BiosId {recorded}, but the machine's product UUID could not be read"
        ))
        .code("uuid-unknown")
        .detail("/sys/class/dmi/id/product_uuid (readable by root only)")
        .details(dmi.errors.iter().map(|e| format!("could not read: {e}")))
        .details(lines);
    };
    if asr_agent::bios_id_matches(recorded, uuid) {
        return Finding::pass(format!(
            "the Mobility service was registered on this machine (BiosId {recorded} matches the product UUID)"
        ))
        .details(lines);
    }
    let swapped = asr_agent::byte_swapped_uuid(uuid).unwrap_or_default();
    Finding::fail(format!(
        "the Mobility service was registered on another machine: BiosId {recorded} is not this machine's product UUID {uuid}"
    ))
    .code("bios-id-mismatch")
    .detail(format!("byte-swapped form also compared: {swapped}"))
    .details(lines)
    .fix("This agent was copied from another machine (a clone of a protected machine or of an image that held the agent). Uninstall it (`/usr/local/ASR/uninstall.sh -Y`), reboot, then install and register the Mobility service on this machine.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Status, run_on};
    use crate::probe::FakeProbe;

    const UUID: &str = "4c4c4544-0042-3510-8052-b4c04f4e4e32";

    /// A live machine whose DMI product UUID is `uuid` and whose agent recorded `bios_id`.
    fn live(uuid: Option<&str>, bios_id: Option<&str>) -> Finding {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sys/class/dmi/id")).unwrap();
        if let Some(u) = uuid {
            std::fs::write(d.join("sys/class/dmi/id/product_uuid"), format!("{u}\n")).unwrap();
        }
        std::fs::create_dir_all(d.join("usr/local/InMage/config")).unwrap();
        std::fs::create_dir_all(d.join("usr/local/ASR/Vx/etc")).unwrap();
        std::fs::write(d.join("usr/local/ASR/Vx/etc/drscout.conf"), "HostId = x\n").unwrap();
        if let Some(b) = bios_id {
            std::fs::write(
                d.join("usr/local/InMage/config/RCMInfo.conf"),
                format!("[rcm]\nBiosId={b}\n"),
            )
            .unwrap();
        }
        run_on(
            d,
            Some(FakeProbe::new("3.10.0-1160.el7.x86_64", "vm")),
            crate::scenario::Scenario::VmwareToAzure,
            check_agent_clone,
        )
    }

    /// Live, the agent registered on this machine passes (also with the byte-swapped id the
    /// firmware may report), another machine's id fails naming both, an agent not registered
    /// yet passes, and an unreadable product UUID is an error, never a pass.
    #[test]
    fn live_bios_id_comparison() {
        let f = live(Some(UUID), Some("4C4C4544-0042-3510-8052-B4C04F4E4E32"));
        assert_eq!(f.status, Status::Pass, "{f:?}");
        let f = live(Some(UUID), Some("44454c4c-4200-1035-8052-b4c04f4e4e32"));
        assert_eq!(f.status, Status::Pass, "{f:?}");
        let f = live(Some(UUID), Some("564d2b1a-0c37-4a5e-9d11-2f0e5b8c7a60"));
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.summary.contains("564d2b1a-0c37-4a5e-9d11-2f0e5b8c7a60"));
        assert!(f.summary.contains(UUID));
        assert!(f.details.iter().any(|d| d.contains("44454c4c-4200-1035")));
        let f = live(Some(UUID), None);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(f.summary.contains("not registered"), "{f:?}");
        let f = live(None, Some("4C4C4544-0042-3510-8052-B4C04F4E4E32"));
        assert_eq!(f.status, Status::Error, "{f:?}");
    }
}
