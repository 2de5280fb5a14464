//! Constant identity: CPython merges equal constants through a module-wide cache
//! keyed by `_PyCode_ConstantKey`, so "same object" means "same key".

use pyc_ast::ConstValue;
pub use pyc_flowgraph::ConstKey;

/// A constant as codegen knows it: a value (literals, and the constant slices 3.14
/// makes of `x[1:2]`), or a nested code object.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// A literal value (possibly a folded tuple or frozenset).
    Value(ConstValue),
    /// A nested code object: index into the module's list of compiled units.
    Code(usize),
}

impl Constant {
    /// The identity under which `_PyCompile_AddConst` merges this constant.
    pub fn key(&self) -> ConstIdentity {
        match self {
            Constant::Value(v) => ConstIdentity::Value(ConstKey::new(v)),
            Constant::Code(i) => ConstIdentity::Code(*i),
        }
    }
}

/// What makes two constants the same object: `_PyCode_ConstantKey` equality for
/// values (the module's constant cache merges those), identity for code objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConstIdentity {
    /// A value, by its constant key.
    Value(ConstKey),
    /// A nested code object, by its unit index.
    Code(usize),
}

impl Constant {
    /// Python's `repr()` (the form the oracle's `stages` request reports).
    pub fn repr(&self) -> String {
        match self {
            Constant::Value(v) => v.repr(),
            Constant::Code(i) => format!("<code #{i}>"),
        }
    }
}
