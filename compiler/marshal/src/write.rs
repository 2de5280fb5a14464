//! The writer: a port of the writing half of CPython 3.14's `Python/marshal.c`.

use std::collections::HashMap;
use std::rc::Rc;

use crate::graph::{Graph, NodeId, Value};
use crate::types::*;

/// Why a graph could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// A `NodeId` that is not in the graph.
    #[error("node {0:?} does not exist in the graph")]
    InvalidNode(NodeId),
    /// Nesting deeper than `MAX_MARSHAL_STACK_DEPTH` (2000).
    #[error("object too deeply nested to marshal")]
    NestedTooDeep,
    /// CPython's `unmarshallable object` (a slice below version 5, a size above 2**31-1, a
    /// failed set-item sort key dump, too many refs).
    #[error("unmarshallable object ({0})")]
    Unmarshallable(&'static str),
    /// The output would exceed the limit (only [`crate::canonical`] sets one: inlining
    /// every ref can grow a heavily shared graph exponentially).
    #[error("output larger than {0} bytes")]
    OutputTooLarge(usize),
}

/// marshal.c `MAX_MARSHAL_STACK_DEPTH` (non-Windows).
pub const MAX_MARSHAL_STACK_DEPTH: usize = 2000;

/// `SIZE32_MAX`.
const SIZE32_MAX: usize = 0x7FFF_FFFF;

/// Writes `root` in marshal format version 5 (`marshal.dumps(obj)` with CPython's FLAG_REF
/// rule; see the crate docs).
pub fn write(graph: &Graph, root: NodeId) -> Result<Vec<u8>, WriteError> {
    write_version(graph, root, crate::VERSION)
}

/// Writes `root` in marshal format `version` (`marshal.dumps(obj, version)`):
/// below 3 no refs; below 4 no short ASCII / small tuple codes; below 2 floats as text
/// (`f`/`x`); below 5 no slices.
pub fn write_version(graph: &Graph, root: NodeId, version: u32) -> Result<Vec<u8>, WriteError> {
    Ctx::new(graph, root, version, false, usize::MAX)?.emit(root)
}

/// Writes `root` in version 5 with no FLAG_REF and every shared object written out in full,
/// set items sorted by these canonical bytes (used by [`crate::canonical`]).
pub(crate) fn write_canonical(
    graph: &Graph,
    root: NodeId,
    limit: usize,
) -> Result<Vec<u8>, WriteError> {
    Ctx::new(graph, root, crate::VERSION, true, limit)?.emit(root)
}

/// Canonical dumps of any nodes of one graph, sharing the set-item keys between calls.
pub(crate) struct CanonicalDumps<'g>(Ctx<'g>);

impl<'g> CanonicalDumps<'g> {
    pub(crate) fn new(graph: &'g Graph) -> Self {
        Self(Ctx {
            graph,
            version: crate::VERSION,
            canonical: true,
            refcounts: Vec::new(),
            keys: HashMap::new(),
            limit: usize::MAX,
        })
    }

    /// The canonical bytes of `id` (at most `limit` bytes).
    pub(crate) fn dump(&mut self, id: NodeId, limit: usize) -> Result<Vec<u8>, WriteError> {
        self.0.graph.get(id).ok_or(WriteError::InvalidNode(id))?;
        self.0.limit = limit;
        self.0.compute_set_keys(id)?;
        self.0.emit(id)
    }
}

/// State shared by the main dump and the set-item sort-key dumps of one write.
struct Ctx<'g> {
    graph: &'g Graph,
    version: u32,
    /// Never write refs or flags.
    canonical: bool,
    refcounts: Vec<u32>,
    /// Standalone dumps of set items: their sort keys.
    keys: HashMap<NodeId, Rc<[u8]>>,
    /// Maximum size of one dump.
    limit: usize,
}

/// One `WFILE`: output buffer and ref table.
#[derive(Default)]
struct Out {
    buf: Vec<u8>,
    refs: HashMap<NodeId, u32>,
}

/// What is left to write, innermost last (CPython's w_object recursion, made explicit so
/// that 2000 nesting levels need no deep native stack).
enum Task {
    Obj(NodeId),
    /// `w_object(NULL)`: the dict terminator.
    Null,
    /// A raw `w_long` between objects (`co_firstlineno`).
    Long(i32),
    /// End of a container: `p->depth--`.
    Leave,
}

impl Out {
    fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    // CPython: marshal.c w_long (4 bytes, little-endian, two's complement)
    fn long(&mut self, x: i32) {
        self.buf.extend_from_slice(&x.to_le_bytes());
    }

    // CPython: marshal.c w_short
    fn short(&mut self, x: u16) {
        self.buf.extend_from_slice(&x.to_le_bytes());
    }

    // CPython: marshal.c W_SIZE
    fn size(&mut self, n: usize) -> Result<(), WriteError> {
        if n > SIZE32_MAX {
            return Err(WriteError::Unmarshallable("size above 2**31-1"));
        }
        self.long(n as i32);
        Ok(())
    }

    // CPython: marshal.c w_pstring
    fn pstring(&mut self, s: &[u8]) -> Result<(), WriteError> {
        self.size(s.len())?;
        self.buf.extend_from_slice(s);
        Ok(())
    }

    // CPython: marshal.c w_short_pstring (callers guarantee len < 256)
    fn short_pstring(&mut self, s: &[u8]) {
        self.byte(s.len() as u8);
        self.buf.extend_from_slice(s);
    }

    // CPython: marshal.c w_float_bin (PyFloat_Pack8, little-endian)
    fn float_bin(&mut self, bits: u64) {
        self.buf.extend_from_slice(&bits.to_le_bytes());
    }

    // CPython: marshal.c w_float_str (PyOS_double_to_string(v, 'g', 17, 0, NULL))
    fn float_str(&mut self, bits: u64) {
        let s = format_g17(f64::from_bits(bits));
        self.short_pstring(s.as_bytes());
    }
}

impl<'g> Ctx<'g> {
    fn new(
        graph: &'g Graph,
        root: NodeId,
        version: u32,
        canonical: bool,
        limit: usize,
    ) -> Result<Self, WriteError> {
        graph.get(root).ok_or(WriteError::InvalidNode(root))?;
        let mut ctx = Ctx {
            graph,
            version,
            canonical,
            refcounts: if canonical {
                Vec::new()
            } else {
                graph.refcounts(root)
            },
            keys: HashMap::new(),
            limit,
        };
        ctx.compute_set_keys(root)?;
        Ok(ctx)
    }

    /// Computes the sort key of every set item reachable from `root`, innermost first (a
    /// post-order walk), so that each key dump finds the keys of the sets it contains.
    ///
    /// CPython computes a key when it meets the set, with `_PyMarshal_WriteObjectToString`
    /// (its own ref table, depth from 0). In that dump the item has one extra reference
    /// (`_PySet_NextEntryRef`), and while the item is written the `pairs` list holds one;
    /// [`Graph::refcounts`] counts set edges twice for that reason, so a key does not depend
    /// on where the set is met and computing it once is exact.
    fn compute_set_keys(&mut self, root: NodeId) -> Result<(), WriteError> {
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        const DONE: u8 = 2;
        let graph = self.graph;
        let mut state = vec![NEW; graph.len()];
        let mut is_item = vec![false; graph.len()];
        let mut stack = vec![(root, false)];
        while let Some((id, finishing)) = stack.pop() {
            let node = graph.get(id).ok_or(WriteError::InvalidNode(id))?;
            if finishing {
                state[id.index()] = DONE;
                if is_item[id.index()] {
                    self.compute_key(id)?;
                }
                continue;
            }
            if state[id.index()] != NEW {
                continue;
            }
            state[id.index()] = OPEN;
            stack.push((id, true));
            if let Value::Set(items) | Value::FrozenSet(items) = &node.value {
                for &item in items {
                    let slot = is_item
                        .get_mut(item.index())
                        .ok_or(WriteError::InvalidNode(item))?;
                    if !std::mem::replace(slot, true) && state[item.index()] == DONE {
                        self.compute_key(item)?;
                    }
                }
            }
            let kids: Vec<NodeId> = node.value.children().collect();
            stack.extend(kids.into_iter().rev().map(|k| (k, false)));
        }
        Ok(())
    }

    /// CPython: marshal.c _PyMarshal_WriteObjectToString, for a set item's sort key.
    fn compute_key(&mut self, item: NodeId) -> Result<(), WriteError> {
        if self.keys.contains_key(&item) {
            return Ok(());
        }
        let key = match self.emit(item) {
            Ok(k) => k,
            Err(e @ (WriteError::InvalidNode(_) | WriteError::OutputTooLarge(_))) => return Err(e),
            // CPython turns any failure of the key dump into WFERR_UNMARSHALLABLE.
            Err(_) => return Err(WriteError::Unmarshallable("set item")),
        };
        self.keys.insert(item, key.into());
        Ok(())
    }

    /// One dump into a fresh `WFILE` (CPython: marshal.c w_object, iteratively).
    fn emit(&self, root: NodeId) -> Result<Vec<u8>, WriteError> {
        let mut p = Out::default();
        let mut depth = 0usize;
        let mut tasks = vec![Task::Obj(root)];
        while let Some(task) = tasks.pop() {
            match task {
                Task::Leave => depth -= 1,
                Task::Long(x) => p.long(x),
                Task::Null => {
                    if depth + 1 > MAX_MARSHAL_STACK_DEPTH {
                        return Err(WriteError::NestedTooDeep);
                    }
                    p.byte(TYPE_NULL);
                }
                Task::Obj(id) => {
                    if p.buf.len() > self.limit {
                        return Err(WriteError::OutputTooLarge(self.limit));
                    }
                    if depth + 1 > MAX_MARSHAL_STACK_DEPTH {
                        return Err(WriteError::NestedTooDeep);
                    }
                    let node = self.graph.get(id).ok_or(WriteError::InvalidNode(id))?;
                    let single = match node.value {
                        Value::None => Some(TYPE_NONE),
                        Value::StopIteration => Some(TYPE_STOPITER),
                        Value::Ellipsis => Some(TYPE_ELLIPSIS),
                        Value::False => Some(TYPE_FALSE),
                        Value::True => Some(TYPE_TRUE),
                        _ => None,
                    };
                    if let Some(code) = single {
                        p.byte(code);
                        continue;
                    }
                    let mut flag = 0u8;
                    if self.w_ref(&mut p, id, &mut flag)? {
                        continue;
                    }
                    let before = tasks.len();
                    self.w_complex_object(&mut p, id, flag, &mut tasks)?;
                    if tasks.len() > before {
                        // A container: its children are queued; account for its level.
                        tasks.insert(before, Task::Leave);
                        depth += 1;
                    }
                }
            }
        }
        if p.buf.len() > self.limit {
            return Err(WriteError::OutputTooLarge(self.limit));
        }
        Ok(p.buf)
    }

    /// CPython: marshal.c w_ref. Returns true when a TYPE_REF was written.
    fn w_ref(&self, p: &mut Out, id: NodeId, flag: &mut u8) -> Result<bool, WriteError> {
        if self.version < 3 || self.canonical {
            return Ok(false);
        }
        if !self.graph.will_flag(id, &self.refcounts) {
            return Ok(false);
        }
        if let Some(&w) = p.refs.get(&id) {
            p.byte(TYPE_REF);
            p.long(w as i32);
            return Ok(true);
        }
        let w = p.refs.len();
        if w >= 0x7FFF_FFFF {
            return Err(WriteError::Unmarshallable("too many objects"));
        }
        p.refs.insert(id, w as u32);
        *flag |= FLAG_REF;
        Ok(false)
    }

    /// CPython: marshal.c w_complex_object. Writes the object's own bytes and queues its
    /// children (in reverse, so that they pop in order).
    fn w_complex_object(
        &self,
        p: &mut Out,
        id: NodeId,
        flag: u8,
        tasks: &mut Vec<Task>,
    ) -> Result<(), WriteError> {
        let version = self.version;
        let queue = |tasks: &mut Vec<Task>, items: &[NodeId]| {
            tasks.extend(items.iter().rev().map(|&c| Task::Obj(c)));
        };
        match &self.graph[id].value {
            Value::Int(v) => match v.as_i32() {
                Some(x) => {
                    p.byte(TYPE_INT | flag);
                    p.long(x);
                }
                None => w_pylong(p, v, flag)?,
            },
            Value::Float(bits) => {
                if version > 1 {
                    p.byte(TYPE_BINARY_FLOAT | flag);
                    p.float_bin(*bits);
                } else {
                    p.byte(TYPE_FLOAT | flag);
                    p.float_str(*bits);
                }
            }
            Value::Complex { re, im } => {
                if version > 1 {
                    p.byte(TYPE_BINARY_COMPLEX | flag);
                    p.float_bin(*re);
                    p.float_bin(*im);
                } else {
                    p.byte(TYPE_COMPLEX | flag);
                    p.float_str(*re);
                    p.float_str(*im);
                }
            }
            Value::Bytes(b) => {
                p.byte(TYPE_STRING | flag);
                p.pstring(b)?;
            }
            Value::Str { value, interned } => {
                let bytes = value.as_surrogatepass_utf8();
                if version >= 4 && value.is_ascii() {
                    // ASCII: one byte per character, so len(bytes) == len(str).
                    if bytes.len() < 256 {
                        let t = if *interned {
                            TYPE_SHORT_ASCII_INTERNED
                        } else {
                            TYPE_SHORT_ASCII
                        };
                        p.byte(t | flag);
                        p.short_pstring(bytes);
                    } else {
                        let t = if *interned {
                            TYPE_ASCII_INTERNED
                        } else {
                            TYPE_ASCII
                        };
                        p.byte(t | flag);
                        p.pstring(bytes)?;
                    }
                } else {
                    let t = if version >= 3 && *interned {
                        TYPE_INTERNED
                    } else {
                        TYPE_UNICODE
                    };
                    p.byte(t | flag);
                    p.pstring(bytes)?;
                }
            }
            Value::Tuple(items) => {
                let n = items.len();
                if version >= 4 && n < 256 {
                    p.byte(TYPE_SMALL_TUPLE | flag);
                    p.byte(n as u8);
                } else {
                    p.byte(TYPE_TUPLE | flag);
                    p.size(n)?;
                }
                queue(tasks, items);
            }
            Value::List(items) => {
                p.byte(TYPE_LIST | flag);
                p.size(items.len())?;
                queue(tasks, items);
            }
            Value::Dict(pairs) => {
                p.byte(TYPE_DICT | flag);
                tasks.push(Task::Null);
                for &(k, v) in pairs.iter().rev() {
                    tasks.push(Task::Obj(v));
                    tasks.push(Task::Obj(k));
                }
            }
            Value::Set(items) | Value::FrozenSet(items) => {
                let t = if matches!(self.graph[id].value, Value::FrozenSet(_)) {
                    TYPE_FROZENSET
                } else {
                    TYPE_SET
                };
                p.byte(t | flag);
                p.size(items.len())?;
                // bpo-37596: the order of sorted(v, key=marshal.dumps). Ties keep the stored
                // order (list.sort is stable; equal keys mean equal values).
                let mut keyed = Vec::with_capacity(items.len());
                for &item in items {
                    let key = self
                        .keys
                        .get(&item)
                        .ok_or(WriteError::Unmarshallable("set item inside itself"))?;
                    keyed.push((key, item));
                }
                keyed.sort_by(|a, b| a.0.cmp(b.0));
                tasks.extend(keyed.into_iter().rev().map(|(_, c)| Task::Obj(c)));
            }
            Value::Code(co) => {
                p.byte(TYPE_CODE | flag);
                p.long(co.argcount);
                p.long(co.posonlyargcount);
                p.long(co.kwonlyargcount);
                p.long(co.stacksize);
                p.long(co.flags);
                tasks.push(Task::Obj(co.exceptiontable));
                tasks.push(Task::Obj(co.linetable));
                tasks.push(Task::Long(co.firstlineno));
                queue(
                    tasks,
                    &[
                        co.code,
                        co.consts,
                        co.names,
                        co.localsplusnames,
                        co.localspluskinds,
                        co.filename,
                        co.name,
                        co.qualname,
                    ],
                );
            }
            Value::Slice { start, stop, step } => {
                if version < 5 {
                    return Err(WriteError::Unmarshallable("slice needs marshal version 5"));
                }
                p.byte(TYPE_SLICE | flag);
                queue(tasks, &[*start, *stop, *step]);
            }
            Value::None | Value::True | Value::False | Value::Ellipsis | Value::StopIteration => {
                // Written by `emit` before w_ref; nothing to do here.
            }
        }
        Ok(())
    }
}

/// CPython: marshal.c w_PyLong. Count of base-2**15 digits (negative for negative
/// values), then the digits, least significant first.
fn w_pylong(p: &mut Out, v: &crate::PyInt, flag: u8) -> Result<(), WriteError> {
    p.byte(TYPE_LONG | flag);
    let (negative, digits) = v.marshal_digits();
    let n = digits.len();
    if n > SIZE32_MAX {
        return Err(WriteError::Unmarshallable("int too large"));
    }
    let n = n as i32;
    p.long(if negative { -n } else { n });
    for d in digits {
        p.short(d);
    }
    Ok(())
}

/// `PyOS_double_to_string(v, 'g', 17, 0, NULL)`: `'%.17g'`, with `inf`, `-inf` and an
/// unsigned `nan`.
pub(crate) fn format_g17(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    const P: i32 = 17;
    let sci = format!("{:.*e}", (P - 1) as usize, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..P).contains(&exp) {
        let fixed = format!("{:.*}", (P - 1 - exp) as usize, v);
        strip_fraction_zeros(&fixed).to_string()
    } else {
        let m = strip_fraction_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.unsigned_abs())
    }
}

fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g17() {
        assert_eq!(format_g17(0.1), "0.10000000000000001");
        assert_eq!(format_g17(1.0), "1");
        assert_eq!(format_g17(-0.0), "-0");
        assert_eq!(format_g17(1e20), "1e+20");
        assert_eq!(format_g17(1.5e-7), "1.4999999999999999e-07");
        assert_eq!(format_g17(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(format_g17(f64::NAN), "nan");
        assert_eq!(format_g17(-f64::INFINITY), "-inf");
        assert_eq!(format_g17(0.0001), "0.0001");
    }
}
