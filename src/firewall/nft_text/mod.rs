//! The nftables text format that `nft -f` loads at boot (`/etc/nftables.conf`,
//! `/etc/sysconfig/nftables.conf` and what they include). The common subset is translated into
//! the JSON of libnftables-json(5) and lowered by [`super::nft_json`], so both formats share one
//! meaning; each rule is lowered as soon as it is read (see [`doc`]). Tables in block form and
//! `add`/`insert` commands, `define` variables, `include` (resolved by the caller), sets and maps
//! are understood; a rule expression outside the subset is kept as an unevaluable condition
//! quoting it, with the rule's verdict still applied.

use std::cell::Cell;

use super::nft_json::{Sets, add_chain, rule_items};
use super::{Rule, Ruleset};

mod doc;
mod includes;
mod lexer;
mod lower;
mod parser;
#[cfg(test)]
mod tests;

use doc::{Doc, Obj, ObjIndex, RuleBody, RuleObj};
pub use includes::{Includer, MAX_INCLUDED_FILES};

/// A file `nft -f` would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: line {line}: {message}")]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The most chains, rules, sets and maps one document may hold (20,000 chains of one rule each
/// are 40,000; a rule set of 100,000 rules fits).
pub const MAX_OBJECTS: usize = 150_000;

/// The most tokens `$name` substitution may produce in one document (real files produce a
/// few thousand).
const EXPANSION_BUDGET: usize = 1 << 20;

/// Parses a file and what it includes into a rule set named `firewall`.
pub fn parse(
    name: &str,
    text: &str,
    firewall: &str,
    include: Includer<'_>,
) -> Result<Ruleset, ParseError> {
    let mut doc = Doc {
        objects: Vec::new(),
        defines: Vec::new(),
        expansion_left: Cell::new(EXPANSION_BUDGET),
        expansion_overflow: Cell::new(false),
        includes_left: MAX_INCLUDED_FILES,
        index: ObjIndex::default(),
    };
    parser::parse_file(&mut doc, name, text, include, 0)?;
    if doc.expansion_overflow.get() {
        return Err(ParseError {
            file: name.to_string(),
            line: 0,
            message: format!("variable definitions expand to more than {EXPANSION_BUDGET} tokens"),
        });
    }
    Ok(build(doc.objects, firewall))
}

/// The rule set of the document's objects, in the three passes of
/// [`super::nft_json::from_value`]: sets (rules may name sets listed after them), chains, rules.
/// Each object is dropped once it is in the rule set.
fn build(objects: Vec<Obj>, firewall: &str) -> Ruleset {
    let mut rs = Ruleset::new(firewall);
    let mut sets = Sets::new();
    let mut rest = Vec::with_capacity(objects.len());
    for o in objects {
        match o {
            Obj::Set {
                key: (fam, table, name),
                elems,
            } => {
                sets.insert((format!("{fam} {table}"), name), elems);
            }
            Obj::Note(n) => rs.notes.push(n),
            Obj::Chain(c) => add_chain(&mut rs, &c.to_json(), &|_, _| false),
            Obj::Rule(r) => rest.push(r),
        }
    }
    for RuleObj {
        key: (fam, table, chain),
        text,
        body,
    } in rest
    {
        let tname = format!("{fam} {table}");
        let items = match body {
            RuleBody::Items(items) => items,
            RuleBody::Exprs(exprs) => rule_items(&exprs, &tname, &sets),
        };
        let idx = rs.chain_mut(&tname, &chain);
        rs.chains[idx].rules.push(Rule { items, text });
    }
    rs
}
