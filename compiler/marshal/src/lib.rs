//! marshal format version 5 as CPython 3.14 writes it: an object graph that records object
//! *identity*, a writer that reproduces CPython's bytes exactly (FLAG_REF bits, ref numbers,
//! set order), and a reader.
//!
//! ```
//! use pyc_marshal::{GraphBuilder, read, write};
//!
//! let mut b = GraphBuilder::new();
//! let f = b.float(2.5); // one float object, held twice
//! let name = b.interned("spam");
//! let t = b.tuple(vec![f, f, name]);
//! let graph = b.finish();
//! let data = write(&graph, t)?;
//! assert_eq!(
//!     data,
//!     b")\x03\xe7\0\0\0\0\0\0\x04@r\0\0\0\0\xda\x04spam"
//! );
//! let (again, root) = read(&data)?;
//! graph.same_shape(t, &again, root).map_err(|e| e.to_string())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The identity model
//!
//! A [`Graph`] is an arena of [`Node`]s; a [`NodeId`] names one Python *object*. Two places
//! that hold the same object hold the same `NodeId` (a shared constant, `co_filename` held
//! by every code object, a name that is both `co_name` and `co_qualname`); two equal values
//! held by different objects are two nodes. Containers ([`Value::Tuple`], [`Value::Code`]'s
//! [`CodeFields`], ...) refer to their items by id, so the graph is exactly CPython's
//! reference graph restricted to what marshal writes. Each node also carries:
//!
//! * [`Node::extra_refs`]: references held from outside the graph (1 on the top-level code
//!   object, which `py_compile`/importlib keep in a local while dumping it);
//! * [`Node::immortal`]: the object is a process-wide singleton whose refcount is never 1;
//! * [`Node::read_flag`]: for nodes made by [`read`], whether the stream had FLAG_REF.
//!
//! [`GraphBuilder`] hands out the *same node* wherever CPython has one object for the whole
//! process: `None`/`True`/`False`/`...`/`StopIteration`; the immortal small ints `-5..=256`,
//! `()`, `b''`, one-byte `bytes` made like constants ([`GraphBuilder::bytes`], not
//! [`GraphBuilder::bytes_buffer`]), `''` and one-character Latin-1 strings (which CPython
//! also treats as interned); and interned strings, deduplicated by value
//! ([`GraphBuilder::interned`], [`GraphBuilder::intern`] for interning in place). Every
//! other constructor call is a new object; to share one, reuse its id.
//!
//! # The FLAG_REF rule (marshal.c `w_ref`)
//!
//! The writer models CPython's reference counts while `marshal.dumps(root)` runs
//! ([`Graph::refcounts`]): 1 for the root (the call's argument), plus one per edge from a
//! node reachable from the root, plus `extra_refs`, where two kinds of edge count twice:
//!
//! * **set and frozenset items**: 3.14's writer orders items by `sorted(v,
//!   key=marshal.dumps)` and holds every item in its `pairs` list while writing it, and in
//!   `_PySet_NextEntryRef`'s reference while computing its key, so every item is flagged;
//! * **`co_code`**: `_PyCode_GetCode` returns a new bytes object that it also caches in
//!   `co->_co_cached`, so `co_code` is always flagged (and never shared).
//!
//! An object is then written with FLAG_REF iff it is not one of the single-byte singletons
//! and (it is immortal, or an interned str, or its refcount is above 1) — see
//! [`Graph::will_flag`]. The first occurrence of a flagged object takes the next ref index
//! (pre-order: a container takes its index before its items are written); later occurrences
//! are written as `r` + index. Unflagged objects are written out in full each time.
//!
//! Set and frozenset items are written in the order of their standalone dumps (each with
//! its own ref table and the same version), bytes compared, ties in stored order. Strings
//! use `z`/`Z` for ASCII under 256 characters, `a`/`A` for longer ASCII and `u`/`t`
//! (`surrogatepass` UTF-8) otherwise; ints use `i` when they fit in 32 bits and `l` with
//! base-2**15 digits otherwise; floats `g`, complex `y`, bytes `s`, tuples `)` under 256 items
//! and `(` otherwise, slices `:`. [`write_version`] also produces versions 0 to 4.
//!
//! # Reading
//!
//! [`read`] ports `r_object` for every type code (including the legacy `I`, `f`, `x`),
//! with CPython's checks (sizes, refs to reserved slots, long normalisation, UTF-8,
//! hashability of set items and dict keys, `_PyCode_Validate`) and its 2000-level nesting
//! limit; [`ReadError`] gives the byte offset. Identity comes from TYPE_REF alone (CPython
//! would also merge equal interned strings and small ints, which its own writer never
//! leaves unmerged); duplicate dict keys and set items are kept as read. FLAG_REF bits that
//! the rule cannot explain from the graph are recorded as `immortal` (small ints, `()`,
//! `b''`, `''`, Latin-1 characters, and otherwise unexplained one-byte bytes) or as
//! `extra_refs = 1`, so that [`write()`] reproduces what it read. Streams CPython would not
//! write do not round-trip byte for byte: legacy codes are rewritten in the current form,
//! `z`/`a` strings with bytes above 127 (Latin-1) become `u`, FLAG_REF on `N`/`T`/`F`/`.`/`S`
//! is dropped, and so on. [`canonical`] removes all identity information (no FLAG_REF, every
//! ref inlined, set items ordered by their canonical bytes).
//!
//! # What was verified against CPython 3.14.10
//!
//! * Every stdlib file the oracle compiles (1,702 of 1,707) reads and re-writes to the
//!   identical pyc body (`tests/corpus.rs`).
//! * Hand-built graphs (all versions 0-5) and 1,000 random graphs with arbitrary sharing of
//!   mortal objects, extra references, interned strings, surrogates, big ints, NaN payloads
//!   and `-0.0`, nested frozensets and slices: our bytes equal `marshal.dumps` on objects
//!   built with exactly those refcounts (`tests/oracle_dumps.rs`).
//! * The reader accepts exactly what `marshal.loads` accepts on 3,000 random and mutated
//!   streams (`tests/read_errors.rs`; the few that crash CPython are rejected here).
//!
//! Facts from the corpus that a compiler building code-object graphs must reproduce (the
//! census printed by `tests/corpus.rs`):
//!
//! * the top-level code object is flagged only through the caller's reference
//!   (`extra_refs = 1`); nested code objects are never flagged;
//! * `co_code` is always flagged and never shared (87,486 of 87,486; handled by the rule);
//! * `co_localspluskinds` is never shared: it is flagged only when empty (the immortal
//!   `b''`), and one-byte kinds are not the one-byte singletons (build them with
//!   [`GraphBuilder::bytes_buffer`]);
//! * `co_linetable`, `co_exceptiontable`, `co_consts`, `co_names` and `co_localsplusnames`
//!   are merged through the module's constant cache: equal values are one object across
//!   code objects (and a names tuple can be the same object as a constant tuple); an empty
//!   exception table is `b''`, empty name tuples are `()`;
//! * `co_filename` is one interned object per module; `co_name`, `co_qualname`, names and
//!   identifier-like constants are interned, so equal ones are one object (a class body's
//!   `__qualname__` constant is `co_qualname`);
//! * every one-byte `bytes` constant is flagged (they are the immortal singletons), and
//!   every set/frozenset item is flagged.

mod builder;
mod canonical;
mod graph;
mod pyint;
mod pystr;
mod read;
pub mod types;
mod write;

pub use builder::GraphBuilder;
pub use canonical::{CanonicalError, canonical};
pub use graph::{Children, CodeFields, Graph, Node, NodeId, Value};
pub use pyint::PyInt;
pub use pystr::{CodePoints, InvalidCodePoint, InvalidUtf8, PyStr};
pub use read::{ReadError, ReadErrorKind, read, read_prefix};
pub use write::{MAX_MARSHAL_STACK_DEPTH, WriteError, write, write_version};

/// The marshal format version CPython 3.14 writes (`marshal.version`).
pub const VERSION: u32 = 5;
