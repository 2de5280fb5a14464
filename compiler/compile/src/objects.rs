//! From assembled code objects to a marshal object graph with CPython's object identity.
//!
//! What decides FLAG_REF is *which places hold the same object* (verified on the whole
//! stdlib, see `pyc-marshal`'s docs):
//! * one constant cache per module (`c_const_cache`): equal constants are one object,
//!   and so are equal `co_consts`/`co_names`/`co_localsplusnames` tuples and
//!   `co_linetable`/`co_exceptiontable` bytes, across all code objects;
//! * interning (`intern_strings`, `intern_string_constants` in codeobject.c): names,
//!   local names, `co_filename`/`co_name`/`co_qualname`, and every str constant made
//!   only of ASCII letters, digits and `_` are interned, i.e. one object per value;
//! * immortal singletons: small ints, `()`, `b''`, one-byte bytes constants, `''` and
//!   one-character Latin-1 strings;
//! * `co_localspluskinds` and `co_code` are fresh per code object;
//! * the caller (`py_compile`) holds the top-level code object while dumping.

use std::collections::HashMap;

use pyc_assembler::AssembledCode;
use pyc_ast::ConstValue;
use pyc_marshal::{CodeFields, GraphBuilder, NodeId, PyInt, PyStr};

/// `all_name_chars`: ASCII letters, digits and underscores only.
fn all_name_chars(s: &pyc_ast::PyStr) -> bool {
    s.as_str()
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// Identity key of an object in the module's constant cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Const(pyc_flowgraph::ConstKey),
    Bytes(Vec<u8>),
    Tuple(Vec<NodeId>),
}

struct ObjectBuilder<'a> {
    b: GraphBuilder,
    cache: HashMap<Key, NodeId>,
    /// The code objects built so far, by unit index.
    codes: Vec<NodeId>,
    /// Non-ASCII identifiers used as constants (interned by the parser).
    identifiers: &'a std::collections::BTreeSet<String>,
}

impl ObjectBuilder<'_> {
    fn marshal_str(s: &pyc_ast::PyStr) -> Result<PyStr, String> {
        PyStr::from_surrogatepass_utf8(s.as_surrogatepass_bytes()).map_err(|e| format!("{e:?}"))
    }

    /// A constant, merged through the module's constant cache.
    fn constant(&mut self, v: &ConstValue) -> Result<NodeId, String> {
        if pyc_flowgraph::is_nan(v) {
            // A NaN constant's key equals only itself: never merged.
            return self.fresh_constant(v);
        }
        let key = Key::Const(pyc_flowgraph::ConstKey::new(v));
        if let Some(&id) = self.cache.get(&key) {
            return Ok(id);
        }
        let id = match v {
            ConstValue::None => self.b.none(),
            ConstValue::Bool(x) => self.b.bool(*x),
            ConstValue::Ellipsis => self.b.ellipsis(),
            ConstValue::Int(i) => match i.as_i64() {
                Some(n) => self.b.int(n),
                None => self.b.int(PyInt::from(i.to_bigint())),
            },
            ConstValue::Float(f) => self.b.float(*f),
            ConstValue::Complex { real, imag } => self.b.complex(*real, *imag),
            ConstValue::Str(s) => {
                let ms = Self::marshal_str(s)?;
                if all_name_chars(s) || s.as_str().is_some_and(|t| self.identifiers.contains(t)) {
                    self.b.interned(ms)
                } else {
                    self.b.str(ms)
                }
            }
            ConstValue::Bytes(bytes) => self.b.bytes(bytes.clone()),
            ConstValue::Tuple(items) => {
                // Tuples share one cache with co_consts / co_names tuples: CPython
                // merges them all through `_PyCode_ConstantKey`.
                let items = items
                    .iter()
                    .map(|x| self.constant(x))
                    .collect::<Result<Vec<_>, _>>()?;
                return Ok(self.merged_tuple(items));
            }
            ConstValue::FrozenSet(items) => {
                let items = items
                    .iter()
                    .map(|x| self.constant(x))
                    .collect::<Result<Vec<_>, _>>()?;
                self.b.frozenset(items)
            }
            ConstValue::Code(i) => {
                // Code objects are never merged: each unit is its own object.
                return self
                    .codes
                    .get(*i as usize)
                    .copied()
                    .ok_or_else(|| format!("code constant #{i} used before it was built"));
            }
            ConstValue::Slice(parts) => {
                // const_cache_insert does not recurse into slices: their items are the
                // parser's objects, not the cached constants.
                let start = self.fresh_constant(&parts[0])?;
                let stop = self.fresh_constant(&parts[1])?;
                let step = self.fresh_constant(&parts[2])?;
                self.b.slice(start, stop, step)
            }
        };
        self.cache.insert(key, id);
        Ok(id)
    }

    /// A constant that bypasses the constant cache (a new object unless the value is an
    /// immortal singleton or an interned string).
    fn fresh_constant(&mut self, v: &ConstValue) -> Result<NodeId, String> {
        Ok(match v {
            ConstValue::Int(i) => match i.as_i64() {
                Some(n) => self.b.int(n),
                None => self.b.int(PyInt::from(i.to_bigint())),
            },
            ConstValue::Float(f) => self.b.float(*f),
            ConstValue::Complex { real, imag } => self.b.complex(*real, *imag),
            ConstValue::Bytes(bytes) => self.b.bytes(bytes.clone()),
            ConstValue::Str(s) if !all_name_chars(s) => self.b.str(Self::marshal_str(s)?),
            other => self.constant(other)?,
        })
    }

    /// A tuple of interned names (`co_names`, `co_localsplusnames`), merged through
    /// the constant cache (`_PyCompile_ConstCacheMergeOne`).
    fn name_tuple(&mut self, names: &[String]) -> NodeId {
        let items: Vec<NodeId> = names.iter().map(|n| self.b.interned(n.as_str())).collect();
        self.merged_tuple(items)
    }

    fn merged_tuple(&mut self, items: Vec<NodeId>) -> NodeId {
        if items.is_empty() {
            return self.b.tuple(items);
        }
        let key = Key::Tuple(items.clone());
        if let Some(&id) = self.cache.get(&key) {
            return id;
        }
        let id = self.b.tuple(items);
        self.cache.insert(key, id);
        id
    }

    /// `co_linetable` / `co_exceptiontable`: merged bytes.
    fn merged_bytes(&mut self, bytes: &[u8]) -> NodeId {
        if bytes.is_empty() {
            return self.b.empty_bytes();
        }
        let key = Key::Bytes(bytes.to_vec());
        if let Some(&id) = self.cache.get(&key) {
            return id;
        }
        let id = self.b.bytes_buffer(bytes.to_vec());
        self.cache.insert(key, id);
        id
    }

    fn code(&mut self, co: &AssembledCode, renamed_format: bool) -> Result<NodeId, String> {
        let consts = co
            .consts
            .iter()
            .map(|c| self.constant(c))
            .collect::<Result<Vec<_>, _>>()?;
        let consts = self.merged_tuple(consts);
        let names = self.name_tuple(&co.names);
        let localsplusnames = if renamed_format {
            // codegen_leave_annotations_scope builds a fresh tuple after the code
            // object was made, so it is not merged through the constant cache.
            let items: Vec<NodeId> = co
                .localsplusnames
                .iter()
                .map(|n| self.b.interned(n.as_str()))
                .collect();
            self.b.tuple(items)
        } else {
            self.name_tuple(&co.localsplusnames)
        };
        let localspluskinds = self.b.bytes_buffer(co.localspluskinds.clone());
        let code = self.b.bytes_buffer(co.code.clone());
        let filename = self.b.interned(co.filename.as_str());
        let name = self.b.interned(co.name.as_str());
        let qualname = self.b.interned(co.qualname.as_str());
        let linetable = self.merged_bytes(&co.linetable);
        let exceptiontable = self.merged_bytes(&co.exceptiontable);
        let fields = CodeFields {
            argcount: co.argcount as i32,
            posonlyargcount: co.posonlyargcount as i32,
            kwonlyargcount: co.kwonlyargcount as i32,
            stacksize: co.stacksize,
            flags: co.flags as i32,
            code,
            consts,
            names,
            localsplusnames,
            localspluskinds,
            filename,
            name,
            qualname,
            firstlineno: co.firstlineno,
            linetable,
            exceptiontable,
        };
        Ok(self.b.code(fields))
    }
}

/// `marshal.dumps(code)` for a module whose caller holds the code object. `codes` are
/// all units, children before parents, the module last; the flag marks `__annotate__`
/// units whose first local was renamed.
pub(crate) fn marshal_module(
    codes: &[(AssembledCode, bool)],
    identifiers: &std::collections::BTreeSet<String>,
) -> Result<Vec<u8>, String> {
    let mut ob = ObjectBuilder {
        identifiers,
        b: GraphBuilder::new(),
        cache: HashMap::new(),
        codes: Vec::with_capacity(codes.len()),
    };
    let mut root = None;
    for (co, renamed) in codes {
        let id = ob.code(co, *renamed)?;
        ob.codes.push(id);
        root = Some(id);
    }
    let root = root.ok_or("no code object")?;
    let mut graph = ob.b.finish();
    graph[root].extra_refs += 1;
    pyc_marshal::write(&graph, root).map_err(|e| e.to_string())
}
