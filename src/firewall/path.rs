//! Matches whose meaning depends on which way a packet travels. A front end cannot know, when it
//! reads `-d 10.0.0.0/8` or `oifname eth0`, whether the rule will be met by a packet arriving for
//! this machine or by one leaving it (a user chain may be jumped to from INPUT and OUTPUT alike),
//! so it records both: the condition as the inbound evaluation has always seen it, and what the
//! match tests, for [`super::egress`] to judge against the packet it asks about.

use super::addr::Range;
use super::{Cond, PortRange};

/// A direction-dependent match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathCond {
    /// The meaning for a new connection arriving from another host.
    pub inbound: Cond,
    pub what: PathMatch,
}

/// What a direction-dependent match tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// The packet's source (`src`) or destination address is in `nets`; `None` when the
    /// addresses are not known here (an ipset, a name). `key` names the fact for consistency.
    Addr {
        src: bool,
        neg: bool,
        nets: Option<Vec<Range>>,
        key: String,
    },
    /// The packet leaves by one of these interfaces (a trailing `+` or `*` is a prefix).
    OutIface { neg: bool, names: Vec<String> },
    /// The packet's TCP/UDP source port; `None` when not readable.
    SPort {
        neg: bool,
        ports: Option<Vec<PortRange>>,
        key: String,
    },
}

impl PathCond {
    /// The condition, as a rule item holds it.
    pub fn wrap(inbound: Cond, what: PathMatch) -> Cond {
        Cond::Path(Box::new(PathCond { inbound, what }))
    }
}

/// An address match: `inbound` as the front end always built it, `list` the words of the rule
/// (`10.0.0.0/8,192.0.2.1`); a word that is not an address leaves the networks unknown.
pub fn addr(inbound: Cond, src: bool, neg: bool, list: &[String], key: String) -> Cond {
    let nets: Option<Vec<Range>> = list.iter().map(|w| Range::parse(w)).collect();
    PathCond::wrap(
        inbound,
        PathMatch::Addr {
            src,
            neg,
            nets,
            key,
        },
    )
}
