//! The document being built: what the parsed files amount to so far, with the lookups that
//! commands such as `add element` and a repeated `chain` need. A rule is lowered to the rule
//! model as soon as it is read unless it names a set (whose elements may still grow), so the
//! document does not keep a JSON tree per rule.

use std::cell::Cell;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::super::Item;
use super::lexer::T;

/// One object of the document, in the order `nft -f` would create it.
pub(super) enum Obj {
    Chain(ChainObj),
    Rule(RuleObj),
    /// A named set or map with its elements as libnftables-json(5) values (both share one
    /// namespace).
    Set {
        key: ObjKey,
        elems: Vec<Value>,
    },
    /// A command that is not followed, quoted.
    Note(String),
}

/// A chain declaration: its (family, table, name) and the properties its body set.
pub(super) struct ChainObj {
    pub(super) key: ObjKey,
    /// `type`, `hook`, `dev`, `prio`, `policy` as libnftables-json(5) values; a later
    /// declaration of the same chain replaces the ones it sets.
    pub(super) props: Vec<(&'static str, Value)>,
}

impl ChainObj {
    pub(super) fn new(fam: &str, table: &str, name: &str) -> ChainObj {
        ChainObj {
            key: (fam.to_string(), table.to_string(), name.to_string()),
            props: Vec::new(),
        }
    }

    pub(super) fn set(&mut self, prop: &'static str, value: Value) {
        match self.props.iter_mut().find(|(k, _)| *k == prop) {
            Some((_, v)) => *v = value,
            None => self.props.push((prop, value)),
        }
    }

    /// The chain as the JSON object `nft -j` lists.
    pub(super) fn to_json(&self) -> Value {
        let mut m = Map::new();
        let (fam, table, name) = &self.key;
        m.insert("family".into(), Value::String(fam.clone()));
        m.insert("table".into(), Value::String(table.clone()));
        m.insert("name".into(), Value::String(name.clone()));
        for (k, v) in &self.props {
            m.insert((*k).to_string(), v.clone());
        }
        Value::Object(m)
    }
}

/// A rule of chain `key` (family, table, chain), with its text as written.
pub(super) struct RuleObj {
    pub(super) key: ObjKey,
    pub(super) text: String,
    pub(super) body: RuleBody,
}

pub(super) enum RuleBody {
    /// Already lowered: the rule names no set.
    Items(Vec<Item>),
    /// The JSON statements of a rule that names a set, lowered once every set is complete.
    Exprs(Vec<Value>),
}

/// What the parsed files amount to.
pub(super) struct Doc {
    pub(super) objects: Vec<Obj>,
    /// Variables with their values already expanded (nft substitutes `$name` in a define's
    /// value when the define is read, so a value never refers to itself).
    pub(super) defines: Vec<(String, Vec<T>)>,
    /// Tokens that variable substitution may still produce in this document: definitions that
    /// double each other would otherwise grow without bound.
    pub(super) expansion_left: Cell<usize>,
    /// Set when substitution ran out of its budget; the parse then fails.
    pub(super) expansion_overflow: Cell<bool>,
    /// Files that `include` may still bring in.
    pub(super) includes_left: usize,
    /// Where chain and set objects sit in `objects`: a file of 20,000 chains was searched
    /// once per chain.
    pub(super) index: ObjIndex,
}

/// (family, table, name) of an object.
pub(super) type ObjKey = (String, String, String);

/// Positions of chain and set/map objects, covering `objects[..indexed]`. Appending needs no
/// care (the rest is indexed on the next lookup); anything that moves objects (clear, retain,
/// insert) calls [`ObjIndex::invalidate`].
#[derive(Default)]
pub(super) struct ObjIndex {
    pub(super) chains: HashMap<ObjKey, usize>,
    pub(super) sets: HashMap<ObjKey, usize>,
    pub(super) indexed: usize,
}

impl ObjIndex {
    pub(super) fn invalidate(&mut self) {
        *self = ObjIndex::default();
    }

    /// Indexes what was appended since the last lookup; the first object of a key wins, as a
    /// search from the front would find it.
    pub(super) fn catch_up(&mut self, objects: &[Obj]) {
        for (i, o) in objects.iter().enumerate().skip(self.indexed) {
            match o {
                Obj::Chain(c) => {
                    self.chains.entry(c.key.clone()).or_insert(i);
                }
                Obj::Set { key, .. } => {
                    self.sets.entry(key.clone()).or_insert(i);
                }
                Obj::Rule(_) | Obj::Note(_) => {}
            }
        }
        self.indexed = objects.len();
    }
}

/// Whether `o` is in table `table` of family `fam` (a rule: in `chain`, when given).
pub(super) fn belongs(o: &Obj, fam: &str, table: &str, chain: Option<&str>) -> bool {
    let in_table = |k: &ObjKey| k.0 == fam && k.1 == table;
    match (o, chain) {
        (Obj::Rule(r), Some(c)) => in_table(&r.key) && r.key.2 == c,
        (_, Some(_)) => false,
        (Obj::Chain(ChainObj { key, .. }) | Obj::Set { key, .. }, None) => in_table(key),
        (Obj::Rule(r), None) => in_table(&r.key),
        (Obj::Note(_), None) => false,
    }
}

/// Adds a chain declaration, or merges it into the first one of the same name.
pub(super) fn upsert_chain(doc: &mut Doc, obj: ChainObj) {
    doc.index.catch_up(&doc.objects);
    if let Some(&i) = doc.index.chains.get(&obj.key) {
        if let Obj::Chain(dst) = &mut doc.objects[i] {
            for (k, v) in obj.props {
                dst.set(k, v);
            }
        }
        return;
    }
    doc.objects.push(Obj::Chain(obj));
}

/// `add element`: extends the first set or map of that name, or makes a set of them.
pub(super) fn add_elements(doc: &mut Doc, fam: &str, table: &str, set: &str, elems: Vec<Value>) {
    doc.index.catch_up(&doc.objects);
    let k = (fam.to_string(), table.to_string(), set.to_string());
    if let Some(&i) = doc.index.sets.get(&k) {
        if let Obj::Set { elems: have, .. } = &mut doc.objects[i] {
            have.extend(elems);
            return;
        }
    }
    doc.objects.push(Obj::Set { key: k, elems });
}
