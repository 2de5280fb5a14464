//! Arbitrary marshal-able values for the `marshal_roundtrip` target: fuzzer bytes → a
//! [`pyc_marshal::Graph`] of data objects (no code objects) with arbitrary sharing,
//! interning and external references, and the graph CPython's `marshal.loads` makes of
//! our bytes ([`as_loaded`]).
//!
//! Set items and dict keys are hashable and pairwise unequal *by Python's equality*
//! (`1 == 1.0 == True`, `0.0 == -0.0`, `complex(x, 0) == x`; a NaN equals only itself),
//! because `loads` would merge equal ones; and a set holds at most one NaN-containing
//! item, because two such items can have equal dumps and CPython would then order them
//! by hash (by address).

use std::collections::HashMap;

use arbitrary::{Arbitrary, Unstructured};
use pyc_marshal::{Graph, GraphBuilder, NodeId, PyInt, PyStr, Value};

/// A generated value: its graph, root and the marshal version to write.
#[derive(Debug, Clone)]
pub struct MarshalCase {
    /// The objects.
    pub graph: Graph,
    /// The root object.
    pub root: NodeId,
    /// Marshal version (0..=5; mostly 5).
    pub version: u32,
}

struct NodeInfo {
    id: NodeId,
    /// Python-equality key when hashable (`None`: unhashable).
    key: Option<String>,
}

struct MGen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    b: GraphBuilder,
    made: Vec<NodeInfo>,
    budget: usize,
}

/// Generates a value from fuzzer bytes (never fails).
pub fn generate_marshal_case(data: &[u8]) -> MarshalCase {
    let mut u = Unstructured::new(data);
    let version = match u8::arbitrary(&mut u).unwrap_or(0) % 16 {
        0 => 0,
        1 => 2,
        2 => 3,
        3 => 4,
        _ => 5,
    };
    let mut g = MGen {
        u: &mut u,
        b: GraphBuilder::new(),
        made: Vec::new(),
        budget: 200,
    };
    let root = g.value(0).id;
    MarshalCase {
        graph: g.b.finish(),
        root,
        version,
    }
}

impl MGen<'_, '_> {
    fn byte(&mut self) -> u8 {
        u8::arbitrary(self.u).unwrap_or(0)
    }

    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.u.choose_index(n).unwrap_or(0)
        }
    }

    fn chance(&mut self, n: u8) -> bool {
        self.byte() % 8 >= 8 - n.min(8) && !self.u.is_empty()
    }

    fn record(&mut self, id: NodeId, key: Option<String>) -> NodeInfo {
        if self.chance(2) {
            let extra = 1 + u32::from(self.byte() % 2);
            self.b.graph_mut()[id].extra_refs = extra;
        }
        self.made.push(NodeInfo {
            id,
            key: key.clone(),
        });
        NodeInfo { id, key }
    }

    /// A value: sometimes an object made earlier (sharing), else a new one.
    fn value(&mut self, depth: usize) -> NodeInfo {
        if !self.made.is_empty() && self.chance(2) {
            let k = self.pick(self.made.len());
            let m = &self.made[k];
            return NodeInfo {
                id: m.id,
                key: m.key.clone(),
            };
        }
        self.budget = self.budget.saturating_sub(1);
        let leaf = depth >= 5 || self.budget == 0 || self.u.is_empty();
        let n = if leaf { 8 } else { 14 };
        match self.pick(n) {
            0 => {
                let (id, key) = match self.pick(5) {
                    0 => (self.b.none(), "None".to_owned()),
                    1 => (self.b.bool(true), "n:1".to_owned()),
                    2 => (self.b.bool(false), "n:0".to_owned()),
                    3 => (self.b.ellipsis(), "...".to_owned()),
                    _ => (self.b.stop_iteration(), "StopIteration".to_owned()),
                };
                NodeInfo { id, key: Some(key) }
            }
            1 | 2 => {
                let v = self.int();
                let key = format!("n:{v}");
                let id = self.b.int(v);
                self.record(id, Some(key))
            }
            3 => {
                let f = self.float();
                let id = self.b.float(f);
                let key = float_key(f, id);
                self.record(id, Some(key))
            }
            4 => {
                let (re, im) = (self.float(), self.float());
                let id = self.b.complex(re, im);
                let key = if im == 0.0 {
                    float_key(re, id)
                } else if re.is_nan() || im.is_nan() {
                    format!("nan#{}", id.index())
                } else {
                    format!("c:{:x}:{:x}", norm(re).to_bits(), norm(im).to_bits())
                };
                self.record(id, Some(key))
            }
            5 | 6 => {
                let s = self.string();
                let key = format!("s:{s:?}");
                let id = if self.chance(3) {
                    self.b.interned(s)
                } else {
                    self.b.str(s)
                };
                self.record(id, Some(key))
            }
            7 => {
                let len = match self.pick(4) {
                    0 => 0,
                    1 => 1,
                    2 => usize::from(self.byte() % 8),
                    _ => usize::from(self.byte()) + 2,
                };
                let bytes: Vec<u8> = (0..len).map(|_| self.byte()).collect();
                let key = format!("b:{bytes:?}");
                let id = if self.chance(2) {
                    self.b.bytes_buffer(bytes)
                } else {
                    self.b.bytes(bytes)
                };
                self.record(id, Some(key))
            }
            8 | 9 => {
                let n = self.len();
                let items: Vec<NodeInfo> = (0..n).map(|_| self.value(depth + 1)).collect();
                let key = items
                    .iter()
                    .map(|i| i.key.clone())
                    .collect::<Option<Vec<_>>>()
                    .map(|ks| format!("t:({})", ks.join(",")));
                let id = self.b.tuple(items.iter().map(|i| i.id).collect());
                self.record(id, key)
            }
            10 => {
                let n = self.len();
                let items = (0..n).map(|_| self.value(depth + 1).id).collect();
                let id = self.b.list(items);
                self.record(id, None)
            }
            11 => {
                let keys = self.distinct_hashables(depth);
                let mut pairs = Vec::new();
                for k in keys {
                    let v = self.value(depth + 1).id;
                    pairs.push((k.id, v));
                }
                let id = self.b.dict(pairs);
                self.record(id, None)
            }
            12 => {
                let items = self.distinct_hashables(depth);
                let mut keys: Vec<String> = items.iter().filter_map(|i| i.key.clone()).collect();
                keys.sort();
                let ids = items.iter().map(|i| i.id).collect();
                if self.chance(4) {
                    let id = self.b.frozenset(ids);
                    self.record(id, Some(format!("fs:{{{}}}", keys.join(","))))
                } else {
                    let id = self.b.set(ids);
                    self.record(id, None)
                }
            }
            _ => {
                let parts: Vec<NodeInfo> = (0..3)
                    .map(|_| {
                        if self.chance(3) {
                            NodeInfo {
                                id: self.b.none(),
                                key: Some("None".into()),
                            }
                        } else {
                            self.value(depth + 1)
                        }
                    })
                    .collect();
                let key = parts
                    .iter()
                    .map(|i| i.key.clone())
                    .collect::<Option<Vec<_>>>()
                    .map(|ks| format!("sl:({})", ks.join(",")));
                let id = self.b.slice(parts[0].id, parts[1].id, parts[2].id);
                self.record(id, key)
            }
        }
    }

    fn len(&mut self) -> usize {
        match self.pick(8) {
            0 => 0,
            7 if self.chance(1) => 256 + usize::from(self.byte() % 4),
            _ => usize::from(self.byte() % 5),
        }
    }

    /// Hashable values, pairwise unequal, at most one containing a NaN.
    fn distinct_hashables(&mut self, depth: usize) -> Vec<NodeInfo> {
        let n = usize::from(self.byte() % 6);
        let mut out: Vec<NodeInfo> = Vec::new();
        let mut tries = 0;
        while out.len() < n && tries < 3 * n {
            tries += 1;
            let v = self.value(depth + 1);
            let Some(key) = &v.key else { continue };
            let nan = key.contains("nan#");
            if out.iter().any(|o| {
                o.key.as_deref() == Some(key.as_str())
                    || o.id == v.id
                    || (nan && o.key.as_deref().is_some_and(|k| k.contains("nan#")))
            }) {
                continue;
            }
            out.push(v);
        }
        out
    }

    fn int(&mut self) -> PyInt {
        match self.pick(6) {
            0 => PyInt::from(i64::from(self.byte() as i8)),
            1 => PyInt::from(i64::from(self.byte()) + 200),
            2 => PyInt::from(i64::from(i32::arbitrary(self.u).unwrap_or(0))),
            3 => PyInt::from(i64::arbitrary(self.u).unwrap_or(0)),
            4 => {
                let edges = [
                    i64::from(i32::MAX),
                    i64::from(i32::MAX) + 1,
                    i64::from(i32::MIN),
                    i64::from(i32::MIN) - 1,
                    -5,
                    -6,
                    256,
                    257,
                    1 << 30,
                    (1 << 30) - 1,
                    -(1 << 45),
                ];
                PyInt::from(edges[self.pick(edges.len())])
            }
            _ => {
                let n = 1 + usize::from(self.byte() % 6);
                let bytes: Vec<u8> = (0..n * 4).map(|_| self.byte()).collect();
                let v = big_from_bytes(&bytes);
                if self.chance(4) {
                    PyInt::from(-v.to_bigint())
                } else {
                    v
                }
            }
        }
    }

    fn float(&mut self) -> f64 {
        match self.pick(4) {
            0 => {
                let specials = [
                    0.0,
                    -0.0,
                    1.0,
                    1.5,
                    -2.0,
                    0.1,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NAN,
                    5e-324,
                    1e300,
                    256.0,
                    1e16,
                ];
                specials[self.pick(specials.len())]
            }
            1 => f64::from(self.byte() as i8) / 4.0,
            _ => f64::from_bits(u64::arbitrary(self.u).unwrap_or(0)),
        }
    }

    fn string(&mut self) -> PyStr {
        let n = match self.pick(6) {
            0 => 0,
            1 => 1,
            5 if self.chance(2) => 250 + usize::from(self.byte() % 10),
            _ => usize::from(self.byte() % 12),
        };
        let class = self.pick(4);
        let mut cps = Vec::with_capacity(n);
        for _ in 0..n {
            let b = u32::from(self.byte());
            cps.push(match class {
                0 => 0x20 + b % 0x5f,                                       // printable ASCII
                1 => b,                                                     // Latin-1
                2 => [0x3b1, 0x20ac, 0x65e5, 0x1f600, b][(b % 5) as usize], // BMP and beyond
                _ => [0xd800, 0xdc80, 0xdfff, 0x61, b][(b % 5) as usize],   // lone surrogates
            });
        }
        PyStr::from_code_points(cps).unwrap_or_else(|_| PyStr::new())
    }
}

/// A non-negative int from big-endian bytes.
fn big_from_bytes(bytes: &[u8]) -> PyInt {
    let mut v = PyInt::from(0i64).to_bigint();
    for chunk in bytes.chunks(4) {
        let mut x: u32 = 0;
        for &b in chunk {
            x = (x << 8) | u32::from(b);
        }
        v = (v << 32u32) + x;
    }
    PyInt::from(v)
}

fn norm(f: f64) -> f64 {
    if f == 0.0 { 0.0 } else { f }
}

/// The Python-equality key of a float (integral values equal ints).
fn float_key(f: f64, id: NodeId) -> String {
    if f.is_nan() {
        format!("nan#{}", id.index())
    } else if f.is_infinite() {
        format!("f:{f}")
    } else if f.fract() == 0.0 {
        format!("n:{f:.0}").replace("n:-0", "n:0")
    } else {
        format!("f:{:x}", f.to_bits())
    }
}

/// The graph CPython's `marshal.loads` builds from a stream that `read` decoded into
/// `graph`: identity from refs only, fresh mortal objects with no external
/// references, except the singletons `loads` returns (small ints, `()`, `b''`,
/// one-byte bytes, `''` and one-character Latin-1 strings) and interned strings merged
/// by value. The root keeps one external reference (the oracle's local, see
/// `oracle/PROTOCOL.md`, `marshal_roundtrip`). `None` for code objects (not modelled).
pub fn as_loaded(graph: &Graph, root: NodeId) -> Option<(Graph, NodeId)> {
    let mut b = GraphBuilder::new();
    let mut memo: HashMap<NodeId, NodeId> = HashMap::new();
    let new_root = rebuild(graph, root, &mut b, &mut memo)?;
    b.graph_mut()[new_root].extra_refs = 1;
    Some((b.finish(), new_root))
}

fn rebuild(
    g: &Graph,
    id: NodeId,
    b: &mut GraphBuilder,
    memo: &mut HashMap<NodeId, NodeId>,
) -> Option<NodeId> {
    if let Some(&n) = memo.get(&id) {
        return Some(n);
    }
    let mut map = |x: NodeId, b: &mut GraphBuilder| rebuild(g, x, b, memo);
    let new = match g.value(id).clone() {
        Value::Code(_) => return None,
        Value::Tuple(items) => {
            let items = items
                .into_iter()
                .map(|x| map(x, b))
                .collect::<Option<Vec<_>>>()?;
            b.tuple(items)
        }
        Value::List(items) => {
            let items = items
                .into_iter()
                .map(|x| map(x, b))
                .collect::<Option<Vec<_>>>()?;
            b.list(items)
        }
        Value::Set(items) => {
            let items = items
                .into_iter()
                .map(|x| map(x, b))
                .collect::<Option<Vec<_>>>()?;
            b.set(items)
        }
        Value::FrozenSet(items) => {
            let items = items
                .into_iter()
                .map(|x| map(x, b))
                .collect::<Option<Vec<_>>>()?;
            b.frozenset(items)
        }
        Value::Dict(pairs) => {
            let mut out = Vec::new();
            for (k, v) in pairs {
                let k = map(k, b)?;
                let v = map(v, b)?;
                out.push((k, v));
            }
            b.dict(out)
        }
        Value::Slice { start, stop, step } => {
            let (a, c, d) = (map(start, b)?, map(stop, b)?, map(step, b)?);
            b.slice(a, c, d)
        }
        Value::Bytes(v) => b.bytes(v),
        Value::Str { value, interned } => {
            if interned {
                b.interned(value)
            } else {
                b.str(value)
            }
        }
        other => b.value(other),
    };
    memo.insert(id, new);
    Some(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_writable() {
        let mut written = 0;
        for seed in 0..300u32 {
            let data: Vec<u8> = (0..200u32)
                .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed * 97) >> 7) as u8)
                .collect();
            let a = generate_marshal_case(&data);
            let b = generate_marshal_case(&data);
            assert_eq!(a.version, b.version);
            let wa = pyc_marshal::write_version(&a.graph, a.root, a.version);
            let wb = pyc_marshal::write_version(&b.graph, b.root, b.version);
            assert_eq!(wa.as_ref().ok(), wb.as_ref().ok());
            if let Ok(bytes) = wa {
                written += 1;
                let (g2, r2) = pyc_marshal::read(&bytes).expect("our own stream reads back");
                assert!(as_loaded(&g2, r2).is_some());
            }
        }
        assert!(
            written > 200,
            "only {written} of 300 cases could be written"
        );
    }

    #[test]
    fn float_keys_follow_python_equality() {
        let id = NodeId::from_index(3);
        assert_eq!(float_key(1.0, id), "n:1");
        assert_eq!(float_key(-0.0, id), "n:0");
        assert_eq!(float_key(1e16, id), "n:10000000000000000");
        assert_eq!(float_key(f64::NAN, id), "nan#3");
        assert_ne!(float_key(0.5, id), float_key(-0.5, id));
    }
}
