//! [`GraphBuilder`]: builds a [`Graph`] with CPython's process-wide object identities.

use std::collections::HashMap;

use crate::graph::{CodeFields, Graph, Node, NodeId, Value};
use crate::pyint::PyInt;
use crate::pystr::PyStr;

const SMALL_INT_MIN: i64 = -5;
const SMALL_INT_MAX: i64 = 256;

/// Builds a [`Graph`], handing out the *same node* wherever CPython uses one object for the
/// whole process:
///
/// * `None`, `True`, `False`, `...`, `StopIteration` (never flagged, identity irrelevant);
/// * immortal singletons (flagged wherever they appear): small ints `-5..=256`, `()`,
///   `b''`, `''` and one-character Latin-1 strings (the last two are also interned, as
///   in CPython: `marshal.dumps(chr(0xe9))` starts with `t`|FLAG_REF) and one-byte
///   `bytes` made by [`GraphBuilder::bytes`] (not by [`GraphBuilder::bytes_buffer`]);
/// * interned strings, deduplicated by value (the interpreter's interning dict).
///
/// Every other constructor call makes a new object. To share an object (as the compiler's
/// constant cache does) reuse its `NodeId`.
#[derive(Debug, Clone, Default)]
pub struct GraphBuilder {
    graph: Graph,
    none: Option<NodeId>,
    true_: Option<NodeId>,
    false_: Option<NodeId>,
    ellipsis: Option<NodeId>,
    stop_iteration: Option<NodeId>,
    small_ints: HashMap<i64, NodeId>,
    empty_tuple: Option<NodeId>,
    empty_bytes: Option<NodeId>,
    byte_chars: HashMap<u8, NodeId>,
    /// Interned strings by value, the immortal `''` and Latin-1 characters included.
    interned: HashMap<PyStr, NodeId>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues building on an existing graph (e.g. one from [`crate::read`]): its
    /// immortal nodes with singleton values become the singletons, and its interned
    /// strings the interning table (the first node wins for duplicate values).
    pub fn from_graph(graph: Graph) -> Self {
        let mut b = Self {
            graph,
            ..Self::default()
        };
        let mut entries = Vec::new();
        for (id, node) in b.graph.iter() {
            entries.push((id, node.value.clone(), node.immortal));
        }
        for (id, value, immortal) in entries {
            match value {
                Value::None => {
                    b.none.get_or_insert(id);
                }
                Value::True => {
                    b.true_.get_or_insert(id);
                }
                Value::False => {
                    b.false_.get_or_insert(id);
                }
                Value::Ellipsis => {
                    b.ellipsis.get_or_insert(id);
                }
                Value::StopIteration => {
                    b.stop_iteration.get_or_insert(id);
                }
                Value::Int(i) if immortal && i.is_small_int() => {
                    if let Some(v) = i.as_i64() {
                        b.small_ints.entry(v).or_insert(id);
                    }
                }
                Value::Tuple(t) if immortal && t.is_empty() => {
                    b.empty_tuple.get_or_insert(id);
                }
                Value::Bytes(v) if immortal && v.is_empty() => {
                    b.empty_bytes.get_or_insert(id);
                }
                Value::Bytes(v) if immortal && v.len() == 1 => {
                    b.byte_chars.entry(v[0]).or_insert(id);
                }
                Value::Str {
                    value,
                    interned: true,
                } => {
                    b.interned.entry(value).or_insert(id);
                }
                _ => {}
            }
        }
        b
    }

    /// The graph so far.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The graph, mutably. Changing a singleton's or interned string's value breaks the
    /// builder's tables; setting `extra_refs` is the intended use.
    pub fn graph_mut(&mut self) -> &mut Graph {
        &mut self.graph
    }

    /// The finished graph.
    pub fn finish(self) -> Graph {
        self.graph
    }

    fn singleton(slot: &mut Option<NodeId>, graph: &mut Graph, value: Value) -> NodeId {
        *slot.get_or_insert_with(|| graph.add(value))
    }

    fn immortal(graph: &mut Graph, value: Value) -> NodeId {
        graph.push(Node {
            immortal: true,
            ..Node::new(value)
        })
    }

    /// `None`.
    pub fn none(&mut self) -> NodeId {
        Self::singleton(&mut self.none, &mut self.graph, Value::None)
    }

    /// `True` or `False`.
    pub fn bool(&mut self, v: bool) -> NodeId {
        if v {
            Self::singleton(&mut self.true_, &mut self.graph, Value::True)
        } else {
            Self::singleton(&mut self.false_, &mut self.graph, Value::False)
        }
    }

    /// `...`.
    pub fn ellipsis(&mut self) -> NodeId {
        Self::singleton(&mut self.ellipsis, &mut self.graph, Value::Ellipsis)
    }

    /// `StopIteration`.
    pub fn stop_iteration(&mut self) -> NodeId {
        Self::singleton(
            &mut self.stop_iteration,
            &mut self.graph,
            Value::StopIteration,
        )
    }

    /// An int: the immortal singleton for `-5..=256`, a new object otherwise.
    pub fn int(&mut self, v: impl Into<PyInt>) -> NodeId {
        let v: PyInt = v.into();
        match v.as_i64() {
            Some(small @ SMALL_INT_MIN..=SMALL_INT_MAX) => {
                if let Some(&id) = self.small_ints.get(&small) {
                    return id;
                }
                let id = Self::immortal(&mut self.graph, Value::Int(v));
                self.small_ints.insert(small, id);
                id
            }
            _ => self.graph.add(Value::Int(v)),
        }
    }

    /// A new float object.
    pub fn float(&mut self, v: f64) -> NodeId {
        self.graph.add(Value::float(v))
    }

    /// A new float object from IEEE-754 bits.
    pub fn float_bits(&mut self, bits: u64) -> NodeId {
        self.graph.add(Value::Float(bits))
    }

    /// A new complex object.
    pub fn complex(&mut self, re: f64, im: f64) -> NodeId {
        self.graph.add(Value::complex(re, im))
    }

    /// A str that is not explicitly interned: the immortal interned singleton for `''` and
    /// one-character Latin-1 strings, a new non-interned object otherwise.
    pub fn str(&mut self, s: impl Into<PyStr>) -> NodeId {
        let s: PyStr = s.into();
        if s.is_singleton_value() {
            return self.interned(s);
        }
        self.graph.add(Value::Str {
            value: s,
            interned: false,
        })
    }

    /// A new, non-interned str object even for a value that has an immortal singleton
    /// (e.g. what `str.replace` returns for `'%%'.replace('%%', '%')`).
    pub fn fresh_str(&mut self, s: impl Into<PyStr>) -> NodeId {
        self.graph.add(Value::Str {
            value: s.into(),
            interned: false,
        })
    }

    /// The interned str with this value (`PyUnicode_InternFromString`): one node per value.
    pub fn interned(&mut self, s: impl Into<PyStr>) -> NodeId {
        let s: PyStr = s.into();
        if let Some(&id) = self.interned.get(&s) {
            return id;
        }
        let immortal = s.is_singleton_value();
        let id = self.graph.push(Node {
            immortal,
            ..Node::new(Value::Str {
                value: s.clone(),
                interned: true,
            })
        });
        self.interned.insert(s, id);
        id
    }

    /// `PyUnicode_InternInPlace` on the str node `id`: if an interned string with the same
    /// value exists, that node is returned (the caller replaces its reference, as CPython
    /// does); otherwise `id` itself becomes interned and is returned. Non-str nodes are
    /// returned unchanged.
    pub fn intern(&mut self, id: NodeId) -> NodeId {
        let Some(Node {
            value: Value::Str { value, interned },
            ..
        }) = self.graph.get(id)
        else {
            return id;
        };
        if let Some(&existing) = self.interned.get(value) {
            return existing;
        }
        if *interned {
            // Interned but unknown to the table (e.g. added through graph_mut): register.
            let key = value.clone();
            self.interned.insert(key, id);
            return id;
        }
        let key = value.clone();
        if let Value::Str { interned, .. } = &mut self.graph[id].value {
            *interned = true;
        }
        self.interned.insert(key, id);
        id
    }

    /// A bytes object as `PyBytes_FromStringAndSize(s, n)` makes it, which is how
    /// `bytes` constants are made: the immortal singleton for `b''` and for every one-byte
    /// value, a new object otherwise. Verified on the corpus: all 1,249 one-byte `bytes`
    /// constants are FLAG_REF'd, most with a single reference.
    pub fn bytes(&mut self, b: impl Into<Vec<u8>>) -> NodeId {
        let b: Vec<u8> = b.into();
        match b.as_slice() {
            [] => self.empty_bytes(),
            [c] => self.bytes_char(*c),
            _ => self.graph.add(Value::Bytes(b)),
        }
    }

    /// A bytes object built in a buffer (`PyBytes_FromStringAndSize(NULL, n)` then filled):
    /// `b''` is still the singleton, but one-byte values are new objects. This is how
    /// `co_localspluskinds` is made (the corpus has 24,905 one-byte kinds, none flagged),
    /// and the right constructor for `co_code`, `co_linetable` and `co_exceptiontable`.
    pub fn bytes_buffer(&mut self, b: impl Into<Vec<u8>>) -> NodeId {
        let b: Vec<u8> = b.into();
        if b.is_empty() {
            return self.empty_bytes();
        }
        self.graph.add(Value::Bytes(b))
    }

    /// The immortal `b''`.
    pub fn empty_bytes(&mut self) -> NodeId {
        if let Some(id) = self.empty_bytes {
            return id;
        }
        let id = Self::immortal(&mut self.graph, Value::Bytes(Vec::new()));
        self.empty_bytes = Some(id);
        id
    }

    /// The immortal one-byte `bytes` singleton (`bytes([b])`).
    pub fn bytes_char(&mut self, b: u8) -> NodeId {
        if let Some(&id) = self.byte_chars.get(&b) {
            return id;
        }
        let id = Self::immortal(&mut self.graph, Value::Bytes(vec![b]));
        self.byte_chars.insert(b, id);
        id
    }

    /// A tuple: the immortal `()` when empty, a new object otherwise.
    pub fn tuple(&mut self, items: Vec<NodeId>) -> NodeId {
        if items.is_empty() {
            if let Some(id) = self.empty_tuple {
                return id;
            }
            let id = Self::immortal(&mut self.graph, Value::Tuple(items));
            self.empty_tuple = Some(id);
            return id;
        }
        self.graph.add(Value::Tuple(items))
    }

    /// A new list.
    pub fn list(&mut self, items: Vec<NodeId>) -> NodeId {
        self.graph.add(Value::List(items))
    }

    /// A new dict.
    pub fn dict(&mut self, pairs: Vec<(NodeId, NodeId)>) -> NodeId {
        self.graph.add(Value::Dict(pairs))
    }

    /// A new set.
    pub fn set(&mut self, items: Vec<NodeId>) -> NodeId {
        self.graph.add(Value::Set(items))
    }

    /// A new frozenset (CPython 3.14 has no empty-frozenset singleton: verified, an empty
    /// frozenset with one reference is written without FLAG_REF).
    pub fn frozenset(&mut self, items: Vec<NodeId>) -> NodeId {
        self.graph.add(Value::FrozenSet(items))
    }

    /// A new slice.
    pub fn slice(&mut self, start: NodeId, stop: NodeId, step: NodeId) -> NodeId {
        self.graph.add(Value::Slice { start, stop, step })
    }

    /// A new code object.
    pub fn code(&mut self, fields: CodeFields) -> NodeId {
        self.graph.add(Value::Code(Box::new(fields)))
    }

    /// Routes a value through the matching constructor above (singletons and interned
    /// strings are shared, everything else is new).
    pub fn value(&mut self, value: Value) -> NodeId {
        match value {
            Value::None => self.none(),
            Value::True => self.bool(true),
            Value::False => self.bool(false),
            Value::Ellipsis => self.ellipsis(),
            Value::StopIteration => self.stop_iteration(),
            Value::Int(i) => self.int(i),
            Value::Str {
                value,
                interned: true,
            } => self.interned(value),
            Value::Str {
                value,
                interned: false,
            } => self.str(value),
            Value::Bytes(b) => self.bytes(b),
            Value::Tuple(t) => self.tuple(t),
            other => self.graph.add(other),
        }
    }

    /// Always a new, mortal node, bypassing the singleton tables.
    pub fn fresh(&mut self, value: Value) -> NodeId {
        self.graph.add(value)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn singletons_are_shared() {
        let mut b = GraphBuilder::new();
        assert_eq!(b.int(5i64), b.int(5i64));
        assert_ne!(b.int(257i64), b.int(257i64));
        assert_eq!(b.str("a"), b.interned("a"));
        assert_eq!(b.str("é"), b.str("é"));
        assert_ne!(b.str("ab"), b.str("ab"));
        assert_eq!(b.interned("ab"), b.interned("ab"));
        assert_eq!(b.tuple(vec![]), b.tuple(vec![]));
        assert_eq!(b.bytes(vec![]), b.bytes(vec![]));
        assert_eq!(b.bytes(vec![1]), b.bytes_char(1));
        assert_ne!(b.bytes_buffer(vec![1]), b.bytes_buffer(vec![1]));
        assert_eq!(b.bytes_buffer(vec![]), b.bytes(vec![]));
        assert_ne!(b.bytes(vec![1, 2]), b.bytes(vec![1, 2]));
        let s = b.str("abc");
        let t = b.str("abc");
        assert_eq!(b.intern(s), s);
        assert_eq!(b.intern(t), s);
        assert!(b.graph().value(s).is_interned_str());
        assert!(!b.graph().value(t).is_interned_str());
        let g = b.finish();
        let mut b2 = GraphBuilder::from_graph(g);
        assert_eq!(b2.interned("abc"), s);
    }
}
