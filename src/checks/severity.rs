//! The one step that decides what a finding counts for. A check reports what it found; where a
//! rule is only advice under some options (the installer's prerequisites under a matrix that
//! does not enforce them, the multi-VM port without `--multi-vm`), it also reports what it would
//! say then, and this step picks one. `--strict` is decided here too: whether a result keeps the
//! machine from being ready. Renderers read the decision; they never make it.

use super::{Context, Finding, Status};

/// Why a rule may be advice rather than a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// The Mobility service installer's own prerequisites: enforced only by matrices that say so.
    InstallerPrerequisite,
    /// Multi-VM consistency: a requirement only with `--multi-vm`.
    MultiVm,
}

impl Advice {
    /// Whether the run treats this rule as advice.
    fn applies(self, ctx: &Context<'_>) -> bool {
        match self {
            Advice::InstallerPrerequisite => !ctx.matrix.enforces_agent_prerequisites(),
            Advice::MultiVm => !ctx.options.multi_vm,
        }
    }
}

/// The finding the run reports: the check's own, or the one it gave for when its rule is advice.
pub fn apply(mut finding: Finding, ctx: &Context<'_>) -> Finding {
    match finding.if_advice.take() {
        Some((advice, advised)) if advice.applies(ctx) => *advised,
        _ => finding,
    }
}

/// Whether a result keeps the machine from being ready: fail and error always, warn with
/// `--strict`. A waived problem does not, except a waived error under `--strict`: an error means
/// the check could not look, and a strict run accepts no unknown.
pub fn blocks_ready(status: Status, strict: bool, waived: bool) -> bool {
    match status {
        Status::Fail => !waived,
        Status::Error => !waived || strict,
        Status::Warn => strict && !waived,
        Status::Pass | Status::Skip => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckOptions;
    use crate::facts::{Facts, Sources};
    use crate::matrix;
    use crate::root::Root;
    use crate::scenario::Scenario;
    use crate::testutil::tree;

    /// The matrix decides the installer's prerequisites and `--multi-vm` the port: the same
    /// facts give the check's finding or its advice, and only the chosen one is reported.
    #[test]
    fn advice_is_chosen_by_the_run() {
        let f = Finding::fail("blocked").if_advice(Advice::MultiVm, Finding::warn("advice"));
        let dir = tree(&[]);
        let facts = Facts::new(Sources {
            root: Root::image(dir.path()).unwrap(),
            probe: None,
        });
        let m2016 = matrix::load("asr-2016").unwrap();
        let m2026 = matrix::load("asr-2026").unwrap();
        for (multi_vm, matrix, want) in
            [(false, &m2016, Status::Warn), (true, &m2016, Status::Fail)]
        {
            let options = CheckOptions {
                multi_vm,
                ..CheckOptions::default()
            };
            let ctx = Context {
                facts: &facts,
                scenario: Scenario::VmwareToAzure,
                matrix,
                all_matrices: &[],
                options: &options,
            };
            let got = apply(f.clone(), &ctx);
            assert_eq!(got.status, want);
            assert!(got.if_advice.is_none());
        }
        let options = CheckOptions::default();
        for (matrix, want) in [(&m2016, Status::Warn), (&m2026, Status::Fail)] {
            let ctx = Context {
                facts: &facts,
                scenario: Scenario::VmwareToAzure,
                matrix,
                all_matrices: &[],
                options: &options,
            };
            let f = Finding::fail("x").if_advice(Advice::InstallerPrerequisite, Finding::warn("y"));
            assert_eq!(apply(f, &ctx).status, want);
        }
    }

    /// `--strict` makes warnings block; a waiver lifts fail, warn and error, except an error
    /// under `--strict`.
    #[test]
    fn strict_and_waivers_decide_what_blocks() {
        assert!(blocks_ready(Status::Fail, false, false));
        assert!(blocks_ready(Status::Error, false, false));
        assert!(!blocks_ready(Status::Warn, false, false));
        assert!(blocks_ready(Status::Warn, true, false));
        assert!(!blocks_ready(Status::Pass, true, false));
        assert!(!blocks_ready(Status::Skip, true, false));
        assert!(!blocks_ready(Status::Fail, true, true));
        assert!(!blocks_ready(Status::Warn, true, true));
        assert!(!blocks_ready(Status::Error, false, true));
        assert!(blocks_ready(Status::Error, true, true));
    }
}
