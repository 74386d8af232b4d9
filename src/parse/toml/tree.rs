//! The document being built and TOML's rules on which table may be defined or extended where.

/// A value with the 1-based line it was written on (for error messages after deserializing).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub node: Node,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `of_tables`: made by `[[name]]` headers (may be appended to), not an inline `[...]`.
    Array {
        items: Vec<Item>,
        of_tables: bool,
    },
    Table(Table),
}

/// How a table came to be: this decides whether a later header or dotted key may add to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Only named on the way to another header (`[a.b]` makes `a`): a header may still define it.
    Implicit,
    /// Defined by its own `[header]` (or an element of an array of tables).
    Header,
    /// Made by a dotted key (`a.b = 1` makes `a`): more dotted keys may add to it.
    Dotted,
    /// An inline table `{ ... }`: closed once written.
    Inline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// In the order written (the JSON given to serde keeps it, so line numbers follow the text).
    pub entries: Vec<(String, Item)>,
    pub origin: Origin,
}

impl Table {
    pub fn new(origin: Origin) -> Table {
        Table {
            entries: Vec::new(),
            origin,
        }
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// Sets `key`; an existing key is an error (TOML defines every key once).
    pub fn insert(&mut self, key: &str, item: Item) -> Result<(), String> {
        if self.index(key).is_some() {
            return Err(format!("key `{key}` is defined twice"));
        }
        self.entries.push((key.to_string(), item));
        Ok(())
    }

    /// The table a dotted key's leading part names, made when absent. Only tables made by
    /// dotted keys in the same table may be extended this way.
    pub fn dotted_child(&mut self, key: &str, line: usize) -> Result<&mut Table, String> {
        let i = match self.index(key) {
            Some(i) => i,
            None => self.push_table(key, Origin::Dotted, line),
        };
        match &mut self.entries[i].1.node {
            Node::Table(t) if t.origin == Origin::Dotted => Ok(t),
            Node::Table(_) => Err(format!(
                "table `{key}` is already defined and closed to dotted keys"
            )),
            _ => Err(format!("key `{key}` is already a value, not a table")),
        }
    }

    /// The table a header's leading part names: made implicitly when absent, the last element
    /// of an array of tables, never a value or an inline table.
    pub fn header_step(&mut self, key: &str, line: usize) -> Result<&mut Table, String> {
        let i = match self.index(key) {
            Some(i) => i,
            None => self.push_table(key, Origin::Implicit, line),
        };
        match &mut self.entries[i].1.node {
            Node::Table(t) if t.origin != Origin::Inline => Ok(t),
            Node::Array {
                items,
                of_tables: true,
            } => match items.last_mut().map(|i| &mut i.node) {
                Some(Node::Table(t)) => Ok(t),
                _ => Err(format!("`{key}` is not a table")),
            },
            _ => Err(format!("`{key}` is already a value, not a table")),
        }
    }

    /// The table `[key]` defines: new, or one only named implicitly before.
    pub fn header_table(&mut self, key: &str, line: usize) -> Result<&mut Table, String> {
        let i = match self.index(key) {
            Some(i) => i,
            None => self.push_table(key, Origin::Implicit, line),
        };
        match &mut self.entries[i].1.node {
            Node::Table(t) if t.origin == Origin::Implicit => {
                t.origin = Origin::Header;
                Ok(t)
            }
            _ => Err(format!("table `{key}` is defined twice")),
        }
    }

    /// A new element of the array of tables `[[key]]`.
    pub fn array_table(&mut self, key: &str, line: usize) -> Result<&mut Table, String> {
        let i = match self.index(key) {
            Some(i) => i,
            None => {
                let node = Node::Array {
                    items: Vec::new(),
                    of_tables: true,
                };
                self.entries.push((key.to_string(), Item { node, line }));
                self.entries.len() - 1
            }
        };
        match &mut self.entries[i].1.node {
            Node::Array {
                items,
                of_tables: true,
            } => {
                let node = Node::Table(Table::new(Origin::Header));
                items.push(Item { node, line });
                match &mut items.last_mut().expect("just pushed").node {
                    Node::Table(t) => Ok(t),
                    _ => unreachable!(),
                }
            }
            _ => Err(format!(
                "`{key}` is already defined, not as an array of tables"
            )),
        }
    }

    fn push_table(&mut self, key: &str, origin: Origin, line: usize) -> usize {
        let node = Node::Table(Table::new(origin));
        self.entries.push((key.to_string(), Item { node, line }));
        self.entries.len() - 1
    }

    /// Closes every table below this inline table (`a = { b.c = 1 }` cannot grow later).
    pub fn close(&mut self) {
        self.origin = Origin::Inline;
        for (_, item) in &mut self.entries {
            if let Node::Table(t) = &mut item.node {
                t.close();
            }
        }
    }
}
