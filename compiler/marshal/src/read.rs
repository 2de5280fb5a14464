//! The reader: a port of the reading half of CPython 3.14's `Python/marshal.c`
//! (`r_object` and helpers), producing a [`Graph`] instead of Python objects.

use std::collections::HashSet;

use crate::graph::{CodeFields, Graph, Node, NodeId, Value};
use crate::pyint::PyInt;
use crate::pystr::{InvalidUtf8, PyStr};
use crate::types::*;
use crate::write::MAX_MARSHAL_STACK_DEPTH;

/// A stream that CPython's `marshal.loads` would reject (or that this reader cannot
/// represent). `offset` is the byte offset where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad marshal data at offset {offset}: {kind}")]
pub struct ReadError {
    /// Byte offset into the input.
    pub offset: usize,
    /// What is wrong.
    pub kind: ReadErrorKind,
}

/// What is wrong with a marshal stream. Messages follow CPython's where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadErrorKind {
    /// No type byte where an object was expected.
    #[error("EOF read where object expected")]
    EofObject,
    /// The stream ends inside an object.
    #[error("marshal data too short ({needed} bytes needed, {available} left)")]
    TooShort {
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// A type byte marshal does not know.
    #[error("unknown type code {0:#04x}")]
    UnknownType(u8),
    /// A negative (or otherwise impossible) size.
    #[error("{what} size out of range ({size})")]
    SizeOutOfRange {
        /// Which size.
        what: &'static str,
        /// The size read.
        size: i64,
    },
    /// A TYPE_REF to an index not (yet) in the ref table.
    #[error("invalid reference {0}")]
    InvalidRef(i64),
    /// A NULL object (`'0'`, or a slice with a NULL part) where a value is needed.
    #[error("NULL object in marshal data for {0}")]
    NullObject(&'static str),
    /// A base-2**15 digit outside `0..2**15`.
    #[error("digit out of range in long")]
    DigitOutOfRange,
    /// A long whose top digit is 0.
    #[error("unnormalized long data")]
    UnnormalizedLong,
    /// Bytes of a `u`/`t` string that are not `surrogatepass` UTF-8.
    #[error("{0}")]
    InvalidUtf8(InvalidUtf8),
    /// The text of an `f`/`x` float is not a number.
    #[error("could not convert string to float: {0:?}")]
    BadFloat(String),
    /// Nesting deeper than `MAX_MARSHAL_STACK_DEPTH`.
    #[error("recursion limit exceeded")]
    RecursionLimit,
    /// A set item or dict key that is not hashable.
    #[error("unhashable type: '{0}'")]
    Unhashable(&'static str),
    /// A code object `_PyCode_Validate` (or `intern_strings`) rejects.
    #[error("invalid code object: {0}")]
    BadCode(&'static str),
    /// More than 2**31-2 FLAG_REF'd objects.
    #[error("index list too large")]
    IndexListTooLarge,
}

/// Reads one object, like `marshal.loads` (trailing bytes are ignored).
///
/// Object identity comes from TYPE_REF only: each non-ref occurrence is a new node (except
/// the single-byte singletons, one node each). Every node gets [`Node::read_flag`], and
/// FLAG_REF bits that [`Graph::refcounts`] cannot explain are recorded so that
/// [`crate::write()`] reproduces them: a flagged small int, `()`, `b''`, `''` or
/// one-character Latin-1 str becomes [`Node::immortal`]; any other flagged node with a
/// modelled refcount of 1 that is not an interned str gets `extra_refs = 1` (a flagged
/// one-byte bytes with refcount 1 becomes immortal instead).
pub fn read(data: &[u8]) -> Result<(Graph, NodeId), ReadError> {
    read_prefix(data).map(|(g, root, _)| (g, root))
}

/// Like [`read`], also returning the number of bytes the object used.
pub fn read_prefix(data: &[u8]) -> Result<(Graph, NodeId, usize), ReadError> {
    let mut r = Reader {
        data,
        pos: 0,
        graph: Graph::new(),
        refs: Vec::new(),
        singletons: [None; 5],
        open: HashSet::new(),
    };
    // CPython: marshal.c read_object
    let root = r.r_object()?.ok_or(ReadError {
        offset: 0,
        kind: ReadErrorKind::NullObject("object"),
    })?;
    let used = r.pos;
    let mut graph = r.graph;
    explain_flags(&mut graph, root);
    Ok((graph, root, used))
}

/// Sets `immortal` / `extra_refs` so that the writer's rule reproduces every FLAG_REF read.
fn explain_flags(graph: &mut Graph, root: NodeId) {
    let rc = graph.refcounts(root);
    for id in graph.reachable(root) {
        let node = &mut graph[id];
        if node.read_flag != Some(true) || node.value.is_single_byte() {
            continue;
        }
        let certain_singleton = match &node.value {
            Value::Bytes(b) => b.is_empty(),
            v => v.is_singleton_value(),
        };
        let explained = node.value.is_interned_str() || rc[id.index()] > 1;
        if certain_singleton {
            node.immortal = true;
        } else if !explained {
            if matches!(&node.value, Value::Bytes(b) if b.len() == 1) {
                node.immortal = true;
            } else {
                node.extra_refs = 1;
            }
        }
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    graph: Graph,
    /// The ref table; `None` is a reserved slot (`r_ref_reserve`) not filled yet.
    refs: Vec<Option<NodeId>>,
    /// None, True, False, Ellipsis, StopIteration.
    singletons: [Option<NodeId>; 5],
    /// Containers still being read. Hashing one (a ref to an unfinished tuple used as a set
    /// item) makes CPython crash; here it counts as unhashable.
    open: HashSet<NodeId>,
}

type R<T> = Result<T, ReadError>;

/// A container being read (one level of CPython's r_object recursion).
enum Frame {
    /// tuple, list, set, frozenset: `n` items.
    Seq {
        id: NodeId,
        kind: SeqKind,
        n: usize,
        items: Vec<NodeId>,
        slot: Option<usize>,
        child_at: usize,
    },
    /// dict: key/value pairs up to a NULL.
    Dict {
        id: NodeId,
        pairs: Vec<(NodeId, NodeId)>,
        /// A key read, waiting for its value (with the offset after it).
        key: Option<(NodeId, usize)>,
    },
    /// code: 5 ints read, then 8 objects, firstlineno, 2 objects.
    Code {
        id: NodeId,
        slot: Option<usize>,
        start: usize,
        ints: [i32; 5],
        objs: Vec<NodeId>,
        firstlineno: i32,
        child_at: usize,
    },
    /// slice: start, stop, step.
    Slice {
        id: NodeId,
        slot: Option<usize>,
        parts: Vec<NodeId>,
    },
}

impl Frame {
    fn id(&self) -> NodeId {
        match self {
            Frame::Seq { id, .. }
            | Frame::Dict { id, .. }
            | Frame::Code { id, .. }
            | Frame::Slice { id, .. } => *id,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SeqKind {
    Tuple,
    List,
    Set,
    FrozenSet,
}

impl SeqKind {
    fn what_size(self) -> &'static str {
        match self {
            SeqKind::Tuple => "tuple",
            SeqKind::List => "list",
            SeqKind::Set | SeqKind::FrozenSet => "set",
        }
    }

    fn what_null(self) -> &'static str {
        self.what_size()
    }
}

enum Step {
    Done(Option<NodeId>),
    Push(Frame),
}

enum Fed {
    More,
    Complete(Option<NodeId>),
}

impl<'a> Reader<'a> {
    fn err<T>(&self, offset: usize, kind: ReadErrorKind) -> R<T> {
        Err(ReadError { offset, kind })
    }

    /// CPython: marshal.c r_string (the `loads` fast path).
    fn r_string(&mut self, n: usize) -> R<&'a [u8]> {
        let left = self.data.len() - self.pos;
        if left < n {
            return self.err(
                self.pos,
                ReadErrorKind::TooShort {
                    needed: n,
                    available: left,
                },
            );
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// CPython: marshal.c r_byte
    fn r_byte(&mut self) -> R<u8> {
        Ok(self.r_string(1)?[0])
    }

    /// CPython: marshal.c r_short (sign-extended)
    fn r_short(&mut self) -> R<i16> {
        let b = self.r_string(2)?;
        Ok(i16::from_le_bytes([b[0], b[1]]))
    }

    /// CPython: marshal.c r_long (sign-extended)
    fn r_long(&mut self) -> R<i32> {
        let b = self.r_string(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A size read with r_long that must be `0..=SIZE32_MAX`.
    fn r_size(&mut self, what: &'static str) -> R<usize> {
        let at = self.pos;
        let n = self.r_long()?;
        match usize::try_from(n) {
            Ok(n) => Ok(n),
            Err(_) => self.err(
                at,
                ReadErrorKind::SizeOutOfRange {
                    what,
                    size: i64::from(n),
                },
            ),
        }
    }

    /// A capacity hint that cannot exceed what the remaining input could hold.
    fn cap(&self, n: usize) -> usize {
        n.min(self.data.len() - self.pos)
    }

    fn add(&mut self, value: Value, flag: bool) -> NodeId {
        self.graph.push(Node {
            read_flag: Some(flag),
            ..Node::new(value)
        })
    }

    /// CPython: marshal.c r_ref (register a finished object when FLAG_REF is set)
    fn r_ref(&mut self, id: NodeId, flag: bool, at: usize) -> R<NodeId> {
        if flag {
            self.r_ref_reserve(at)?;
            if let Some(slot) = self.refs.last_mut() {
                *slot = Some(id);
            }
        }
        Ok(id)
    }

    /// CPython: marshal.c r_ref_reserve
    fn r_ref_reserve(&mut self, at: usize) -> R<usize> {
        let idx = self.refs.len();
        if idx >= 0x7FFF_FFFE {
            return self.err(at, ReadErrorKind::IndexListTooLarge);
        }
        self.refs.push(None);
        Ok(idx)
    }

    /// CPython: marshal.c r_object. `Ok(None)` is CPython's "NULL without an exception".
    ///
    /// CPython recurses; this keeps an explicit stack of the containers being read, so the
    /// 2000-level nesting limit holds without deep native recursion (debug builds included).
    fn r_object(&mut self) -> R<Option<NodeId>> {
        let mut stack: Vec<Frame> = Vec::new();
        'objects: loop {
            let mut result = match self.r_header(stack.len() + 1)? {
                Step::Done(r) => r,
                Step::Push(frame) => {
                    self.open.insert(frame.id());
                    stack.push(frame);
                    continue;
                }
            };
            // Hand the finished object to the container waiting for it.
            while let Some(top) = stack.last_mut() {
                match self.feed(top, result)? {
                    Fed::More => continue 'objects,
                    Fed::Complete(r) => {
                        if let Some(done) = stack.pop() {
                            self.open.remove(&done.id());
                        }
                        result = r;
                    }
                }
            }
            return Ok(result);
        }
    }

    /// Reads one type byte and everything up to the object's first child. Scalars, refs,
    /// NULL and empty containers are finished here; other containers become a [`Frame`].
    fn r_header(&mut self, depth: usize) -> R<Step> {
        let start = self.pos;
        let Some(&code) = self.data.get(self.pos) else {
            return self.err(start, ReadErrorKind::EofObject);
        };
        self.pos += 1;
        if depth > MAX_MARSHAL_STACK_DEPTH {
            return self.err(start, ReadErrorKind::RecursionLimit);
        }
        let flag = code & FLAG_REF != 0;
        let ty = code & !FLAG_REF;
        let id = match ty {
            TYPE_NULL => return Ok(Step::Done(None)),
            TYPE_NONE => self.singleton(0, Value::None, flag),
            TYPE_TRUE => self.singleton(1, Value::True, flag),
            TYPE_FALSE => self.singleton(2, Value::False, flag),
            TYPE_ELLIPSIS => self.singleton(3, Value::Ellipsis, flag),
            TYPE_STOPITER => self.singleton(4, Value::StopIteration, flag),
            TYPE_INT => {
                let v = self.r_long()?;
                self.scalar(Value::Int(PyInt::from(v)), flag, start)?
            }
            TYPE_INT64 => {
                let b = self.r_string(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                self.scalar(Value::Int(PyInt::from(i64::from_le_bytes(a))), flag, start)?
            }
            TYPE_LONG => {
                let v = self.r_pylong()?;
                self.scalar(Value::Int(v), flag, start)?
            }
            TYPE_FLOAT => {
                let v = self.r_float_str()?;
                self.scalar(Value::Float(v), flag, start)?
            }
            TYPE_BINARY_FLOAT => {
                let v = self.r_float_bin()?;
                self.scalar(Value::Float(v), flag, start)?
            }
            TYPE_COMPLEX => {
                let re = self.r_float_str()?;
                let im = self.r_float_str()?;
                self.scalar(Value::Complex { re, im }, flag, start)?
            }
            TYPE_BINARY_COMPLEX => {
                let re = self.r_float_bin()?;
                let im = self.r_float_bin()?;
                self.scalar(Value::Complex { re, im }, flag, start)?
            }
            TYPE_STRING => {
                let n = self.r_size("bytes object")?;
                let b = self.r_string(n)?.to_vec();
                self.scalar(Value::Bytes(b), flag, start)?
            }
            TYPE_ASCII | TYPE_ASCII_INTERNED => {
                let n = self.r_size("string")?;
                let s = PyStr::from_latin1(self.r_string(n)?);
                let interned = ty == TYPE_ASCII_INTERNED;
                self.scalar(Value::Str { value: s, interned }, flag, start)?
            }
            TYPE_SHORT_ASCII | TYPE_SHORT_ASCII_INTERNED => {
                let n = usize::from(self.r_byte()?);
                let s = PyStr::from_latin1(self.r_string(n)?);
                let interned = ty == TYPE_SHORT_ASCII_INTERNED;
                self.scalar(Value::Str { value: s, interned }, flag, start)?
            }
            TYPE_UNICODE | TYPE_INTERNED => {
                let n = self.r_size("string")?;
                let at = self.pos;
                let bytes = self.r_string(n)?;
                let s = match PyStr::from_surrogatepass_utf8(bytes) {
                    Ok(s) => s,
                    Err(e) => {
                        return self.err(at + e.valid_up_to, ReadErrorKind::InvalidUtf8(e));
                    }
                };
                let interned = ty == TYPE_INTERNED;
                self.scalar(Value::Str { value: s, interned }, flag, start)?
            }
            TYPE_SMALL_TUPLE | TYPE_TUPLE | TYPE_LIST | TYPE_SET | TYPE_FROZENSET => {
                let kind = match ty {
                    TYPE_LIST => SeqKind::List,
                    TYPE_SET => SeqKind::Set,
                    TYPE_FROZENSET => SeqKind::FrozenSet,
                    _ => SeqKind::Tuple,
                };
                let n = if ty == TYPE_SMALL_TUPLE {
                    usize::from(self.r_byte()?)
                } else {
                    self.r_size(kind.what_size())?
                };
                let id = self.add(Value::Tuple(Vec::new()), flag);
                // Everything is registered at once except non-empty frozensets, which
                // reserve their slot and fill it when complete (r_ref_reserve/r_ref_insert).
                let slot = if kind == SeqKind::FrozenSet && n > 0 && flag {
                    Some(self.r_ref_reserve(start)?)
                } else {
                    self.r_ref(id, flag, start)?;
                    None
                };
                let frame = Frame::Seq {
                    id,
                    kind,
                    n,
                    items: Vec::with_capacity(self.cap(n)),
                    slot,
                    child_at: self.pos,
                };
                if n == 0 {
                    let mut frame = frame;
                    return self.finish(&mut frame).map(Step::Done);
                }
                return Ok(Step::Push(frame));
            }
            TYPE_DICT => {
                let id = self.add(Value::Dict(Vec::new()), flag);
                self.r_ref(id, flag, start)?;
                return Ok(Step::Push(Frame::Dict {
                    id,
                    pairs: Vec::new(),
                    key: None,
                }));
            }
            TYPE_CODE => {
                let slot = if flag {
                    Some(self.r_ref_reserve(start)?)
                } else {
                    None
                };
                let id = self.add(Value::None, flag);
                let mut ints = [0i32; 5];
                for v in &mut ints {
                    *v = self.r_long()?;
                }
                return Ok(Step::Push(Frame::Code {
                    id,
                    slot,
                    start,
                    ints,
                    objs: Vec::with_capacity(10),
                    firstlineno: 0,
                    child_at: self.pos,
                }));
            }
            TYPE_SLICE => {
                let slot = if flag {
                    Some(self.r_ref_reserve(start)?)
                } else {
                    None
                };
                let id = self.add(Value::None, flag);
                return Ok(Step::Push(Frame::Slice {
                    id,
                    slot,
                    parts: Vec::with_capacity(3),
                }));
            }
            TYPE_REF => {
                let n = self.r_long()?;
                match usize::try_from(n)
                    .ok()
                    .and_then(|i| self.refs.get(i).copied().flatten())
                {
                    Some(id) => id,
                    None => return self.err(start, ReadErrorKind::InvalidRef(i64::from(n))),
                }
            }
            _ => return self.err(start, ReadErrorKind::UnknownType(code)),
        };
        Ok(Step::Done(Some(id)))
    }

    /// Gives a finished child (`None`: a NULL) to the container `frame`.
    fn feed(&mut self, frame: &mut Frame, child: Option<NodeId>) -> R<Fed> {
        match frame {
            Frame::Seq {
                kind,
                n,
                items,
                child_at,
                ..
            } => {
                let Some(item) = child else {
                    return self.err(*child_at, ReadErrorKind::NullObject(kind.what_null()));
                };
                if matches!(kind, SeqKind::Set | SeqKind::FrozenSet)
                    && !self.graph.is_hashable_excluding(item, &self.open)
                {
                    let t = self.graph.value(item).type_name();
                    return self.err(*child_at, ReadErrorKind::Unhashable(t));
                }
                items.push(item);
                *child_at = self.pos;
                if items.len() < *n {
                    return Ok(Fed::More);
                }
            }
            Frame::Dict { pairs, key, .. } => {
                // A NULL key ends the dict; so does a NULL value, silently dropping the key.
                let Some(child) = child else {
                    return self.finish(frame).map(Fed::Complete);
                };
                match key.take() {
                    None => {
                        *key = Some((child, self.pos));
                        return Ok(Fed::More);
                    }
                    Some((k, k_end)) => {
                        if !self.graph.is_hashable_excluding(k, &self.open) {
                            let t = self.graph.value(k).type_name();
                            // Reported at the end of the key, where CPython fails.
                            return self.err(k_end, ReadErrorKind::Unhashable(t));
                        }
                        pairs.push((k, child));
                        *key = None;
                        return Ok(Fed::More);
                    }
                }
            }
            Frame::Code {
                objs,
                firstlineno,
                child_at,
                ..
            } => {
                let Some(obj) = child else {
                    return self.err(*child_at, ReadErrorKind::NullObject("code object"));
                };
                objs.push(obj);
                if objs.len() == 8 {
                    *firstlineno = self.r_long()?;
                }
                *child_at = self.pos;
                if objs.len() < 10 {
                    return Ok(Fed::More);
                }
            }
            Frame::Slice { parts, .. } => {
                // A NULL part makes the slice itself NULL, without an error (as in CPython).
                let Some(part) = child else {
                    return Ok(Fed::Complete(None));
                };
                parts.push(part);
                if parts.len() < 3 {
                    return Ok(Fed::More);
                }
            }
        }
        self.finish(frame).map(Fed::Complete)
    }

    /// Stores a complete container's value and fills its reserved ref slot.
    fn finish(&mut self, frame: &mut Frame) -> R<Option<NodeId>> {
        let (id, slot, value) = match frame {
            Frame::Seq {
                id,
                kind,
                items,
                slot,
                ..
            } => {
                let items = std::mem::take(items);
                let value = match kind {
                    SeqKind::Tuple => Value::Tuple(items),
                    SeqKind::List => Value::List(items),
                    SeqKind::Set => Value::Set(items),
                    SeqKind::FrozenSet => Value::FrozenSet(items),
                };
                (*id, *slot, value)
            }
            Frame::Dict { id, pairs, .. } => (*id, None, Value::Dict(std::mem::take(pairs))),
            Frame::Slice { id, slot, parts } => {
                let value = Value::Slice {
                    start: parts[0],
                    stop: parts[1],
                    step: parts[2],
                };
                (*id, *slot, value)
            }
            Frame::Code {
                id,
                slot,
                start,
                ints,
                objs,
                firstlineno,
                ..
            } => {
                let fields = CodeFields {
                    argcount: ints[0],
                    posonlyargcount: ints[1],
                    kwonlyargcount: ints[2],
                    stacksize: ints[3],
                    flags: ints[4],
                    code: objs[0],
                    consts: objs[1],
                    names: objs[2],
                    localsplusnames: objs[3],
                    localspluskinds: objs[4],
                    filename: objs[5],
                    name: objs[6],
                    qualname: objs[7],
                    firstlineno: *firstlineno,
                    linetable: objs[8],
                    exceptiontable: objs[9],
                };
                if let Err(problem) = validate_code(&self.graph, &fields) {
                    return self.err(*start, ReadErrorKind::BadCode(problem));
                }
                (*id, *slot, Value::Code(Box::new(fields)))
            }
        };
        self.graph[id].value = value;
        if let Some(slot) = slot {
            self.refs[slot] = Some(id);
        }
        Ok(Some(id))
    }

    fn singleton(&mut self, slot: usize, value: Value, flag: bool) -> NodeId {
        // FLAG_REF on these is ignored by r_object (they are never registered).
        match self.singletons[slot] {
            Some(id) => id,
            None => {
                let id = self.add(value, flag);
                self.singletons[slot] = Some(id);
                id
            }
        }
    }

    fn scalar(&mut self, value: Value, flag: bool, start: usize) -> R<NodeId> {
        let id = self.add(value, flag);
        self.r_ref(id, flag, start)
    }

    /// CPython: marshal.c r_PyLong / _w_digits
    fn r_pylong(&mut self) -> R<PyInt> {
        let at = self.pos;
        let n = self.r_long()?;
        if n == i32::MIN {
            return self.err(
                at,
                ReadErrorKind::SizeOutOfRange {
                    what: "long",
                    size: i64::from(n),
                },
            );
        }
        let count = n.unsigned_abs() as usize;
        let mut digits = Vec::with_capacity(self.cap(count) / 2 + 1);
        for i in 0..count {
            let dat = self.pos;
            let md = self.r_short()?;
            if md < 0 {
                return self.err(dat, ReadErrorKind::DigitOutOfRange);
            }
            if md == 0 && i == count - 1 {
                return self.err(dat, ReadErrorKind::UnnormalizedLong);
            }
            digits.push(md as u16);
        }
        Ok(PyInt::from_marshal_digits(n < 0, &digits))
    }

    /// CPython: marshal.c r_float_bin
    fn r_float_bin(&mut self) -> R<u64> {
        let b = self.r_string(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// CPython: marshal.c r_float_str (PyOS_string_to_double on a C string)
    fn r_float_str(&mut self) -> R<u64> {
        let n = usize::from(self.r_byte()?);
        let at = self.pos;
        let raw = self.r_string(n)?;
        let text = raw.split(|&b| b == 0).next().unwrap_or(raw);
        let parsed = std::str::from_utf8(text)
            .ok()
            .filter(|s| !s.is_empty() && !s.starts_with(|c: char| c.is_whitespace()))
            .and_then(|s| s.parse::<f64>().ok());
        match parsed {
            Some(v) => Ok(v.to_bits()),
            None => self.err(
                at,
                ReadErrorKind::BadFloat(String::from_utf8_lossy(text).into_owned()),
            ),
        }
    }
}

/// CPython: codeobject.c _PyCode_Validate, plus intern_strings' "non-string found in code
/// slot" check on co_names and co_localsplusnames.
fn validate_code(g: &Graph, c: &CodeFields) -> Result<(), &'static str> {
    const CO_VARARGS: i32 = 0x04;
    const CO_VARKEYWORDS: i32 = 0x08;
    const CO_FAST_LOCAL: u8 = 0x20;
    let bytes = |id| match g.value(id) {
        Value::Bytes(b) => Some(b.as_slice()),
        _ => None,
    };
    let tuple = |id| match g.value(id) {
        Value::Tuple(t) => Some(t.as_slice()),
        _ => None,
    };
    let is_str = |id| matches!(g.value(id), Value::Str { .. });
    if c.argcount < c.posonlyargcount
        || c.posonlyargcount < 0
        || c.kwonlyargcount < 0
        || c.stacksize < 0
        || c.flags < 0
    {
        return Err("bad internal call (negative or inconsistent counts)");
    }
    let (Some(code), Some(_), Some(names), Some(lpnames), Some(kinds)) = (
        bytes(c.code),
        tuple(c.consts),
        tuple(c.names),
        tuple(c.localsplusnames),
        bytes(c.localspluskinds),
    ) else {
        return Err("bad internal call (field of the wrong type)");
    };
    if lpnames.len() != kinds.len()
        || !is_str(c.name)
        || !is_str(c.qualname)
        || !is_str(c.filename)
        || bytes(c.linetable).is_none()
        || bytes(c.exceptiontable).is_none()
    {
        return Err("bad internal call (field of the wrong type)");
    }
    if code.len() % 2 != 0 {
        return Err("code: co_code is malformed");
    }
    let nlocals = kinds.iter().filter(|&&k| k & CO_FAST_LOCAL != 0).count() as i64;
    let nplain = nlocals
        - i64::from(c.argcount)
        - i64::from(c.kwonlyargcount)
        - i64::from(c.flags & CO_VARARGS != 0)
        - i64::from(c.flags & CO_VARKEYWORDS != 0);
    if nplain < 0 {
        return Err("code: co_varnames is too small");
    }
    if !names.iter().chain(lpnames).all(|&n| is_str(n)) {
        return Err("non-string found in code slot");
    }
    Ok(())
}
