//! Codegen emits the flowgraph's instruction sequence directly
//! (`pyc_flowgraph::InstrSequence`, CPython's `instruction_sequence.c`); this module
//! only adds the AST-location conversion.

pub use pyc_flowgraph::{Instr, InstrSequence, Label, NO_LOCATION, SrcLocation as Loc};

/// `LOC(node)`: a source location from an AST location.
pub fn loc_of(l: pyc_ast::Location) -> Loc {
    Loc::new(
        l.lineno as i32,
        l.end_lineno as i32,
        l.col_offset as i32,
        l.end_col_offset as i32,
    )
}
