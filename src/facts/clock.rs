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

pub fn gather(probe: Option<&dyn Probe>) -> ClockFacts {
    let Some(p) = probe else {
        return ClockFacts::NotLive;
    };
    ClockFacts::Live {
        kernel: p.clock().map_err(|e| e.to_string()),
        chrony: chrony_tracking(p),
    }
}

/// chrony's tracking report, when chronyc is there to ask.
/// (Wired to the probe's listing-tool runner once that lands; until then not asked.)
fn chrony_tracking(_p: &dyn Probe) -> Option<Result<Tracking, String>> {
    let _ = chrony::parse_tracking;
    None
}
