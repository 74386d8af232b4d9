//! Time: a time-synchronisation service starts at boot (from the services module, live and
//! in an image alike) and, on the running system, the kernel says the clock is synchronised
//! (with chrony's own offset where chrony can be asked).

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::clock::ClockFacts;
use crate::facts::services::commands::{Release, Software, install};
use crate::facts::services::{BootState, InitSystem, ServiceEnablement};
use crate::probe::{STA_UNSYNC, TIME_ERROR};
use crate::scenario::Scenario;

/// The time services, each under the names distributions give it.
pub const TIME_SERVICES: &[(&str, &[&str])] = &[
    ("chrony", &["chronyd", "chrony"]),
    ("ntpd", &["ntpd", "ntp"]),
    ("systemd-timesyncd", &["systemd-timesyncd"]),
    ("OpenNTPD", &["openntpd"]),
];

/// An offset beyond this breaks registration outright (the configuration server rejects
/// requests from clocks more than 15 minutes off, ACS50008).
const OFFSET_FAIL_SECONDS: f64 = 15.0 * 60.0;

const AGENT_SCENARIOS: &[Scenario] = &[
    Scenario::VmwareToAzure,
    Scenario::PhysicalToAzure,
    Scenario::AzureToAzure,
];

const TIME_REFERENCE: &str = "reference/asr-errors.md section 1c (78169 initial replication stuck: time sync; clock-skew self-help; registration with a clock more than 15 minutes off, ACS50008) and section 3 (time sync)";

pub const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "time.sync-service",
        title: "A time-synchronisation service starts at boot",
        applies: Applies::Only(AGENT_SCENARIOS),
        live_only: false,
        online_only: false,
        doc: Doc {
            requirement: "A service that keeps the clock synchronised with a time source (chronyd, ntpd, systemd-timesyncd or OpenNTPD) must be installed and started automatically at boot.",
            why: "Recovery points and replication traffic are time-stamped: a clock that drifts, or that jumps forward and back, stalls initial replication (78169), raises clock-skew alerts and stops new recovery points; a clock more than 15 minutes off cannot register with the configuration server.",
            fix: "Install and enable the distribution's time service: `yum install -y chrony && systemctl enable --now chronyd` (RHEL/CentOS/Oracle Linux 7+), `yum install -y ntp && chkconfig ntpd on && service ntpd start` (RHEL 6), `zypper install chrony && systemctl enable --now chronyd` (SLES 15), `zypper install ntp && insserv ntp` (SLES 11), `apt-get install chrony` (Debian, Ubuntu).",
            reference: TIME_REFERENCE,
            prevents: &[
                "78169",
                "clock-skew alerts (recovery points stall)",
                "ACS50008",
            ],
        },
        codes: &[
            Code::error(
                "init-unknown",
                "the init system the machine boots with could not be told",
            ),
            Code::error(
                "cannot-read",
                "a unit, link or script that decides enablement could not be read",
            ),
            Code::fail("masked", "the installed time service is masked"),
            Code::fail(
                "not-enabled",
                "a time service is installed but does not start at boot",
            ),
            Code::fail(
                "not-installed",
                "no time-synchronisation service is installed",
            ),
        ],
        run: check_service,
    },
    CheckDef {
        id: "time.synchronized",
        title: "The clock is synchronised now",
        applies: Applies::Only(AGENT_SCENARIOS),
        live_only: true,
        online_only: false,
        doc: Doc {
            requirement: "On the running system the kernel must consider the clock synchronised (adjtimex reports no TIME_ERROR and STA_UNSYNC is clear), and where chrony reports its offset it must be small.",
            why: "An enabled service that cannot reach its time source leaves the clock free-running; the kernel's flag is what says whether any service actually disciplines the clock. Unsynchronised clocks stall replication (78169) and raise clock-skew alerts.",
            fix: "Make the time service reach a source: check `chronyc sources` or `ntpq -p`, open UDP 123 to the servers in /etc/chrony.conf or /etc/ntp.conf (on Azure, chrony can use the host's PTP clock: `refclock PHC /dev/ptp_hyperv poll 3 dpoll -2 offset 0`), then restart the service.",
            reference: TIME_REFERENCE,
            prevents: &[
                "78169",
                "clock-skew alerts (recovery points stall)",
                "ACS50008",
            ],
        },
        codes: &[
            Code::error(
                "cannot-read-clock",
                "the kernel's clock state (adjtimex) could not be read",
            ),
            Code::fail(
                "not-synchronized",
                "the kernel says the clock is not synchronised",
            ),
            Code::fail(
                "offset-too-large",
                "chrony reports the clock more than 15 minutes away from its reference",
            ),
        ],
        run: check_synchronized,
    },
];

fn check_service(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let all: Vec<(&str, ServiceEnablement)> = TIME_SERVICES
        .iter()
        .map(|(label, names)| (*label, ctx.facts.service(names)))
        .collect();
    let init = all[0].1.init;
    let errors: Vec<String> = all
        .iter()
        .flat_map(|(_, e)| e.errors.iter().map(|x| format!("could not read: {x}")))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let init_line = all[0].1.evidence.first().cloned();
    let states: Vec<String> = all
        .iter()
        .filter(|(_, e)| e.is_installed())
        .map(|(label, e)| {
            format!(
                "{label}: {} ({})",
                e.state.as_str(),
                e.unit.as_deref().unwrap_or("?")
            )
        })
        .collect();
    if let Some((label, e)) = all.iter().find(|(_, e)| e.is_enabled()) {
        return Ok(Finding::pass(format!(
            "{label} starts at boot: {} ({})",
            e.unit.as_deref().unwrap_or(label),
            init.as_str()
        ))
        .details(states)
        .details(e.evidence.iter().skip(1).cloned()));
    }
    if init == InitSystem::Unknown {
        return Ok(Finding::error(
            "could not tell which init system the machine boots with, so not whether a time service starts at boot",
        )
        .code("init-unknown")
        .details(init_line)
        .details(states)
        .details(errors));
    }
    if !errors.is_empty() {
        return Ok(Finding::error(
            "could not read everything that decides whether a time service starts at boot",
        )
        .code("cannot-read")
        .details(states)
        .details(errors));
    }
    if let Some((label, e)) = all.iter().find(|(_, e)| e.is_installed()) {
        let (what, code) = if e.state == BootState::Masked {
            ("is masked", "masked")
        } else {
            ("does not start at boot", "not-enabled")
        };
        let f = Finding::fail(format!(
            "no time service starts at boot: {label} is installed ({}) but {what}",
            e.unit.as_deref().unwrap_or(label)
        ))
        .code(code)
        .details(states)
        .details(e.evidence.iter().skip(1).cloned());
        return match &e.remediation {
            Some(r) => Ok(f.fix(r.clone())),
            None => Ok(f),
        };
    }
    Ok(Finding::fail("no time-synchronisation service is installed (looked for chronyd, ntpd, systemd-timesyncd, OpenNTPD)")
        .code("not-installed")
        .details(init_line)
        .fix(install(
            Software::TimeService,
            &Release::of(ctx.facts.os(), init),
        )))
}

fn check_synchronized(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let ClockFacts::Live { kernel, chrony } = ctx.facts.clock() else {
        return Ok(Finding::skip("needs the running system's clock"));
    };
    let clock = match kernel {
        Ok(c) => *c,
        Err(e) => {
            return Ok(
                Finding::error(format!("could not read the kernel's clock state: {e}"))
                    .code("cannot-read-clock"),
            );
        }
    };
    let kernel_line = format!(
        "adjtimex: state {} ({}), status 0x{:04x} (STA_UNSYNC {}), maximum error {} ms, estimated error {} ms",
        clock.state,
        state_name(clock.state),
        clock.status,
        if clock.status & STA_UNSYNC != 0 {
            "set"
        } else {
            "clear"
        },
        clock.maxerror_us / 1000,
        clock.esterror_us / 1000
    );
    let mut details = vec![kernel_line];
    let mut offset_fail = None;
    match chrony {
        None => details.push("chronyc is not installed: no offset reported".into()),
        Some(Err(e)) => details.push(format!("chrony's tracking report could not be had: {e}")),
        Some(Ok(t)) => {
            details.push(format!(
                "chrony: reference {}, stratum {}, system clock {:.6} s off, leap status {}",
                if t.reference.is_empty() {
                    "(none)"
                } else {
                    &t.reference
                },
                t.stratum,
                t.system_offset.abs(),
                t.leap_status
            ));
            if t.system_offset.abs() > OFFSET_FAIL_SECONDS {
                offset_fail = Some(t.system_offset.abs());
            }
        }
    }
    let enabled: Vec<&str> = TIME_SERVICES
        .iter()
        .filter(|(_, names)| ctx.facts.service(names).is_enabled())
        .map(|(label, _)| *label)
        .collect();
    let offset_line = |off: f64| {
        format!("the clock is {off:.0} s away from chrony's reference (more than 15 minutes)")
    };
    if !clock.synchronised() {
        let f =
            Finding::fail("the kernel says the clock is not synchronised").code("not-synchronized");
        let f = match offset_fail {
            Some(off) => f.problem(Status::Fail, "offset-too-large", offset_line(off)),
            None => f,
        };
        return Ok(f
            .details(details)
            .detail(if enabled.is_empty() {
                "no time service starts at boot (see time.sync-service)".to_string()
            } else {
                format!("enabled at boot: {} — it is not disciplining the clock now", enabled.join(", "))
            })
            .fix("Start the time service and let it reach a source (`systemctl restart chronyd` then `chronyc sources`; `service ntpd restart` then `ntpq -p`); open UDP 123 to the configured servers."));
    }
    if let Some(off) = offset_fail {
        return Ok(Finding::fail(offset_line(off))
            .code("offset-too-large")
            .details(details)
        .fix("Step the clock once (`chronyc makestep`) and check the time sources (`chronyc sources`)."));
    }
    Ok(Finding::pass("the kernel says the clock is synchronised").details(details))
}

fn state_name(state: i32) -> &'static str {
    match state {
        0 => "TIME_OK",
        1 => "TIME_INS",
        2 => "TIME_DEL",
        3 => "TIME_OOP",
        4 => "TIME_WAIT",
        TIME_ERROR => "TIME_ERROR",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Status, run_on};
    use crate::probe::{ClockState, FakeProbe, ProbeError};

    fn live(clock: Result<ClockState, ProbeError>) -> Finding {
        let dir = tempfile::tempdir().unwrap();
        let mut p = FakeProbe::new("5.15.0", "vm");
        p.clock = clock;
        run_on(
            dir.path(),
            Some(p),
            Scenario::VmwareToAzure,
            check_synchronized,
        )
    }

    /// The kernel's verdict decides: synchronised passes, TIME_ERROR or STA_UNSYNC fails,
    /// a failed adjtimex is an error.
    #[test]
    fn kernel_flag_decides() {
        let c = |state, status| {
            Ok(ClockState {
                state,
                status,
                maxerror_us: 20_000,
                esterror_us: 1_000,
            })
        };
        let f = live(c(0, 0x2001));
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(f.details[0].contains("TIME_OK") && f.details[0].contains("STA_UNSYNC clear"));
        assert!(f.details[0].contains("maximum error 20 ms"), "{f:?}");
        let f = live(c(TIME_ERROR, 0x41));
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.details[0].contains("TIME_ERROR") && f.details[0].contains("STA_UNSYNC set"));
        assert!(
            f.details
                .iter()
                .any(|d| d.contains("no time service starts at boot"))
        );
        let f = live(Err(ProbeError {
            what: "adjtimex",
            cause: "Operation not permitted".into(),
        }));
        assert_eq!(f.status, Status::Error, "{f:?}");
    }

    /// chrony's offset is reported; beyond 15 minutes it fails even when the kernel says the
    /// clock is synchronised; an unparsable answer is only a detail.
    #[test]
    fn chrony_offset() {
        let run = |line: &str| {
            let dir = tempfile::tempdir().unwrap();
            let p = FakeProbe::new("5.15.0", "vm").with_tool(
                "chronyc -c tracking",
                "/usr/bin/chronyc",
                line,
            );
            run_on(
                dir.path(),
                Some(p),
                Scenario::VmwareToAzure,
                check_synchronized,
            )
        };
        let f =
            run("A9FEA97B,169.254.169.123,3,1795320251.4,-0.000012345,0,0,0,0,0,0,0,64.4,Normal\n");
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(f.details.iter().any(|d| d == "chrony: reference 169.254.169.123, stratum 3, system clock 0.000012 s off, leap status Normal"), "{f:?}");
        let f = run("A9FEA97B,169.254.169.123,3,1795320251.4,1200.5,0,0,0,0,0,0,0,64.4,Normal\n");
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(f.summary.contains("1200 s"), "{f:?}");
        let f = run("garbage\n");
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(
            f.details.iter().any(|d| d.contains("could not be had")),
            "{f:?}"
        );
    }
}
