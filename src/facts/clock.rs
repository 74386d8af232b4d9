//! Whether the running system's clock is synchronised: the kernel's own flag (adjtimex(2),
//! read only) and, where chrony runs, its tracking report with the offset it still corrects.
//! Live only: an image has no clock.

use crate::parse::chrony::{self, Tracking};
use crate::probe::{ClockState, Probe};

/// The clock as the running system sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum ClockFacts {
    /// `--root` mode.
    NotLive,
    Live {
        kernel: Result<ClockState, String>,
        /// chrony's report: `None` when chronyc is not installed.
        chrony: Option<Result<Tracking, String>>,
    },
}

/// The checks that read these facts.
pub const CHECKS_READING: &[&str] = &["time.synchronized"];

/// The programs [`gather`] runs on a live system (started ahead by
/// [`crate::facts::Sources::start_live_tools`]).
pub const LIVE_TOOLS: &[(&str, &[&str])] = &[("chronyc", &["-c", "tracking"])];

pub fn gather(probe: Option<&dyn Probe>) -> ClockFacts {
    let Some(p) = probe else {
        return ClockFacts::NotLive;
    };
    ClockFacts::Live {
        kernel: p.clock().map_err(|e| e.to_string()),
        chrony: chrony_tracking(p),
    }
}

/// chrony's tracking report, when chronyc is there to ask (it talks to chronyd over its
/// local socket and changes nothing).
fn chrony_tracking(p: &dyn Probe) -> Option<Result<Tracking, String>> {
    match p.run_tool(LIVE_TOOLS[0].0, LIVE_TOOLS[0].1) {
        Ok(None) => None,
        Ok(Some(out)) => Some(
            chrony::parse_tracking(&out.stdout)
                .map_err(|e| format!("{} -c tracking: {e}", out.resolved.display())),
        ),
        Err(e) => Some(Err(e.to_string())),
    }
}
