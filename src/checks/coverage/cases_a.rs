//! Coverage cases for the checks coded in batch a (kept apart from mod.rs's table so that
//! work on different checks does not edit the same lines).

use super::Case;

pub(super) const CASES: &[Case] = &[];
