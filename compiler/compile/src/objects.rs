//! From assembled code objects to a marshal object graph with CPython's object identity.
//!
//! What decides FLAG_REF is *which places hold the same object* (verified on the whole
//! stdlib, see `pyc-marshal`'s docs):
//! * one constant cache per module (`c_const_cache`): equal constants are one object,
//!   and so are equal `co_consts`/`co_names`/`co_localsplusnames` tuples and
//!   `co_linetable`/`co_exceptiontable` bytes, across all code objects;
//! * interning (`intern_strings`, `intern_constants` in codeobject.c): names,
//!   local names, `co_filename`/`co_name`/`co_qualname`, and every str constant made
//!   only of ASCII letters, digits and `_` are interned, i.e. one object per value;
//! * which strings are interned *already* when a code object is created (the worker's
//!   start-up strings, `startup_interned.rs`; the source's identifiers; what earlier code
//!   objects interned): an equal constant is then replaced instead of interned in place,
//!   so a frozenset holding it is rebuilt per code object, and a class body's
//!   `__qualname__` constant stops being `co_qualname` (see [`Interning`]);
//! * immortal singletons: small ints, `()`, `b''`, one-byte bytes constants, `''` and
//!   one-character Latin-1 strings;
//! * `co_localspluskinds` and `co_code` are fresh per code object;
//! * the caller (`py_compile`) holds the top-level code object while dumping.

use std::collections::{HashMap, HashSet};

use pyc_assembler::AssembledCode;
use pyc_ast::ConstValue;
use pyc_marshal::{CodeFields, GraphBuilder, NodeId, PyInt, PyStr, Value};

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
    /// Non-name-character str constants that are identifier objects (codegen's
    /// `identifier_consts`: non-ASCII identifiers, class bodies' `__qualname__`).
    identifier_consts: &'a std::collections::BTreeSet<String>,
    /// Every `'%'` str constant is one fresh non-interned object (see
    /// `pyc_codegen::CodegenOutput::fresh_percent`).
    fresh_percent: bool,
    /// Which strings are interned, and whether the constant cache's strings are.
    interning: Interning,
}

/// The process's interned strings while the module is compiled, as far as they decide
/// object identity: `intern_constants` (codeobject.c) replaces a name-character str
/// constant by an equal interned string when one exists, and otherwise interns the
/// constant itself (in place).
struct Interning {
    /// The source's identifiers: the parser interned them before compilation.
    identifiers: HashSet<String>,
    /// Every string that creating a code object interned so far (names, local names,
    /// filename, name, qualname, constants).
    strings: HashSet<String>,
    /// By value, the fate of the constant cache's name-character str: `true` when that
    /// object is interned (in place, by the first code object that held it), `false`
    /// when an equal string was already interned then, so the cached object stays a
    /// plain str that every code object replaces. Absent: not met by a code object yet.
    cached_is_interned: HashMap<String, bool>,
    /// Frozensets made by `intern_constants`: their strings are the interned ones.
    rebuilt: HashSet<NodeId>,
}

impl Interning {
    fn is_interned(&self, s: &str) -> bool {
        self.strings.contains(s)
            || self.identifiers.contains(s)
            || crate::startup_interned::STARTUP_INTERNED
                .binary_search(&s)
                .is_ok()
    }

    /// `intern_strings` / `_PyUnicode_InternMortal` on a name or a code object's
    /// filename/name/qualname.
    fn intern(&mut self, s: &str) {
        if !self.is_interned(s) {
            self.strings.insert(s.to_owned());
        }
    }

    /// `_PyUnicode_InternMortal` on the constant cache's str `s` (made of name
    /// characters): whether the constant is replaced by a different object.
    fn intern_cached(&mut self, s: &str) -> bool {
        if s.chars().count() < 2 {
            // '' and one-character strings are the interned singletons themselves.
            return false;
        }
        if let Some(&interned) = self.cached_is_interned.get(s) {
            return !interned;
        }
        let replaced = self.is_interned(s);
        if !replaced {
            self.strings.insert(s.to_owned());
        }
        self.cached_is_interned.insert(s.to_owned(), !replaced);
        replaced
    }
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
            ConstValue::Str(s) if self.fresh_percent && s.as_str() == Some("%") => {
                self.b.fresh_str(Self::marshal_str(s)?)
            }
            ConstValue::Str(s) => {
                let ms = Self::marshal_str(s)?;
                if all_name_chars(s) {
                    self.b.interned(ms)
                } else if let Some(t) = s.as_str().filter(|t| self.identifier_consts.contains(*t)) {
                    if self.interning.identifiers.contains(t) || !self.interning.is_interned(t) {
                        // An identifier object, or a class body's `__qualname__`: the
                        // unit's qualname object, which `init_code` interns in place as
                        // `co_qualname`.
                        self.b.interned(ms)
                    } else {
                        // `init_code` replaces `co_qualname` by the equal string already
                        // interned; the constant stays this plain str.
                        self.b.str(ms)
                    }
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
    /// immortal singleton): a NaN, or an item of a constant slice.
    fn fresh_constant(&mut self, v: &ConstValue) -> Result<NodeId, String> {
        Ok(match v {
            ConstValue::Int(i) => match i.as_i64() {
                Some(n) => self.b.int(n),
                None => self.b.int(PyInt::from(i.to_bigint())),
            },
            ConstValue::Float(f) => self.b.float(*f),
            ConstValue::Complex { real, imag } => self.b.complex(*real, *imag),
            ConstValue::Bytes(bytes) => self.b.bytes(bytes.clone()),
            // The parser's own str object: never interned (`intern_constants` does not
            // look into slices), unless it is an immortal one-character singleton.
            ConstValue::Str(s) => self.b.str(Self::marshal_str(s)?),
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

    /// The str made of name characters that `id` is, if it is one.
    fn name_str(&self, id: NodeId) -> Option<String> {
        match self.b.graph().value(id) {
            Value::Str { value, .. } => value
                .as_str()
                .filter(|t| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .map(str::to_owned),
            _ => None,
        }
    }

    /// The items of a tuple or frozenset node.
    fn container_items(&self, id: NodeId) -> Option<(bool, Vec<NodeId>)> {
        match self.b.graph().value(id) {
            Value::Tuple(items) => Some((true, items.clone())),
            Value::FrozenSet(items) => Some((false, items.clone())),
            _ => None,
        }
    }

    /// `intern_constants` on the tuple `tuple` (co_consts or a constant nested in it),
    /// mutating it in place as CPython does; returns its `modified` flag.
    ///
    /// CPython: codeobject.c intern_constants
    fn intern_constants(&mut self, tuple: NodeId) -> bool {
        let Some((true, items)) = self.container_items(tuple) else {
            return false;
        };
        let mut modified = false;
        for (i, &item) in items.iter().enumerate().rev() {
            if let Some(s) = self.name_str(item) {
                modified |= self.interning.intern_cached(&s);
                continue;
            }
            match self.container_items(item) {
                Some((true, _)) => {
                    // Nested tuples are fixed in place; their changes do not count.
                    self.intern_constants(item);
                }
                Some((false, fs_items)) => {
                    if self.interning.rebuilt.contains(&item) {
                        continue;
                    }
                    // PySequence_Tuple, then intern_constants on that tuple.
                    let mut tmp_modified = false;
                    for &x in fs_items.iter().rev() {
                        if let Some(s) = self.name_str(x) {
                            tmp_modified |= self.interning.intern_cached(&s);
                        } else if let Some((true, _)) = self.container_items(x) {
                            self.intern_constants(x);
                        }
                    }
                    if tmp_modified {
                        // A new frozenset of the interned strings, for this tuple only.
                        let new = self.b.frozenset(fs_items);
                        self.interning.rebuilt.insert(new);
                        if let Some(Value::Tuple(t)) =
                            self.b.graph_mut().get_mut(tuple).map(|n| &mut n.value)
                        {
                            t[i] = new;
                        }
                        modified = true;
                    }
                }
                None => {}
            }
        }
        modified
    }

    /// What `_PyCode_New` interns, in its order: names, constants, local names, then
    /// filename, name and qualname (`init_code`).
    ///
    /// CPython: codeobject.c intern_code_constants
    fn intern_code(&mut self, co: &AssembledCode, consts: NodeId) {
        for n in &co.names {
            self.interning.intern(n);
        }
        self.intern_constants(consts);
        for n in &co.localsplusnames {
            self.interning.intern(n);
        }
        self.interning.intern(&co.filename);
        self.interning.intern(&co.name);
        self.interning.intern(&co.qualname);
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
        self.intern_code(co, consts);
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
/// units whose first local was renamed. `source_identifiers` are all the identifiers
/// the parser interned.
pub(crate) fn marshal_module(
    codes: &[(AssembledCode, bool)],
    identifier_consts: &std::collections::BTreeSet<String>,
    fresh_percent: bool,
    source_identifiers: HashSet<String>,
) -> Result<Vec<u8>, String> {
    let mut ob = ObjectBuilder {
        identifier_consts,
        fresh_percent,
        interning: Interning {
            identifiers: source_identifiers,
            strings: HashSet::new(),
            cached_is_interned: HashMap::new(),
            rebuilt: HashSet::new(),
        },
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
