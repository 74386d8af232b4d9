//! Walks a [`Ruleset`] as netfilter walks it for the first packet (a SYN, conntrack state NEW)
//! of a TCP connection from another host to a local port: the base chains of PREROUTING, then of
//! INPUT, each in priority order; within a chain rule by rule, jumps and gotos into user chains,
//! RETURN and falling off a user chain back to the caller, falling off a base chain to its
//! policy. ACCEPT ends one base chain (the next one still sees the packet); DROP and REJECT end
//! everything; LOG and the like go on.
//!
//! What is not known about the packet (the peer's address, the interface) is not guessed: a rule
//! that depends on it splits the walk in two, and the answer is definite only when every branch
//! ends the same way. A fact assumed once is assumed the same way at every later rule that tests
//! it, so `-s X -j DROP` followed by `-s X -j ACCEPT` is not mistaken for "it depends".

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use super::{Action, Base, Cond, Family, Item, Kind, Origin, Policy, Rule, Ruleset};

/// Steps allowed for one question; rule sets where many rules depend on different unknowns
/// (peer address and interface together) stop here and say so instead of exploring every
/// combination. A step costs constant time, so a blocklist of 300,000 addresses still fits.
const STEP_BUDGET: usize = 1_000_000;
/// Time allowed for one question, whatever the steps: the budget is in wall time as well.
const TIME_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);
/// Nested jumps allowed (the kernel's own limit is in the same range).
const MAX_DEPTH: usize = 64;

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Blocked,
    /// Accepted for some peers or interfaces and not for others.
    Conditional,
    /// A match or verdict that cannot be evaluated decides.
    Undetermined,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Blocked => "blocked",
            Verdict::Conditional => "accepted only for some peers",
            Verdict::Undetermined => "cannot be determined",
        }
    }
}

/// A rule whose outcome depends on something left open.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Condition {
    pub kind: Kind,
    pub origin: Origin,
}

/// The answer for one port and one IP version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub verdict: Verdict,
    /// The rules (or policies) that accept on some path.
    pub accepted_by: Vec<Origin>,
    /// The rules (or policies) that drop or reject on some path.
    pub blocked_by: Vec<Origin>,
    /// Rules whose match depends on the peer, the interface or history.
    pub conditions: Vec<Condition>,
    /// Matches and verdicts that could not be evaluated, quoted with their place.
    pub unknowns: Vec<String>,
    /// Nothing at all acts on inbound packets.
    pub no_rules: bool,
}

#[derive(Debug, Clone)]
enum Tri {
    True,
    False,
    Open { kind: Kind, key: String, neg: bool },
}

/// Where a path left on the work list resumes: the walker's trail of assumed facts cut back
/// to `trail_at` entries, then `pending` assumed. The work list is a stack, so the trail below
/// `trail_at` is still the one the path was forked from when it is taken up again: a fork
/// costs nothing and a lookup is one index (a fail2ban chain of 100,000 source-limited rules
/// forks at every rule; searching a list of assumptions there was quadratic).
#[derive(Debug, Clone, Copy)]
struct Resume {
    trail_at: usize,
    pending: Option<(u32, bool)>,
}

#[derive(Debug, Clone)]
enum Decision {
    Accepted,
    Blocked,
    Unknown(String),
}

#[derive(Debug, Clone)]
struct End {
    decision: Decision,
    by: Origin,
}

#[derive(Debug, Clone)]
struct State {
    base: usize,
    chain: usize,
    rule: usize,
    item: usize,
    /// Next entry of a verdict map being evaluated.
    entry: usize,
    stack: Vec<(usize, usize)>,
    resume: Resume,
    /// The last explicit ACCEPT rule passed (chain, rule), named as the decider.
    accepted_rule: Option<(usize, usize)>,
    /// The last base chain whose policy accepted.
    accepted_policy: Option<usize>,
    /// The base chain's device condition has been settled.
    device_checked: bool,
}

/// Will a new TCP connection from another host to `port` over `family` be accepted?
pub fn evaluate(rs: &Ruleset, family: Family, port: u16) -> Answer {
    let mut bases: Vec<&Base> = rs
        .bases
        .iter()
        .filter(|b| b.families.contains(&family) && b.hook.is_inbound())
        .collect();
    bases.sort_by_key(|b| (b.hook, b.priority));
    let active = bases
        .iter()
        .any(|b| b.policy == Policy::Drop || !rs.chains[b.chain].rules.is_empty());
    if !active {
        return Answer {
            verdict: Verdict::Accepted,
            accepted_by: Vec::new(),
            blocked_by: Vec::new(),
            conditions: Vec::new(),
            unknowns: Vec::new(),
            no_rules: true,
        };
    }
    let walker = Walker {
        rs,
        bases,
        family,
        port,
        keys: RefCell::new(HashMap::new()),
        values: RefCell::new(Vec::new()),
        trail: RefCell::new(Vec::new()),
        conditions: RefCell::new(BTreeSet::new()),
        unevaluable: RefCell::new(BTreeSet::new()),
        harmless: RefCell::new(BTreeSet::new()),
    };
    walker.run()
}

struct Walker<'a> {
    rs: &'a Ruleset,
    bases: Vec<&'a Base>,
    family: Family,
    port: u16,
    /// Interned fact keys.
    keys: RefCell<HashMap<String, u32>>,
    /// The value assumed for each interned key on the path being walked.
    values: RefCell<Vec<Option<bool>>>,
    /// The keys assumed on that path, in order (undone back to a fork point on resuming).
    trail: RefCell<Vec<u32>>,
    /// Every rule at which the walk split: (kind, chain, rule or None for a base's device).
    conditions: RefCell<BTreeSet<(Kind, usize, Option<usize>)>>,
    /// Unevaluable matches met where the walk split: (chain, rule, what).
    unevaluable: RefCell<BTreeSet<(usize, usize, String)>>,
    /// Unevaluable matches of rules without a verdict (LOG...), which cannot change the answer.
    harmless: RefCell<BTreeSet<(usize, usize, String)>>,
}

enum Step {
    Go,
    Done(End),
}

impl Walker<'_> {
    fn run(&self) -> Answer {
        let mut ends = Vec::new();
        let mut work = vec![State {
            base: 0,
            chain: self.bases[0].chain,
            rule: 0,
            item: 0,
            entry: 0,
            stack: Vec::new(),
            resume: Resume {
                trail_at: 0,
                pending: None,
            },
            accepted_rule: None,
            accepted_policy: None,
            device_checked: false,
        }];
        let mut steps = 0usize;
        let started = std::time::Instant::now();
        while let Some(mut st) = work.pop() {
            self.resume(&mut st);
            loop {
                steps += 1;
                let out_of_time = steps % 4096 == 0 && started.elapsed() > TIME_BUDGET;
                if out_of_time {
                    // Counted as spent: the loops below stop as for the step budget.
                    steps = STEP_BUDGET + 1;
                }
                if steps > STEP_BUDGET {
                    let what = if out_of_time {
                        format!("more than {} s of evaluation", TIME_BUDGET.as_secs())
                    } else {
                        format!("more than {STEP_BUDGET} evaluation steps")
                    };
                    ends.push(End {
                        decision: Decision::Unknown(format!(
                            "{what}: too many rules depend on the peer's address or interface to follow every combination"
                        )),
                        by: self.policy_origin(&st),
                    });
                    break;
                }
                match self.step(&mut st, &mut work, &mut ends) {
                    Step::Go => {}
                    Step::Done(end) => {
                        ends.push(end);
                        break;
                    }
                }
            }
            if steps > STEP_BUDGET {
                break;
            }
        }
        // Any state left unexplored after the budget ran out makes the answer undetermined.
        if !work.is_empty() {
            ends.push(End {
                decision: Decision::Unknown("evaluation stopped early".into()),
                by: self.policy_origin(&work[0]),
            });
        }
        self.combine(ends)
    }

    fn origin(&self, chain: usize, rule: Option<usize>) -> Origin {
        let c = &self.rs.chains[chain];
        Origin {
            firewall: self.rs.firewall.clone(),
            manager: self.rs.manager.clone(),
            table: c.table.clone(),
            chain: c.name.clone(),
            rule: rule.map(|r| r + 1),
            text: match rule {
                Some(r) => c.rules[r].text.clone(),
                None => String::new(),
            },
        }
    }

    fn policy_origin(&self, st: &State) -> Origin {
        let b = self.bases[st.base.min(self.bases.len() - 1)];
        let mut o = self.origin(b.chain, None);
        o.text = match b.policy {
            Policy::Accept => "ACCEPT".into(),
            Policy::Drop => "DROP".into(),
        };
        o
    }

    fn step(&self, st: &mut State, work: &mut Vec<State>, ends: &mut Vec<End>) -> Step {
        if !st.device_checked {
            st.device_checked = true;
            if let Some(step) = self.check_device(st, work, ends) {
                return step;
            }
        }
        let chain = &self.rs.chains[st.chain];
        if st.rule >= chain.rules.len() {
            return self.end_of_chain(st);
        }
        let rule: &Rule = &chain.rules[st.rule];
        let Some(item) = rule.items.get(st.item) else {
            // A rule without a verdict only counts.
            self.next_rule(st);
            return Step::Go;
        };
        match item {
            Item::Cond(_) if self.later_cond_fails(st, rule) => {
                // Do not split the walk on a rule that cannot match anyway.
                self.next_rule(st);
                Step::Go
            }
            // A rule that only logs or counts changes nothing: no need to split on it.
            Item::Cond(_) if !has_verdict(rule) => {
                self.note_harmless(st, rule);
                self.next_rule(st);
                Step::Go
            }
            Item::Cond(c) => {
                if self.decide(st, c, work) {
                    st.item += 1;
                } else {
                    self.next_rule(st);
                }
                Step::Go
            }
            Item::Act(a) => self.act(st, a),
            Item::Vmap(entries) => self.vmap(st, entries, work),
        }
    }

    /// A netdev base chain sees only its device's packets: the walk forks on whether the
    /// connection arrives on it. `Some` when this path moved on to the next base chain.
    fn check_device(
        &self,
        st: &mut State,
        work: &mut Vec<State>,
        ends: &mut Vec<End>,
    ) -> Option<Step> {
        let base = self.bases[st.base];
        let dev = base.device.as_ref()?;
        let key = self.intern(&format!("arrives on {dev}"));
        match self.lookup(key) {
            Some(true) => {}
            Some(false) => return Some(self.next_base(st)),
            None => {
                self.conditions
                    .borrow_mut()
                    .insert((Kind::Interface, base.chain, None));
                let mut other = self.fork(st, key, false);
                match self.next_base(&mut other) {
                    // The other branch ended at once (no later base chain).
                    Step::Done(end) => ends.push(end),
                    Step::Go => work.push(other),
                }
                self.assume(key, true);
            }
        }
        None
    }

    /// Past a chain's last rule: back to the calling chain, or the base chain's policy.
    fn end_of_chain(&self, st: &mut State) -> Step {
        match st.stack.pop() {
            Some((c, r)) => {
                st.chain = c;
                st.rule = r;
                st.item = 0;
                st.entry = 0;
                Step::Go
            }
            None => self.apply_policy(st),
        }
    }

    /// A rule without a verdict is passed over, but a match in it that cannot be evaluated
    /// is still quoted: never passed over silently.
    fn note_harmless(&self, st: &State, rule: &Rule) {
        for it in &rule.items {
            if let Item::Cond(Cond::Depends {
                kind: Kind::Unevaluable,
                key,
                ..
            }) = it
            {
                self.harmless
                    .borrow_mut()
                    .insert((st.chain, st.rule, key.clone()));
            }
        }
    }

    /// A verdict map: the first entry whose condition holds acts; none, and the rule does
    /// not match.
    fn vmap(&self, st: &mut State, entries: &[(Cond, Action)], work: &mut Vec<State>) -> Step {
        while st.entry < entries.len() {
            let (c, a) = &entries[st.entry];
            if self.decide(st, c, work) {
                st.entry = 0;
                return self.act(st, a);
            }
            st.entry += 1;
        }
        self.next_rule(st);
        Step::Go
    }

    /// Whether `c` holds on this path; an open question forks the walk (the other branch goes
    /// on the work list) and is answered "holds" here.
    fn decide(&self, st: &mut State, c: &Cond, work: &mut Vec<State>) -> bool {
        match self.tri(c) {
            Tri::True => true,
            Tri::False => false,
            Tri::Open { kind, key, neg } => {
                let k = self.intern(&key);
                if let Some(v) = self.lookup(k) {
                    return v != neg;
                }
                if kind == Kind::Unevaluable {
                    self.unevaluable
                        .borrow_mut()
                        .insert((st.chain, st.rule, key.clone()));
                }
                self.conditions
                    .borrow_mut()
                    .insert((kind, st.chain, Some(st.rule)));
                let mut other = self.fork(st, k, neg);
                // In the other branch the condition does not hold.
                match self.rs.chains[other.chain].rules[other.rule]
                    .items
                    .get(other.item)
                {
                    Some(Item::Vmap(_)) => other.entry += 1,
                    _ => self.next_rule(&mut other),
                }
                work.push(other);
                self.assume(k, !neg);
                true
            }
        }
    }

    /// Whether a condition of the rule's current run of conditions is already known false;
    /// checked before an open condition splits the walk.
    fn later_cond_fails(&self, st: &State, rule: &Rule) -> bool {
        rule.items[st.item..]
            .iter()
            .map_while(|it| match it {
                Item::Cond(c) => Some(c),
                _ => None,
            })
            .any(|c| match self.tri(c) {
                Tri::False => true,
                Tri::True => false,
                Tri::Open { key, neg, .. } => {
                    let known = self.keys.borrow().get(&key).copied();
                    known.and_then(|k| self.lookup(k)) == Some(neg)
                }
            })
    }

    fn combine(&self, ends: Vec<End>) -> Answer {
        let mut accepted_by = BTreeSet::new();
        let mut blocked_by = BTreeSet::new();
        let mut unknowns = BTreeSet::new();
        let (mut acc, mut blk, mut unk) = (false, false, false);
        for e in ends {
            match e.decision {
                Decision::Accepted => {
                    acc = true;
                    accepted_by.insert(e.by);
                }
                Decision::Blocked => {
                    blk = true;
                    blocked_by.insert(e.by);
                }
                Decision::Unknown(what) => {
                    unk = true;
                    unknowns.insert(what);
                }
            }
        }
        let unevaluable = self.unevaluable.borrow();
        for (c, r, what) in unevaluable.iter().chain(self.harmless.borrow().iter()) {
            unknowns.insert(format!(
                "{} (cannot evaluate: {what})",
                self.origin(*c, Some(*r))
            ));
        }
        let verdict = if unk || (acc && blk && !unevaluable.is_empty()) {
            Verdict::Undetermined
        } else if acc && blk {
            Verdict::Conditional
        } else if acc {
            Verdict::Accepted
        } else {
            Verdict::Blocked
        };
        // Conditions only matter when the outcome differs between branches.
        let conditions = if matches!(verdict, Verdict::Conditional | Verdict::Undetermined) {
            self.conditions
                .borrow()
                .iter()
                .map(|(kind, c, r)| Condition {
                    kind: kind.clone(),
                    origin: self.origin(*c, *r),
                })
                .collect()
        } else {
            Vec::new()
        };
        Answer {
            verdict,
            accepted_by: accepted_by.into_iter().collect(),
            blocked_by: blocked_by.into_iter().collect(),
            conditions,
            unknowns: unknowns.into_iter().collect(),
            no_rules: false,
        }
    }

    fn intern(&self, key: &str) -> u32 {
        let mut keys = self.keys.borrow_mut();
        if let Some(&k) = keys.get(key) {
            return k;
        }
        let n = keys.len() as u32;
        keys.insert(key.to_string(), n);
        self.values.borrow_mut().push(None);
        n
    }

    /// The value assumed for `key` on the path being walked, if any.
    fn lookup(&self, key: u32) -> Option<bool> {
        self.values.borrow().get(key as usize).copied().flatten()
    }

    /// Assumes `key` is `value` on the path being walked.
    fn assume(&self, key: u32, value: bool) {
        self.values.borrow_mut()[key as usize] = Some(value);
        self.trail.borrow_mut().push(key);
    }

    /// A copy of the path being walked that, when resumed, assumes `key` is `value` instead.
    /// Call before the walked path assumes anything more.
    fn fork(&self, st: &State, key: u32, value: bool) -> State {
        let mut other = st.clone();
        other.resume = Resume {
            trail_at: self.trail.borrow().len(),
            pending: Some((key, value)),
        };
        other
    }

    /// Makes `st` the path being walked: the assumptions made after its fork are undone and
    /// its own is made.
    fn resume(&self, st: &mut State) {
        let Resume { trail_at, pending } = st.resume;
        {
            let mut trail = self.trail.borrow_mut();
            let mut values = self.values.borrow_mut();
            while trail.len() > trail_at {
                if let Some(k) = trail.pop() {
                    values[k as usize] = None;
                }
            }
        }
        if let Some((k, v)) = pending {
            self.assume(k, v);
        }
        st.resume.pending = None;
    }

    fn next_rule(&self, st: &mut State) {
        st.rule += 1;
        st.item = 0;
        st.entry = 0;
    }

    fn act(&self, st: &mut State, a: &Action) -> Step {
        let here = self.origin(st.chain, Some(st.rule));
        match a {
            Action::Continue => {
                st.item += 1;
                st.entry = 0;
                Step::Go
            }
            Action::Accept => {
                st.accepted_rule = Some((st.chain, st.rule));
                self.next_base(st)
            }
            Action::Drop | Action::Reject => Step::Done(End {
                decision: Decision::Blocked,
                by: here,
            }),
            Action::Return => {
                if let Some((c, r)) = st.stack.pop() {
                    st.chain = c;
                    st.rule = r;
                    st.item = 0;
                    st.entry = 0;
                    Step::Go
                } else {
                    self.apply_policy(st)
                }
            }
            Action::Jump(name) | Action::Goto(name) => {
                let table = &self.rs.chains[st.chain].table;
                let Some(target) = self.rs.find(table, name) else {
                    return Step::Done(End {
                        decision: Decision::Unknown(format!(
                            "{here}: jumps to chain {name}, which does not exist"
                        )),
                        by: here,
                    });
                };
                if st.stack.len() >= MAX_DEPTH {
                    return Step::Done(End {
                        decision: Decision::Unknown(format!(
                            "{here}: more than {MAX_DEPTH} nested jumps (a loop?)"
                        )),
                        by: here,
                    });
                }
                if matches!(a, Action::Jump(_)) {
                    st.stack.push((st.chain, st.rule + 1));
                }
                st.chain = target;
                st.rule = 0;
                st.item = 0;
                st.entry = 0;
                Step::Go
            }
            Action::Unknown(what) => Step::Done(End {
                decision: Decision::Unknown(format!("{here}: {what}")),
                by: here,
            }),
        }
    }

    fn apply_policy(&self, st: &mut State) -> Step {
        let origin = self.policy_origin(st);
        match self.bases[st.base].policy {
            Policy::Accept => {
                // A policy accept is only named when no explicit rule accepted.
                st.accepted_policy = Some(st.base);
                self.next_base(st)
            }
            Policy::Drop => Step::Done(End {
                decision: Decision::Blocked,
                by: origin,
            }),
        }
    }

    fn next_base(&self, st: &mut State) -> Step {
        st.base += 1;
        if st.base >= self.bases.len() {
            let by = match (st.accepted_rule, st.accepted_policy) {
                (Some((c, r)), _) => self.origin(c, Some(r)),
                (None, Some(b)) => {
                    let mut last = st.clone();
                    last.base = b;
                    self.policy_origin(&last)
                }
                (None, None) => self.policy_origin(st),
            };
            return Step::Done(End {
                decision: Decision::Accepted,
                by,
            });
        }
        st.chain = self.bases[st.base].chain;
        st.rule = 0;
        st.item = 0;
        st.entry = 0;
        st.stack.clear();
        st.device_checked = false;
        Step::Go
    }

    fn tri(&self, c: &Cond) -> Tri {
        let flip = |neg: bool, v: bool| if v != neg { Tri::True } else { Tri::False };
        let port = self.port;
        let in_ports = |ports: &[(u16, u16)]| ports.iter().any(|(a, b)| *a <= port && port <= *b);
        match c {
            Cond::Always => Tri::True,
            Cond::Never(_) => Tri::False,
            Cond::Family(f) => flip(false, *f == self.family),
            Cond::OnFamily(f, inner) if *f == self.family => self.tri(inner),
            Cond::OnFamily(..) => Tri::False,
            Cond::Proto { neg, protos } => flip(*neg, protos.contains(&6)),
            Cond::InIface { neg, name } => {
                let prefix = name.strip_suffix(['+', '*']);
                match prefix {
                    Some("") => flip(*neg, true),
                    None if name == "lo" => flip(*neg, false),
                    _ => Tri::Open {
                        kind: Kind::Interface,
                        key: format!("arrives on {name}"),
                        neg: *neg,
                    },
                }
            }
            Cond::DPort { neg, ports } => flip(*neg, in_ports(ports)),
            Cond::EitherPort { neg, ports } => {
                if in_ports(ports) {
                    flip(*neg, true)
                } else {
                    Tri::Open {
                        kind: Kind::SourcePort,
                        key: format!("source port in {}", super::show_ports(ports)),
                        neg: *neg,
                    }
                }
            }
            Cond::CtState { neg, states } => flip(*neg, states.iter().any(|s| s == "new")),
            Cond::TcpFlags { neg, mask, comp } => flip(*neg, (0x02 & mask) == *comp),
            Cond::DstType { neg, types } => flip(*neg, types.iter().any(|t| t == "LOCAL")),
            Cond::SrcType { neg, types } => flip(*neg, types.iter().any(|t| t == "UNICAST")),
            Cond::RpFilter { invert } => flip(*invert, true),
            Cond::Depends { kind, key, neg } => Tri::Open {
                kind: kind.clone(),
                key: key.clone(),
                neg: *neg,
            },
            // The outbound meaning is lowered away by `egress` before a walk.
            Cond::Path(p) => self.tri(&p.inbound),
        }
    }
}

/// Whether a rule can end, divert or redirect the walk (anything but LOG, counters, marks).
fn has_verdict(rule: &Rule) -> bool {
    rule.items.iter().any(|i| match i {
        Item::Act(Action::Continue) | Item::Cond(_) => false,
        Item::Act(_) | Item::Vmap(_) => true,
    })
}
