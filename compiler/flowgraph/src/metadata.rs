//! `_PyCompile_CodeUnitMetadata` (Include/internal/pycore_compile.h).

use std::collections::BTreeMap;

use pyc_ast::ConstValue;

/// An insertion-ordered `dict` of names to indices, as CPython keeps
/// `u_names`, `u_varnames`, `u_cellvars` and `u_freevars`.
///
/// Iteration follows insertion order (`PyDict_Next`), which is what
/// `compute_localsplus_info` and `build_cellfixedoffsets` walk. The index of a
/// name is stored explicitly: in CPython `u_freevars` starts at the number of
/// cell variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameMap {
    entries: Vec<(String, i32)>,
}

impl NameMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names numbered `offset, offset + 1, ...` in order (CPython's
    /// `dictbytype(..., offset)`).
    pub fn with_offset<I, S>(names: I, offset: i32) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut m = NameMap::new();
        for (i, n) in names.into_iter().enumerate() {
            m.entries.push((n.into(), offset + i as i32));
        }
        m
    }

    /// `_PyCompile_DictAddObj`: the index of `name`, adding it with index
    /// `len()` if absent.
    pub fn add(&mut self, name: &str) -> i32 {
        if let Some(i) = self.get(name) {
            return i;
        }
        let i = self.entries.len() as i32;
        self.entries.push((name.to_owned(), i));
        i
    }

    /// Inserts (or overwrites) `name` with an explicit index.
    pub fn insert(&mut self, name: &str, index: i32) {
        match self.entries.iter_mut().find(|(n, _)| n == name) {
            Some(e) => e.1 = index,
            None => self.entries.push((name.to_owned(), index)),
        }
    }

    /// The index of `name`.
    pub fn get(&self, name: &str) -> Option<i32> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, i)| *i)
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(name, index)` in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i32)> {
        self.entries.iter().map(|(n, i)| (n.as_str(), *i))
    }

    /// The names in insertion order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }
}

impl<S: Into<String>> FromIterator<S> for NameMap {
    /// Names numbered from 0 in order.
    fn from_iter<T: IntoIterator<Item = S>>(iter: T) -> Self {
        NameMap::with_offset(iter, 0)
    }
}

/// The metadata of a code unit (`_PyCompile_CodeUnitMetadata`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeUnitMetadata {
    /// `u_name`: the unqualified name.
    pub name: String,
    /// `u_qualname`: the qualified name (`None`: use `name`).
    pub qualname: Option<String>,
    /// `u_consts`, in index order.
    pub consts: Vec<ConstValue>,
    /// `u_names`: all names (co_names).
    pub names: NameMap,
    /// `u_varnames`: local variables (co_varnames).
    pub varnames: NameMap,
    /// `u_cellvars`: cell variables.
    pub cellvars: NameMap,
    /// `u_freevars`: free variables (indices start after the cell variables).
    pub freevars: NameMap,
    /// `u_fasthidden`: locals hidden by inlined comprehensions (a name is
    /// hidden when present, whatever its value).
    pub fasthidden: BTreeMap<String, bool>,
    /// `u_argcount`: positional-or-keyword parameters (not counting
    /// positional-only ones).
    pub argcount: u32,
    /// `u_posonlyargcount`.
    pub posonlyargcount: u32,
    /// `u_kwonlyargcount`.
    pub kwonlyargcount: u32,
    /// `u_firstlineno`.
    pub firstlineno: i32,
}
