//! The raw symbol flags of `Include/internal/pycore_symtable.h`, with CPython's exact bit values.
//!
//! A symbol's flags word holds the `DEF_*`/`USE` bits in its low 12 bits and, after the analysis
//! pass, its resolved scope (`LOCAL` … `CELL`) in bits 12–15 (`flags >> SCOPE_OFFSET & SCOPE_MASK`).
//! These are the integers `_symtable` exposes in `table.symbols`.

/// `DEF_GLOBAL`: `global` statement.
pub const DEF_GLOBAL: u32 = 1;
/// `DEF_LOCAL`: assignment in code block.
pub const DEF_LOCAL: u32 = 2;
/// `DEF_PARAM`: formal parameter.
pub const DEF_PARAM: u32 = 2 << 1;
/// `DEF_NONLOCAL`: `nonlocal` statement.
pub const DEF_NONLOCAL: u32 = 2 << 2;
/// `USE`: name is used.
pub const USE: u32 = 2 << 3;
/// `DEF_FREE_CLASS`: free variable from a class's method.
pub const DEF_FREE_CLASS: u32 = 2 << 5;
/// `DEF_IMPORT`: assignment occurred via import.
pub const DEF_IMPORT: u32 = 2 << 6;
/// `DEF_ANNOT`: this name is annotated.
pub const DEF_ANNOT: u32 = 2 << 7;
/// `DEF_COMP_ITER`: this name is a comprehension iteration variable.
pub const DEF_COMP_ITER: u32 = 2 << 8;
/// `DEF_TYPE_PARAM`: this name is a type parameter.
pub const DEF_TYPE_PARAM: u32 = 2 << 9;
/// `DEF_COMP_CELL`: this name is a cell in an inlined comprehension.
pub const DEF_COMP_CELL: u32 = 2 << 10;

/// `DEF_BOUND`.
pub const DEF_BOUND: u32 = DEF_LOCAL | DEF_PARAM | DEF_IMPORT;

/// `SCOPE_OFFSET`: the scope is stored at bits 12 and up.
pub const SCOPE_OFFSET: u32 = 12;
/// `SCOPE_MASK`.
pub const SCOPE_MASK: u32 = DEF_GLOBAL | DEF_LOCAL | DEF_PARAM | DEF_NONLOCAL;
/// The mask of the flag bits below the scope (`(1 << SCOPE_OFFSET) - 1`).
pub const FLAGS_MASK: u32 = (1 << SCOPE_OFFSET) - 1;

/// Scope `LOCAL`.
pub const LOCAL: u32 = 1;
/// Scope `GLOBAL_EXPLICIT`.
pub const GLOBAL_EXPLICIT: u32 = 2;
/// Scope `GLOBAL_IMPLICIT`.
pub const GLOBAL_IMPLICIT: u32 = 3;
/// Scope `FREE`.
pub const FREE: u32 = 4;
/// Scope `CELL`.
pub const CELL: u32 = 5;

/// `SYMBOL_TO_SCOPE(S)`: the scope bits of a flags word (0 when not analyzed).
pub const fn symbol_to_scope(flags: u32) -> u32 {
    (flags >> SCOPE_OFFSET) & SCOPE_MASK
}

/// `CO_FUTURE_BARRY_AS_BDFL` (`from __future__ import barry_as_FLUFL`).
pub const CO_FUTURE_BARRY_AS_BDFL: u32 = 0x40_0000;
/// `CO_FUTURE_ANNOTATIONS` (`from __future__ import annotations`).
pub const CO_FUTURE_ANNOTATIONS: u32 = 0x100_0000;
/// `PyCF_ALLOW_TOP_LEVEL_AWAIT` (a compile flag CPython merges into `ff_features`).
pub const PYCF_ALLOW_TOP_LEVEL_AWAIT: u32 = 0x2000;
