//! The document being built: what the parsed files amount to so far, with the lookups that
//! commands such as `add element` and a repeated `chain` need.

use std::cell::Cell;
use std::collections::HashMap;

use serde_json::{Value, json};

use super::lexer::T;

/// What the parsed files amount to, as nftables JSON objects.
pub(super) struct Doc {
    pub(super) objects: Vec<Value>,
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
type ObjKey = (String, String, String);

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
    pub(super) fn catch_up(&mut self, objects: &[Value]) {
        let key = |o: &Value| {
            let f = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            (f("family"), f("table"), f("name"))
        };
        for (i, o) in objects.iter().enumerate().skip(self.indexed) {
            if let Some(c) = o.get("chain") {
                self.chains.entry(key(c)).or_insert(i);
            }
            for kind in ["set", "map"] {
                if let Some(s) = o.get(kind) {
                    self.sets.entry(key(s)).or_insert(i);
                }
            }
        }
        self.indexed = objects.len();
    }
}

pub(super) fn belongs(o: &Value, fam: &str, table: &str, chain: Option<&str>) -> bool {
    let inner = o
        .as_object()
        .and_then(|m| m.values().next())
        .cloned()
        .unwrap_or(Value::Null);
    let f = inner.get("family").and_then(Value::as_str) == Some(fam);
    let t = inner.get("table").and_then(Value::as_str) == Some(table)
        || (o.get("table").is_some() && inner.get("name").and_then(Value::as_str) == Some(table));
    let c = match chain {
        Some(c) => inner.get("chain").and_then(Value::as_str) == Some(c),
        None => true,
    };
    f && t && c
}

pub(super) fn upsert_chain(doc: &mut Doc, obj: Value) {
    let f = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let k = (f("family"), f("table"), f("name"));
    doc.index.catch_up(&doc.objects);
    if let Some(&i) = doc.index.chains.get(&k) {
        if let (Some(dst), Some(src)) = (
            doc.objects[i]
                .get_mut("chain")
                .and_then(Value::as_object_mut),
            obj.as_object(),
        ) {
            for (kk, vv) in src {
                dst.insert(kk.clone(), vv.clone());
            }
        }
        return;
    }
    doc.objects.push(json!({ "chain": obj }));
}

pub(super) fn add_elements(doc: &mut Doc, fam: &str, table: &str, set: &str, elems: Vec<Value>) {
    doc.index.catch_up(&doc.objects);
    let k = (fam.to_string(), table.to_string(), set.to_string());
    if let Some(&i) = doc.index.sets.get(&k) {
        let o = &mut doc.objects[i];
        let s = if o.get("set").is_some() {
            o.get_mut("set")
        } else {
            o.get_mut("map")
        };
        if let Some(s) = s {
            if let Some(arr) = s.get_mut("elem").and_then(Value::as_array_mut) {
                arr.extend(elems);
            } else if let Some(m) = s.as_object_mut() {
                m.insert("elem".into(), Value::Array(elems));
            }
            return;
        }
    }
    doc.objects
        .push(json!({"set": {"family": fam, "table": table, "name": set, "elem": elems}}));
}
