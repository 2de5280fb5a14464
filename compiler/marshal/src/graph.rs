//! The object model: an arena of [`Node`]s addressed by [`NodeId`].
//!
//! A node is one Python *object*. Two places that hold the same object hold the same
//! `NodeId`; two equal values held by different objects are two nodes. That identity is what
//! decides FLAG_REF and TYPE_REF in the marshal stream (see the crate documentation for the
//! exact rule, implemented by [`Graph::refcounts`] and [`Graph::will_flag`]).

use std::collections::HashMap;
use std::fmt;

use crate::pyint::PyInt;
use crate::pystr::PyStr;
use crate::write::CanonicalDumps;

/// Index of a node in a [`Graph`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of arena slot `index`.
    ///
    /// # Panics
    /// When `index` does not fit in `u32` (graphs are limited to 2**32 nodes).
    pub fn from_index(index: usize) -> Self {
        match u32::try_from(index) {
            Ok(i) => Self(i),
            Err(_) => panic!("graph too large: node index {index} does not fit in u32"),
        }
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The marshalled fields of a 3.14 code object, in marshal order (marshal.c
/// `w_complex_object`, `PyCode_Check` branch). Raw ints are written with `w_long` (32 bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodeFields {
    /// `co_argcount`.
    pub argcount: i32,
    /// `co_posonlyargcount`.
    pub posonlyargcount: i32,
    /// `co_kwonlyargcount`.
    pub kwonlyargcount: i32,
    /// `co_stacksize`.
    pub stacksize: i32,
    /// `co_flags`.
    pub flags: i32,
    /// `co_code` (bytes). The edge counts twice: see [`Graph::refcounts`].
    pub code: NodeId,
    /// `co_consts` (tuple).
    pub consts: NodeId,
    /// `co_names` (tuple of str).
    pub names: NodeId,
    /// `co_localsplusnames` (tuple of str).
    pub localsplusnames: NodeId,
    /// `co_localspluskinds` (bytes, one kind byte per local).
    pub localspluskinds: NodeId,
    /// `co_filename` (str).
    pub filename: NodeId,
    /// `co_name` (str).
    pub name: NodeId,
    /// `co_qualname` (str).
    pub qualname: NodeId,
    /// `co_firstlineno`.
    pub firstlineno: i32,
    /// `co_linetable` (bytes).
    pub linetable: NodeId,
    /// `co_exceptiontable` (bytes).
    pub exceptiontable: NodeId,
}

impl CodeFields {
    /// The object fields in marshal order.
    pub fn object_fields(&self) -> [NodeId; 10] {
        [
            self.code,
            self.consts,
            self.names,
            self.localsplusnames,
            self.localspluskinds,
            self.filename,
            self.name,
            self.qualname,
            self.linetable,
            self.exceptiontable,
        ]
    }

    /// Names of [`CodeFields::object_fields`], for messages.
    pub const OBJECT_FIELD_NAMES: [&'static str; 10] = [
        "co_code",
        "co_consts",
        "co_names",
        "co_localsplusnames",
        "co_localspluskinds",
        "co_filename",
        "co_name",
        "co_qualname",
        "co_linetable",
        "co_exceptiontable",
    ];

    fn same_scalars(&self, o: &CodeFields) -> bool {
        (
            self.argcount,
            self.posonlyargcount,
            self.kwonlyargcount,
            self.stacksize,
            self.flags,
            self.firstlineno,
        ) == (
            o.argcount,
            o.posonlyargcount,
            o.kwonlyargcount,
            o.stacksize,
            o.flags,
            o.firstlineno,
        )
    }
}

/// The value of one object. Containers refer to their items by [`NodeId`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// `None` (`N`).
    None,
    /// `True` (`T`).
    True,
    /// `False` (`F`).
    False,
    /// `...` (`.`).
    Ellipsis,
    /// The `StopIteration` class (`S`).
    StopIteration,
    /// `int` (`i` or `l`).
    Int(PyInt),
    /// `float`, as IEEE-754 bits (`g`); bits keep `-0.0` and NaN payloads apart.
    Float(u64),
    /// `complex`, as the bits of the real and imaginary parts (`y`).
    Complex {
        /// Real part bits.
        re: u64,
        /// Imaginary part bits.
        im: u64,
    },
    /// `str` (`z`/`Z`, `a`/`A`, `u`/`t`).
    Str {
        /// The characters.
        value: PyStr,
        /// `PyUnicode_CHECK_INTERNED`: selects the interned type codes and forces FLAG_REF.
        interned: bool,
    },
    /// `bytes` (`s`).
    Bytes(Vec<u8>),
    /// `tuple` (`)` or `(`).
    Tuple(Vec<NodeId>),
    /// `list` (`[`).
    List(Vec<NodeId>),
    /// `dict` (`{`), in insertion order. Keys are not deduplicated.
    Dict(Vec<(NodeId, NodeId)>),
    /// `set` (`<`). The stored order is irrelevant: the writer sorts.
    Set(Vec<NodeId>),
    /// `frozenset` (`>`). The stored order is irrelevant: the writer sorts.
    FrozenSet(Vec<NodeId>),
    /// `slice` (`:`, marshal version 5).
    Slice {
        /// `start`.
        start: NodeId,
        /// `stop`.
        stop: NodeId,
        /// `step`.
        step: NodeId,
    },
    /// A code object (`c`).
    Code(Box<CodeFields>),
}

impl Value {
    /// A float value.
    pub fn float(v: f64) -> Self {
        Value::Float(v.to_bits())
    }

    /// A complex value.
    pub fn complex(re: f64, im: f64) -> Self {
        Value::Complex {
            re: re.to_bits(),
            im: im.to_bits(),
        }
    }

    /// An int value.
    pub fn int(v: impl Into<PyInt>) -> Self {
        Value::Int(v.into())
    }

    /// A non-interned str value.
    pub fn str(v: impl Into<PyStr>) -> Self {
        Value::Str {
            value: v.into(),
            interned: false,
        }
    }

    /// An interned str value.
    pub fn interned(v: impl Into<PyStr>) -> Self {
        Value::Str {
            value: v.into(),
            interned: true,
        }
    }

    /// The Python type name, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::True | Value::False => "bool",
            Value::Ellipsis => "ellipsis",
            Value::StopIteration => "type",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Complex { .. } => "complex",
            Value::Str { .. } => "str",
            Value::Bytes(_) => "bytes",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::FrozenSet(_) => "frozenset",
            Value::Slice { .. } => "slice",
            Value::Code(_) => "code",
        }
    }

    /// `None`, `True`, `False`, `...` and `StopIteration`: written as one byte, never
    /// FLAG_REF'd and never the target of a TYPE_REF (marshal.c `w_object`).
    pub fn is_single_byte(&self) -> bool {
        matches!(
            self,
            Value::None | Value::True | Value::False | Value::Ellipsis | Value::StopIteration
        )
    }

    /// Whether this value is an interned `str`.
    pub fn is_interned_str(&self) -> bool {
        matches!(self, Value::Str { interned: true, .. })
    }

    /// Values CPython keeps as immortal process-wide singletons (checked with
    /// `sys._is_immortal` on the oracle): small ints `-5..=256`, `()`, `b''`, `''`,
    /// one-character Latin-1 strings, and (some) one-byte `bytes`. An object with such a
    /// value is *usually* the singleton; whether a node is one is recorded in
    /// [`Node::immortal`].
    pub fn is_singleton_value(&self) -> bool {
        match self {
            Value::Int(i) => i.is_small_int(),
            Value::Str { value, .. } => value.is_singleton_value(),
            Value::Tuple(items) => items.is_empty(),
            Value::Bytes(b) => b.len() <= 1,
            _ => false,
        }
    }

    /// The node ids this value refers to, in marshal write order (sets in stored order).
    pub fn children(&self) -> Children<'_> {
        let inner = match self {
            Value::Tuple(v) | Value::List(v) | Value::Set(v) | Value::FrozenSet(v) => {
                ChildrenInner::Slice(v.iter())
            }
            Value::Dict(pairs) => ChildrenInner::Pairs(pairs.iter(), None),
            Value::Slice { start, stop, step } => ChildrenInner::Fixed([*start, *stop, *step], 0),
            Value::Code(c) => ChildrenInner::Code(c.object_fields(), 0),
            _ => ChildrenInner::Empty,
        };
        Children(inner)
    }

    /// Like [`Value::children`], with the number of references each edge stands for in
    /// CPython: 2 for set/frozenset items and for `co_code`, 1 otherwise (see
    /// [`Graph::refcounts`]).
    pub(crate) fn edge_weight(&self, child_pos: usize) -> u32 {
        match self {
            Value::Set(_) | Value::FrozenSet(_) => 2,
            Value::Code(_) if child_pos == 0 => 2,
            _ => 1,
        }
    }
}

/// Iterator over a value's child ids.
#[derive(Debug, Clone)]
pub struct Children<'a>(ChildrenInner<'a>);

#[derive(Debug, Clone)]
enum ChildrenInner<'a> {
    Empty,
    Slice(std::slice::Iter<'a, NodeId>),
    Pairs(std::slice::Iter<'a, (NodeId, NodeId)>, Option<NodeId>),
    Fixed([NodeId; 3], usize),
    Code([NodeId; 10], usize),
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        match &mut self.0 {
            ChildrenInner::Empty => None,
            ChildrenInner::Slice(it) => it.next().copied(),
            ChildrenInner::Pairs(it, pending) => {
                if let Some(v) = pending.take() {
                    return Some(v);
                }
                let (k, v) = it.next()?;
                *pending = Some(*v);
                Some(*k)
            }
            ChildrenInner::Fixed(ids, pos) => {
                let id = ids.get(*pos).copied()?;
                *pos += 1;
                Some(id)
            }
            ChildrenInner::Code(ids, pos) => {
                let id = ids.get(*pos).copied()?;
                *pos += 1;
                Some(id)
            }
        }
    }
}

/// One object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// References held from outside the marshalled graph, e.g. 1 for the top-level code
    /// object that `py_compile`/importlib holds in a local while dumping it.
    pub extra_refs: u32,
    /// The object is immortal (a process-wide singleton): its refcount is never 1, so it is
    /// always FLAG_REF'd.
    pub immortal: bool,
    /// For nodes made by the reader: whether the object's (first) occurrence in the stream
    /// carried FLAG_REF. `None` for nodes made otherwise. The writer ignores it.
    pub read_flag: Option<bool>,
}

impl Node {
    /// A fresh, mortal node with no outside references.
    pub fn new(value: Value) -> Self {
        Self {
            value,
            extra_refs: 0,
            immortal: false,
            read_flag: None,
        }
    }
}

/// An arena of objects. Nodes are never removed; unreachable nodes are ignored by the
/// writer and do not count as references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    nodes: Vec<Node>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a fresh node (a new object) and returns its id.
    pub fn add(&mut self, value: Value) -> NodeId {
        self.push(Node::new(value))
    }

    /// Adds a node and returns its id.
    pub fn push(&mut self, node: Node) -> NodeId {
        let id = NodeId::from_index(self.nodes.len());
        self.nodes.push(node);
        id
    }

    /// Number of nodes (reachable or not).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the arena is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The node, if `id` belongs to this arena.
    pub fn get(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    /// The node, mutably.
    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.nodes.get_mut(id.index())
    }

    /// The value of a node.
    ///
    /// # Panics
    /// When `id` is not in this arena.
    pub fn value(&self, id: NodeId) -> &Value {
        &self[id].value
    }

    /// All nodes with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId::from_index(i), n))
    }

    /// Nodes reachable from `root` (root included), in first-visit pre-order, each once.
    /// Dangling ids are skipped.
    pub fn reachable(&self, root: NodeId) -> Vec<NodeId> {
        let mut seen = vec![false; self.nodes.len()];
        let mut order = Vec::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            let Some(node) = self.get(id) else { continue };
            if std::mem::replace(&mut seen[id.index()], true) {
                continue;
            }
            order.push(id);
            let kids: Vec<NodeId> = node.value.children().collect();
            stack.extend(kids.into_iter().rev());
        }
        order
    }

    /// The modelled CPython reference count of every node while `root` is being
    /// marshalled (0 for nodes not reachable from `root`):
    ///
    /// * 1 for the root itself (the argument of `marshal.dumps`);
    /// * one per edge from a reachable node (a tuple holding the same node twice counts 2);
    /// * edges from a set or frozenset to its items count 2: 3.14's `w_complex_object`
    ///   holds each item in its sort list (`pairs`) while writing it, and in
    ///   `_PySet_NextEntryRef`'s reference while computing its sort key;
    /// * the edge from a code object to `co_code` counts 2: `_PyCode_GetCode` returns the
    ///   bytes it also keeps in `co->_co_cached`;
    /// * plus [`Node::extra_refs`].
    ///
    /// Immortality is not folded in; see [`Graph::will_flag`].
    pub fn refcounts(&self, root: NodeId) -> Vec<u32> {
        let mut rc = vec![0u32; self.nodes.len()];
        let reach = self.reachable(root);
        if let Some(r) = rc.get_mut(root.index()) {
            *r = 1;
        }
        for &id in &reach {
            let value = &self[id].value;
            for (pos, child) in value.children().enumerate() {
                if let Some(c) = rc.get_mut(child.index()) {
                    *c = c.saturating_add(value.edge_weight(pos));
                }
            }
        }
        for &id in &reach {
            rc[id.index()] = rc[id.index()].saturating_add(self[id].extra_refs);
        }
        rc
    }

    /// Whether the writer sets FLAG_REF on `id`'s first occurrence, given the refcounts from
    /// [`Graph::refcounts`] (marshal.c `w_ref`): never for the single-byte singletons;
    /// otherwise iff the node is immortal, an interned str, or its refcount is above 1.
    pub fn will_flag(&self, id: NodeId, refcounts: &[u32]) -> bool {
        let Some(node) = self.get(id) else {
            return false;
        };
        if node.value.is_single_byte() {
            return false;
        }
        node.immortal
            || node.value.is_interned_str()
            || refcounts.get(id.index()).is_some_and(|&rc| rc > 1)
    }

    /// Compares the graph reachable from `a` in `self` with the one reachable from `b` in
    /// `other`: same values, same interning, and the same identity structure (a bijection
    /// between the nodes). Single-byte singletons are compared by value only; set and
    /// frozenset items are compared as unordered (paired up by their canonical bytes; items
    /// with equal canonical bytes are paired in stored order). `extra_refs`, `immortal` and
    /// `read_flag` are not compared. Returns a description of the first difference.
    pub fn same_shape(&self, a: NodeId, other: &Graph, b: NodeId) -> Result<(), String> {
        let mut fwd: HashMap<NodeId, NodeId> = HashMap::new();
        let mut back: HashMap<NodeId, NodeId> = HashMap::new();
        let mut stack = vec![(a, b, String::from("root"))];
        let (mut canon_x, mut canon_y) = (None, None);
        while let Some((x, y, path)) = stack.pop() {
            let nx = self
                .get(x)
                .ok_or_else(|| format!("{path}: dangling {x:?} on the left"))?;
            let ny = other
                .get(y)
                .ok_or_else(|| format!("{path}: dangling {y:?} on the right"))?;
            if nx.value.is_single_byte() || ny.value.is_single_byte() {
                if nx.value != ny.value {
                    return Err(format!("{path}: {:?} vs {:?}", nx.value, ny.value));
                }
                continue;
            }
            match (fwd.get(&x), back.get(&y)) {
                (Some(&fy), Some(&bx)) if fy == y && bx == x => continue,
                (None, None) => {
                    fwd.insert(x, y);
                    back.insert(y, x);
                }
                _ => return Err(format!("{path}: identity differs ({x:?} vs {y:?})")),
            }
            let (vx, vy) = (&nx.value, &ny.value);
            let shallow_equal = match (vx, vy) {
                (Value::Tuple(p), Value::Tuple(q))
                | (Value::List(p), Value::List(q))
                | (Value::Set(p), Value::Set(q))
                | (Value::FrozenSet(p), Value::FrozenSet(q)) => p.len() == q.len(),
                (Value::Dict(p), Value::Dict(q)) => p.len() == q.len(),
                (Value::Slice { .. }, Value::Slice { .. }) => true,
                (Value::Code(p), Value::Code(q)) => p.same_scalars(q),
                _ => vx == vy,
            };
            if !shallow_equal {
                return Err(format!("{path}: {vx:?} vs {vy:?}"));
            }
            let mut kids_x: Vec<NodeId> = vx.children().collect();
            let mut kids_y: Vec<NodeId> = vy.children().collect();
            if matches!(vx, Value::Set(_) | Value::FrozenSet(_)) && kids_x.len() > 1 {
                // Unordered: pair the items up by their canonical bytes.
                sort_by_canonical(
                    canon_x.get_or_insert_with(|| CanonicalDumps::new(self)),
                    &mut kids_x,
                );
                sort_by_canonical(
                    canon_y.get_or_insert_with(|| CanonicalDumps::new(other)),
                    &mut kids_y,
                );
            }
            for (i, (cx, cy)) in kids_x.into_iter().zip(kids_y).enumerate().rev() {
                let step = match vx {
                    Value::Code(_) => CodeFields::OBJECT_FIELD_NAMES[i].to_string(),
                    _ => format!("[{i}]"),
                };
                stack.push((cx, cy, format!("{path}.{step}")));
            }
        }
        Ok(())
    }

    /// Whether `hash(obj)` succeeds in CPython: lists, dicts and sets are unhashable, and so
    /// is a tuple, slice or code object holding one. A cycle counts as unhashable (CPython
    /// would overflow its recursion limit).
    pub fn is_hashable(&self, id: NodeId) -> bool {
        self.is_hashable_memo(id, &mut HashMap::new())
    }

    /// [`Graph::is_hashable`], with the nodes in `unhashable` counting as unhashable.
    pub fn is_hashable_excluding(
        &self,
        id: NodeId,
        unhashable: &std::collections::HashSet<NodeId>,
    ) -> bool {
        let mut memo: HashMap<NodeId, bool> = unhashable.iter().map(|&n| (n, false)).collect();
        self.is_hashable_memo(id, &mut memo)
    }

    /// [`Graph::is_hashable`] with a cache that the caller may keep while the graph's
    /// existing nodes do not change.
    pub fn is_hashable_memo(&self, id: NodeId, memo: &mut HashMap<NodeId, bool>) -> bool {
        let mut stack = vec![(id, false)];
        let mut open = std::collections::HashSet::new();
        while let Some((id, expanded)) = stack.pop() {
            let Some(node) = self.get(id) else {
                memo.insert(id, false);
                continue;
            };
            let kids: Vec<NodeId> = match &node.value {
                Value::Tuple(items) => items.clone(),
                Value::Slice { start, stop, step } => vec![*start, *stop, *step],
                Value::Code(c) => vec![c.consts],
                _ => Vec::new(),
            };
            if expanded {
                // Children not in the memo are ancestors: a cycle.
                let ok = kids.iter().all(|k| memo.get(k).copied().unwrap_or(false));
                memo.insert(id, ok);
                open.remove(&id);
                continue;
            }
            if memo.contains_key(&id) || open.contains(&id) {
                continue;
            }
            match &node.value {
                Value::List(_) | Value::Dict(_) | Value::Set(_) => {
                    memo.insert(id, false);
                }
                Value::Tuple(_) | Value::Slice { .. } | Value::Code(_) => {
                    open.insert(id);
                    stack.push((id, true));
                    stack.extend(kids.into_iter().rev().map(|k| (k, false)));
                }
                // Items of a frozenset were hashable when it was built.
                _ => {
                    memo.insert(id, true);
                }
            }
        }
        memo.get(&id).copied().unwrap_or(false)
    }
}

/// Sorts set items by their canonical marshal bytes (stable; unwritable items sort first).
fn sort_by_canonical(dumps: &mut CanonicalDumps<'_>, items: &mut [NodeId]) {
    let mut keyed: Vec<(Vec<u8>, NodeId)> = items
        .iter()
        .map(|&c| (dumps.dump(c, 64 << 20).unwrap_or_default(), c))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    for (slot, (_, c)) in items.iter_mut().zip(keyed) {
        *slot = c;
    }
}

impl std::ops::Index<NodeId> for Graph {
    type Output = Node;

    fn index(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
}

impl std::ops::IndexMut<NodeId> for Graph {
    fn index_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.index()]
    }
}
