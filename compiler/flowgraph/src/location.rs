//! Source locations (`_Py_SourceLocation`, Include/internal/pycore_compile.h).

/// The location of an instruction: CPython's `_Py_SourceLocation`.
///
/// Lines are 1-based, columns 0-based UTF-8 byte offsets; `-1` means "none".
/// Field order is CPython's struct order (`lineno, end_lineno, col_offset,
/// end_col_offset`), which is also the order of the tuples that
/// `InstructionSequence.get_instructions()` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SrcLocation {
    /// First line.
    pub lineno: i32,
    /// Last line.
    pub end_lineno: i32,
    /// Column of the first character.
    pub col_offset: i32,
    /// Column just past the last character.
    pub end_col_offset: i32,
}

impl SrcLocation {
    /// A location from its four parts, in struct order.
    pub const fn new(lineno: i32, end_lineno: i32, col_offset: i32, end_col_offset: i32) -> Self {
        SrcLocation {
            lineno,
            end_lineno,
            col_offset,
            end_col_offset,
        }
    }

    /// True if the line is unknown (`lineno < 0`).
    pub const fn has_no_line(&self) -> bool {
        self.lineno < 0
    }
}

/// `NO_LOCATION`: an instruction without a location.
pub const NO_LOCATION: SrcLocation = SrcLocation::new(-1, -1, -1, -1);

/// `NEXT_LOCATION`: "the location of the next instruction", resolved by the
/// assembler (`assemble_location_info`); a terminator with it gets
/// [`NO_LOCATION`].
pub const NEXT_LOCATION: SrcLocation = SrcLocation::new(-2, -2, -2, -2);
