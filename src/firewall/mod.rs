//! The firewall as the kernel sees it, and the one question we ask of it: will a new inbound TCP
//! connection from another host to port P be accepted? Pure: text in, answers out, no I/O.
//!
//! Every front end ([`iptables`] dumps, nftables [`nft_json`] and [`nft_text`], the persistent
//! formats of [`firewalld`], [`susefirewall2`] and [`ufw`]) produces the same [`Ruleset`]: base
//! chains hooked at PREROUTING or INPUT with a priority and a policy, user chains, and rules made
//! of conditions and actions. [`eval`] walks it like netfilter does, with the facts of the packet
//! that are not known (its source, the interface it arrives on) left open, so that the answer can
//! be "accepted", "blocked", "it depends on this rule" or "this match cannot be evaluated".

pub mod addr;
pub mod egress;
pub mod eval;
pub mod firewalld;
pub mod iptables;
pub mod nft_json;
pub mod nft_text;
pub mod path;
pub mod susefirewall2;
pub mod ufw;

use std::collections::HashMap;
use std::fmt;

/// The IP version of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// Where a base chain sits: on the way of an inbound packet (PREROUTING, INPUT) or of one this
/// machine sends (OUTPUT, POSTROUTING; see [`egress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hook {
    Prerouting,
    Input,
    Output,
    Postrouting,
}

impl Hook {
    /// Whether packets arriving for this machine pass the hook.
    pub fn is_inbound(self) -> bool {
        matches!(self, Hook::Prerouting | Hook::Input)
    }
}

/// What a base chain does with a packet no rule decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Accept,
    Drop,
}

/// What is left open about the packet: a rule that depends on it makes the answer partial.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The peer's address (`-s`, `ip saddr`, ipsets, MAC addresses).
    Source,
    /// Which local address was connected to (`-d`, `ip daddr`).
    Destination,
    /// The interface the connection arrives on (`-i eth0`).
    Interface,
    /// The peer's source port.
    SourcePort,
    /// Rate limits and connection history (`limit`, `recent`, `connlimit`).
    History,
    /// A match this tool cannot evaluate: the answer is never "accepted" because of it.
    Unevaluable,
    /// Outbound: the remote address connected to, when the endpoint's addresses are not known
    /// or only some of them match.
    Remote,
    /// Outbound: the interface the packet leaves by (`-o eth0`, `oifname`).
    OutInterface,
    /// Outbound: the local address the packet is sent from (`-s` in OUTPUT).
    LocalAddress,
    /// Outbound: the local (ephemeral) port a new connection is made from.
    LocalPort,
}

impl Kind {
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Source => "the peer's address",
            Kind::Destination => "the local address connected to",
            Kind::Interface => "the interface the connection arrives on",
            Kind::SourcePort => "the peer's source port",
            Kind::History => "rate limits or the peer's recent connections",
            Kind::Unevaluable => "a match this tool cannot evaluate",
            Kind::Remote => "the remote address connected to",
            Kind::OutInterface => "the interface the packet leaves by",
            Kind::LocalAddress => "the local address the packet is sent from",
            Kind::LocalPort => "the local port the connection is made from",
        }
    }
}

/// One port range, inclusive.
pub type PortRange = (u16, u16);

/// A condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cond {
    /// True for every packet (`-m comment`, a bare `-m tcp`).
    Always,
    /// False for a new TCP connection from another host, with the reason.
    Never(String),
    /// The packet's IP version (nftables `meta nfproto ipv4`).
    Family(Family),
    /// False for the other IP version, else the inner condition (`ip saddr` in an inet table).
    OnFamily(Family, Box<Cond>),
    /// Layer-4 protocol numbers; TCP is 6.
    Proto {
        neg: bool,
        protos: Vec<u8>,
    },
    /// `-i NAME` (a trailing `+` or `*` is a prefix wildcard).
    InIface {
        neg: bool,
        name: String,
    },
    DPort {
        neg: bool,
        ports: Vec<PortRange>,
    },
    /// multiport `--ports`: the source or the destination port.
    EitherPort {
        neg: bool,
        ports: Vec<PortRange>,
    },
    /// Connection-tracking states in lower case (`new`, `established`, `untracked`...).
    CtState {
        neg: bool,
        states: Vec<String>,
    },
    /// TCP flags: `(flags & mask) == comp` (bits FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32).
    TcpFlags {
        neg: bool,
        mask: u8,
        comp: u8,
    },
    /// addrtype of the destination (`LOCAL`, `UNICAST`...) in upper case.
    DstType {
        neg: bool,
        types: Vec<String>,
    },
    /// addrtype of the source.
    SrcType {
        neg: bool,
        types: Vec<String>,
    },
    /// Reverse-path filter: a peer routed back through the interface it came in on passes.
    RpFilter {
        invert: bool,
    },
    /// Depends on something left open; `key` identifies the fact so that two rules testing the
    /// same fact are answered consistently; `neg` says the rule matches when the fact is false.
    Depends {
        kind: Kind,
        key: String,
        neg: bool,
    },
    /// A match whose meaning depends on the direction of the packet (addresses, the output
    /// interface, the source port): its inbound meaning plus what the outbound questions need.
    Path(Box<path::PathCond>),
}

/// What a matching rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Accept,
    Drop,
    Reject,
    Return,
    Jump(String),
    Goto(String),
    /// LOG, counters, marks: evaluation goes on with the next statement.
    Continue,
    /// A verdict this tool cannot follow (queues to user space, redirections), quoted.
    Unknown(String),
}

/// One element of a rule, evaluated left to right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Cond(Cond),
    Act(Action),
    /// A verdict map: the first entry whose condition holds gives the verdict; no entry, no match.
    Vmap(Vec<(Cond, Action)>),
}

/// A rule with the text to quote and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub items: Vec<Item>,
    pub text: String,
}

impl Rule {
    /// Conditions, then one action: a rule a compiler of a persistent format writes.
    pub fn of(conds: Vec<Cond>, action: Action, text: &str) -> Rule {
        let mut items: Vec<Item> = conds.into_iter().map(Item::Cond).collect();
        items.push(Item::Act(action));
        Rule {
            items,
            text: text.to_string(),
        }
    }

    /// An accepting rule that depends on what cannot be evaluated, `key` saying what.
    pub fn unevaluable(key: String, text: String) -> Rule {
        Rule {
            items: vec![
                Item::Cond(Cond::depends(Kind::Unevaluable, key)),
                Item::Act(Action::Accept),
            ],
            text,
        }
    }
}

/// A chain; base chains are listed separately in [`Ruleset::bases`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The table (with its family for nftables: `inet filter`).
    pub table: String,
    pub name: String,
    pub rules: Vec<Rule>,
}

/// An entry point: a chain the kernel calls at a hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub chain: usize,
    pub hook: Hook,
    pub priority: i32,
    pub families: Vec<Family>,
    pub policy: Policy,
    /// netdev chains see only the packets of one device.
    pub device: Option<String>,
}

/// The front end a rule set comes from: which tool a fix must use to change it, and how the
/// change is made to last. The report's wording is [`Ruleset::firewall`]; checks match on this.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Manager {
    Firewalld,
    Ufw,
    SuseFirewall2,
    /// nftables: the running rule set (`file: None`) or the file nftables.service loads.
    Nftables {
        file: Option<String>,
    },
    /// iptables or ip6tables rules: a dump of the running tables (`service: None`) or the file
    /// a service loads at boot.
    Iptables {
        v6: bool,
        service: Option<IptablesService>,
    },
    /// Rules built by hand (tests).
    #[default]
    Unknown,
}

/// The service that loads an iptables file at boot, and so saves a change to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IptablesService {
    /// Red Hat's iptables/ip6tables service, from /etc/sysconfig (`service iptables save`).
    Sysconfig,
    /// Debian's netfilter-persistent (iptables-persistent), from /etc/iptables/rules.v4/v6.
    NetfilterPersistent,
}

/// A whole rule set from one source, with the name of the firewall it belongs to.
#[derive(Debug, Clone, Default)]
pub struct Ruleset {
    /// Which firewall this is, for "decided by": `iptables (nf_tables)`, `firewalld`...
    pub firewall: String,
    /// The same, typed: what a fix is written for.
    pub manager: Manager,
    pub chains: Vec<Chain>,
    pub bases: Vec<Base>,
    /// What the front end could not read, quoted; such a rule set never answers "accepted"
    /// without saying so.
    pub notes: Vec<String>,
    /// (table, chain name) -> index in `chains`, kept by [`Ruleset::chain_mut`] and
    /// [`Ruleset::absorb`]: a rule set of 20,000 chains was searched linearly at every jump.
    index: HashMap<(String, String), usize>,
    /// How many of `chains`, from the front, the index covers.
    indexed: usize,
}

/// Equal when the rules are: the lookup index is not part of what a rule set says.
impl PartialEq for Ruleset {
    fn eq(&self, other: &Ruleset) -> bool {
        self.firewall == other.firewall
            && self.manager == other.manager
            && self.chains == other.chains
            && self.bases == other.bases
            && self.notes == other.notes
    }
}

impl Eq for Ruleset {}

impl Ruleset {
    pub fn new(firewall: impl Into<String>) -> Ruleset {
        Ruleset {
            firewall: firewall.into(),
            ..Ruleset::default()
        }
    }

    /// The rule set, marked as loaded by `manager`.
    pub fn managed_by(mut self, manager: Manager) -> Ruleset {
        self.manager = manager;
        self
    }

    /// The index of a chain of `table` named `name` (the first of that name).
    pub fn find(&self, table: &str, name: &str) -> Option<usize> {
        if self.indexed == self.chains.len() {
            // Every chain is indexed (a chain pushed by hand is found by the search below).
            return self
                .index
                .get(&(table.to_string(), name.to_string()))
                .copied();
        }
        self.chains
            .iter()
            .position(|c| c.table == table && c.name == name)
    }

    /// The index of the chain, created empty if needed.
    pub fn chain_mut(&mut self, table: &str, name: &str) -> usize {
        self.sync_index();
        match self.find(table, name) {
            Some(i) => i,
            None => {
                self.chains.push(Chain {
                    table: table.to_string(),
                    name: name.to_string(),
                    rules: Vec::new(),
                });
                self.sync_index();
                self.chains.len() - 1
            }
        }
    }

    /// Indexes the chains not indexed yet; a duplicate name keeps the first chain, as a search
    /// from the front finds it.
    fn sync_index(&mut self) {
        for (i, c) in self.chains.iter().enumerate().skip(self.indexed) {
            self.index
                .entry((c.table.clone(), c.name.clone()))
                .or_insert(i);
        }
        self.indexed = self.chains.len();
    }

    /// Hooks the chain `name` of `table` (created empty if needed) at `hook` for every packet
    /// of `families`: the base chains the compilers of persistent formats build.
    pub fn hook_chain(
        &mut self,
        table: &str,
        name: &str,
        hook: Hook,
        priority: i32,
        families: Vec<Family>,
        policy: Policy,
    ) -> usize {
        let chain = self.chain_mut(table, name);
        self.bases.push(Base {
            chain,
            hook,
            priority,
            families,
            policy,
            device: None,
        });
        chain
    }

    /// Whether anything at all would act on an inbound packet.
    pub fn is_empty(&self) -> bool {
        self.bases
            .iter()
            .filter(|b| b.hook.is_inbound())
            .all(|b| b.policy == Policy::Accept && self.chains[b.chain].rules.is_empty())
    }

    /// Appends the chains and base chains of another rule set (several sources at once).
    pub fn absorb(&mut self, other: Ruleset) {
        let offset = self.chains.len();
        self.chains.extend(other.chains);
        self.sync_index();
        self.bases.extend(other.bases.into_iter().map(|mut b| {
            b.chain += offset;
            b
        }));
        self.notes.extend(other.notes);
    }
}

/// A place in a rule set that decided or mattered, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub firewall: String,
    /// The front end of the rule set the place is in.
    pub manager: Manager,
    pub table: String,
    pub chain: String,
    /// 1-based rule number; `None` for the chain's policy.
    pub rule: Option<usize>,
    pub text: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rule {
            Some(n) => write!(
                f,
                "{}: {} {} rule {}: `{}`",
                self.firewall, self.table, self.chain, n, self.text
            ),
            None => write!(
                f,
                "{}: {} {} policy {}",
                self.firewall, self.table, self.chain, self.text
            ),
        }
    }
}

impl Cond {
    /// The protocol is TCP.
    pub fn tcp() -> Cond {
        Cond::Proto {
            neg: false,
            protos: vec![6],
        }
    }

    /// The packet arrives on interface `name`.
    pub fn in_iface(name: &str) -> Cond {
        Cond::InIface {
            neg: false,
            name: name.to_string(),
        }
    }

    /// The packet belongs to a connection already seen (a reply) or related to one.
    pub fn established() -> Cond {
        Cond::CtState {
            neg: false,
            states: vec!["established".into(), "related".into()],
        }
    }

    /// Depends on the open fact `key` of kind `kind`, matching when it holds.
    pub fn depends(kind: Kind, key: impl Into<String>) -> Cond {
        Cond::Depends {
            kind,
            key: key.into(),
            neg: false,
        }
    }

    /// The fact key of a `Depends` condition; empty for any other.
    pub fn depends_key(&self) -> String {
        match self {
            Cond::Depends { key, .. } => key.clone(),
            _ => String::new(),
        }
    }

    /// TCP to one of `ports`: what an "allow this port" entry of a configuration means.
    pub fn tcp_to(ports: Vec<PortRange>) -> Vec<Cond> {
        vec![Cond::tcp(), Cond::DPort { neg: false, ports }]
    }
}

/// The standard hook priorities of the iptables tables (include/uapi/linux/netfilter_ipv4.h).
pub fn iptables_priority(table: &str, hook: Hook) -> Option<i32> {
    Some(match (table, hook) {
        ("raw", Hook::Prerouting) => -300,
        ("mangle", Hook::Prerouting) => -150,
        ("nat", Hook::Prerouting) => -100,
        ("mangle", Hook::Input) => -150,
        ("filter", Hook::Input) => 0,
        ("security", Hook::Input) => 50,
        ("nat", Hook::Input) => 100,
        ("raw", Hook::Output) => -300,
        ("mangle", Hook::Output) => -150,
        ("nat", Hook::Output) => -100,
        ("filter", Hook::Output) => 0,
        ("security", Hook::Output) => 50,
        ("mangle", Hook::Postrouting) => -150,
        ("nat", Hook::Postrouting) => 100,
        _ => return None,
    })
}

/// Port ranges as `22`, `1000-2000`, joined by commas.
pub fn show_ports(ports: &[PortRange]) -> String {
    ports
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Protocol names as iptables and nftables spell them.
pub fn proto_number(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "icmpv6" | "ipv6-icmp" | "icmp6" => 58,
        "sctp" => 132,
        "udplite" => 136,
        "dccp" => 33,
        "esp" => 50,
        "ah" => 51,
        "gre" => 47,
        "igmp" => 2,
        "ipip" | "ipencap" => 4,
        "ipv6" => 41,
        "ospf" => 89,
        "vrrp" => 112,
        "pim" => 103,
        n => return n.parse().ok(),
    })
}
