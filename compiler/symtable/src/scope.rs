//! The symbol table's data: [`Scope`] (CPython's `PySTEntryObject`), [`Symbol`], block keys.

use pyc_ast::Location;

use crate::flags;
use crate::fxhash::FxHashMap;

/// The index of a scope in its [`crate::SymbolTable`] (CPython: a `PySTEntryObject *`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(pub(crate) u32);

impl ScopeId {
    /// The index into [`crate::SymbolTable::scopes`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// `_Py_block_ty`; the discriminants are CPython's (`_symtable.TYPE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockType {
    /// `FunctionBlock` (functions, lambdas, comprehensions).
    Function = 0,
    /// `ClassBlock`.
    Class = 1,
    /// `ModuleBlock`.
    Module = 2,
    /// `AnnotationBlock` (PEP 649 `__annotate__`).
    Annotation = 3,
    /// `TypeAliasBlock` (the value of `type X = …`).
    TypeAlias = 4,
    /// `TypeParametersBlock` (the scope around a generic function, class or alias).
    TypeParameters = 5,
    /// `TypeVariableBlock` (a type parameter's bound, constraints or default).
    TypeVariable = 6,
}

impl BlockType {
    /// `_PyST_IsFunctionLike` for a block of this type.
    pub fn is_function_like(self) -> bool {
        matches!(
            self,
            BlockType::Function
                | BlockType::Annotation
                | BlockType::TypeVariable
                | BlockType::TypeAlias
                | BlockType::TypeParameters
        )
    }
}

/// `_Py_comprehension_ty`; the discriminants are CPython's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ComprehensionType {
    /// `NoComprehension`.
    #[default]
    None = 0,
    /// `ListComprehension`.
    List = 1,
    /// `DictComprehension`.
    Dict = 2,
    /// `SetComprehension`.
    Set = 3,
    /// `GeneratorExpression`.
    Generator = 4,
}

/// The resolved scope of a symbol (bits 12–15 of its flags); the discriminants are CPython's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolScope {
    /// `LOCAL`.
    Local = 1,
    /// `GLOBAL_EXPLICIT` (`global` statement).
    GlobalExplicit = 2,
    /// `GLOBAL_IMPLICIT` (global or builtin, or a module/class-level name).
    GlobalImplicit = 3,
    /// `FREE` (bound in an enclosing function scope).
    Free = 4,
    /// `CELL` (local, and free in a nested scope).
    Cell = 5,
}

impl SymbolScope {
    /// The scope of a raw scope value (`SYMBOL_TO_SCOPE`), `None` for 0 (not analyzed).
    pub fn from_raw(scope: u32) -> Option<SymbolScope> {
        match scope {
            flags::LOCAL => Some(SymbolScope::Local),
            flags::GLOBAL_EXPLICIT => Some(SymbolScope::GlobalExplicit),
            flags::GLOBAL_IMPLICIT => Some(SymbolScope::GlobalImplicit),
            flags::FREE => Some(SymbolScope::Free),
            flags::CELL => Some(SymbolScope::Cell),
            _ => None,
        }
    }
}

/// One entry of `ste_symbols`: a (possibly mangled) name and its flags word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The name as stored (mangled where CPython mangles).
    pub name: String,
    /// CPython's flags word: `DEF_*`/`USE` bits plus the scope at [`flags::SCOPE_OFFSET`].
    pub flags: u32,
}

impl Symbol {
    /// `SYMBOL_TO_SCOPE(flags)` as a raw integer (0 before analysis).
    pub fn raw_scope(&self) -> u32 {
        flags::symbol_to_scope(self.flags)
    }

    /// The resolved scope (`None` only for tables that were never analyzed, e.g. the annotation
    /// blocks under `from __future__ import annotations`).
    pub fn scope(&self) -> Option<SymbolScope> {
        SymbolScope::from_raw(self.raw_scope())
    }

    /// Whether every bit of `flag` is set.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag == flag
    }
}

/// `ste_symbols`: an insertion-ordered dict from name to flags (CPython's dict order).
///
/// Symbols recorded by the first pass keep CPython's order exactly. Names added during analysis
/// because they are free in a child (`update_symbols`) come from a `set` in CPython, so their
/// order there follows string hashes; here they are appended in sorted order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolMap {
    entries: Vec<Symbol>,
    index: FxHashMap<String, usize>,
}

impl SymbolMap {
    /// The flags of `name` (`_PyST_GetSymbol`: 0 when absent).
    pub fn flags(&self, name: &str) -> u32 {
        self.get(name).map_or(0, |s| s.flags)
    }

    /// The symbol `name`.
    pub fn get(&self, name: &str) -> Option<&Symbol> {
        self.index.get(name).and_then(|&i| self.entries.get(i))
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The symbols in dict order.
    pub fn iter(&self) -> std::slice::Iter<'_, Symbol> {
        self.entries.iter()
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no symbols.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `PyDict_SetItem`: updates in place, or appends.
    pub(crate) fn set(&mut self, name: &str, flags: u32) {
        match self.index.get(name) {
            Some(&i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.flags = flags;
                }
            }
            None => {
                self.index.insert(name.to_owned(), self.entries.len());
                self.entries.push(Symbol {
                    name: name.to_owned(),
                    flags,
                });
            }
        }
    }

    /// `PyDict_DelItem`.
    pub(crate) fn remove(&mut self, name: &str) {
        if let Some(i) = self.index.remove(name) {
            self.entries.remove(i);
            for e in self.entries.iter().skip(i) {
                if let Some(slot) = self.index.get_mut(&e.name) {
                    *slot -= 1;
                }
            }
        }
    }

    /// A snapshot of `(name, flags)` pairs in order.
    pub(crate) fn snapshot(&self) -> Vec<(String, u32)> {
        self.entries
            .iter()
            .map(|s| (s.name.clone(), s.flags))
            .collect()
    }
}

impl<'a> IntoIterator for &'a SymbolMap {
    type Item = &'a Symbol;
    type IntoIter = std::slice::Iter<'a, Symbol>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// What an entry of `st_blocks` is keyed on (CPython keys on an AST node's address).
///
/// `addr` is the address of the AST node the scope comes from (see [`crate::SymbolTable::lookup`]
/// for the helpers that compute it); the role says which node it is, so that nodes sharing an
/// address (a `Vec`'s buffer and its first element) never collide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKey {
    /// The module (CPython: the `mod_ty`).
    Top,
    /// A `FunctionDef`, `AsyncFunctionDef`, `ClassDef` or `TypeAlias` statement (CPython: `s`).
    Stmt(usize),
    /// A `Lambda` or comprehension expression (CPython: `e`).
    Expr(usize),
    /// The type parameters of a generic function, class or alias (CPython: the `type_params`
    /// sequence); the address is the `Vec<TypeParam>`'s buffer.
    TypeParams(usize),
    /// The annotation scope of a function (CPython: its `arguments_ty`); the address is the
    /// `Arguments` inside the `Box`.
    Arguments(usize),
    /// A type parameter's bound or constraints, and the default of a `TypeVarTuple` or `ParamSpec`
    /// (CPython: the `type_param_ty`).
    TypeParam(usize),
    /// The default of a `TypeVar` (CPython: the `type_param_ty` address + 1).
    TypeVarDefault(usize),
    /// The `__annotate__` scope holding the variable annotations (`x: int`) of a scope (CPython:
    /// that scope's `ste_id` + 1; also in [`Scope::annotation_block`]).
    AnnotationsOf(ScopeId),
}

/// `PySTEntryObject`: one scope (block) of the symbol table.
///
/// Fields are named after CPython's `ste_*` fields.
#[derive(Debug, Clone)]
pub struct Scope {
    /// This scope's index.
    pub id: ScopeId,
    /// `ste_id`: what the scope is keyed on.
    pub key: BlockKey,
    /// `ste_type`.
    pub block_type: BlockType,
    /// `ste_name`: `top`, the function/class/alias/type-parameter name, `lambda`, `genexpr`,
    /// `listcomp`, `setcomp`, `dictcomp`, `__annotate__`.
    pub name: String,
    /// `ste_function_name`: for a function's `__annotate__` block, the function's name.
    pub function_name: Option<String>,
    /// `ste_loc`: the block's source location (`lineno` 0 for the module).
    pub loc: Location,
    /// The lexically enclosing scope in which this one was created (`None` for the module).
    /// Unlike `children`, this is not changed by comprehension inlining.
    pub parent: Option<ScopeId>,
    /// `ste_symbols`.
    pub symbols: SymbolMap,
    /// `ste_varnames`: the parameters, in order (`.0` for comprehensions, `.format` for annotation
    /// and type scopes, `.defaults`/`.kwdefaults` for type-parameter scopes).
    pub varnames: Vec<String>,
    /// `ste_children`, after analysis: the children of inlined comprehensions are spliced in
    /// place of the comprehension (as in CPython).
    pub children: Vec<ScopeId>,
    /// `ste_scope_info`: for a `TypeVariable` block, what it evaluates ("a TypeVar bound", …).
    pub scope_info: Option<&'static str>,
    /// `ste_nested`: inside a function-like scope.
    pub nested: bool,
    /// `ste_generator`.
    pub generator: bool,
    /// `ste_coroutine`.
    pub coroutine: bool,
    /// `ste_annotations_used`: the scope has annotations (a function's `__annotate__` block: the
    /// function has parameter or return annotations).
    pub annotations_used: bool,
    /// `ste_comprehension`.
    pub comprehension: ComprehensionType,
    /// `ste_varargs`.
    pub varargs: bool,
    /// `ste_varkeywords`.
    pub varkeywords: bool,
    /// `ste_returns_value`.
    pub returns_value: bool,
    /// `ste_needs_class_closure`: a class scope needs a `__class__` cell.
    pub needs_class_closure: bool,
    /// `ste_needs_classdict`: a class scope needs a `__classdict__` cell.
    pub needs_classdict: bool,
    /// `ste_comp_inlined`: a comprehension inlined into its parent (PEP 709).
    pub comp_inlined: bool,
    /// `ste_can_see_class_scope`: an annotation/type scope directly inside a class.
    pub can_see_class_scope: bool,
    /// `ste_has_docstring`.
    pub has_docstring: bool,
    /// `ste_method`: a function block created directly in a class block.
    pub method: bool,
    /// `ste_has_conditional_annotations`: module/class needs `__conditional_annotations__`.
    pub has_conditional_annotations: bool,
    /// `ste_annotation_block`: the `__annotate__` scope of this scope's variable annotations.
    pub annotation_block: Option<ScopeId>,
    /// `ste_mangled_names` (shared between a generic class's type-parameter scope and the scopes
    /// inside it, as in CPython); read it with [`crate::SymbolTable::mangled_names`].
    pub mangled_names: Option<MangledNamesId>,
    /// The private (class) name in effect for this scope's names (`st_private` while its body was
    /// visited): the class name for a class scope and everything it contains, and for the
    /// type-parameter scope of a generic class.
    pub private: Option<String>,
}

impl Scope {
    /// `_PyST_IsFunctionLike`.
    pub fn is_function_like(&self) -> bool {
        self.block_type.is_function_like()
    }

    /// `_PyST_GetSymbol`: the flags of `name` (0 when absent).
    pub fn symbol_flags(&self, name: &str) -> u32 {
        self.symbols.flags(name)
    }

    /// `_PyST_GetScope`: the raw scope of `name` (0 when absent).
    pub fn raw_scope(&self, name: &str) -> u32 {
        flags::symbol_to_scope(self.symbols.flags(name))
    }

    /// The resolved scope of `name`.
    pub fn scope_of(&self, name: &str) -> Option<SymbolScope> {
        SymbolScope::from_raw(self.raw_scope(name))
    }
}

/// The index of a shared `ste_mangled_names` set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MangledNamesId(pub(crate) u32);
