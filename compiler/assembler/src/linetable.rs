//! co_linetable: the location table (Objects/locations.md), written as
//! `assemble_location_info` (Python/assemble.c) does, and its decoder.
//!
//! Each entry covers 1..=8 code units. First byte: `0x80 | code << 3 |
//! (length - 1)`, where `code` is
//!
//! | code | form | payload |
//! |---|---|---|
//! | 0..=9 | short: same line, column `code*8 + (b>>4)`, width `b & 15` | 1 byte |
//! | 10..=12 | one line, line delta `code - 10` | column byte, end column byte |
//! | 13 | no columns | signed varint line delta |
//! | 14 | long | signed line delta, end-line delta, column + 1, end column + 1 (varints) |
//! | 15 | none (no location) | - |

use pyc_flowgraph::{NO_LOCATION, SrcLocation};

use crate::error::{AssembleError, Result};
use crate::varint::{read_signed_varint, read_varint, write_signed_varint, write_varint};

/// `PY_CODE_LOCATION_INFO_SHORT0`.
pub const LOCATION_SHORT0: u8 = 0;
/// `PY_CODE_LOCATION_INFO_ONE_LINE0`.
pub const LOCATION_ONE_LINE0: u8 = 10;
/// `PY_CODE_LOCATION_INFO_NO_COLUMNS`.
pub const LOCATION_NO_COLUMNS: u8 = 13;
/// `PY_CODE_LOCATION_INFO_LONG`.
pub const LOCATION_LONG: u8 = 14;
/// `PY_CODE_LOCATION_INFO_NONE`.
pub const LOCATION_NONE: u8 = 15;

/// The location part of `struct assembler`.
#[derive(Debug)]
pub struct LineTableWriter {
    out: Vec<u8>,
    /// `a_lineno`: the line of the last entry that set one.
    lineno: i32,
}

impl LineTableWriter {
    /// A writer starting at `firstlineno`.
    pub fn new(firstlineno: i32) -> Self {
        LineTableWriter {
            out: Vec::new(),
            lineno: firstlineno,
        }
    }

    /// The table.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// `write_location_first_byte` (`write_location_entry_start`).
    fn first_byte(&mut self, code: u8, length: usize) {
        self.out.push(0x80 | (code << 3) | ((length - 1) as u8 & 7));
    }

    // CPython: assemble.c write_location_info_short_form
    fn short_form(&mut self, length: usize, column: i32, end_column: i32) {
        let column_low_bits = (column & 7) as u8;
        let column_group = (column >> 3) as u8;
        self.first_byte(LOCATION_SHORT0 + column_group, length);
        self.out
            .push((column_low_bits << 4) | (end_column - column) as u8);
    }

    // CPython: assemble.c write_location_info_oneline_form
    fn oneline_form(&mut self, length: usize, line_delta: i32, column: i32, end_column: i32) {
        self.first_byte(LOCATION_ONE_LINE0 + line_delta as u8, length);
        self.out.push(column as u8);
        self.out.push(end_column as u8);
    }

    // CPython: assemble.c write_location_info_long_form
    fn long_form(&mut self, loc: SrcLocation, length: usize) {
        self.first_byte(LOCATION_LONG, length);
        write_signed_varint(&mut self.out, loc.lineno.wrapping_sub(self.lineno));
        write_varint(
            &mut self.out,
            loc.end_lineno.wrapping_sub(loc.lineno) as u32,
        );
        write_varint(&mut self.out, loc.col_offset.wrapping_add(1) as u32);
        write_varint(&mut self.out, loc.end_col_offset.wrapping_add(1) as u32);
    }

    // CPython: assemble.c write_location_info_none
    fn none(&mut self, length: usize) {
        self.first_byte(LOCATION_NONE, length);
    }

    // CPython: assemble.c write_location_info_no_column
    fn no_column(&mut self, length: usize, line_delta: i32) {
        self.first_byte(LOCATION_NO_COLUMNS, length);
        write_signed_varint(&mut self.out, line_delta);
    }

    // CPython: assemble.c write_location_info_entry
    /// One entry of 1..=8 code units.
    fn entry(&mut self, loc: SrcLocation, isize: usize) {
        if loc.lineno < 0 {
            self.none(isize);
            return;
        }
        let line_delta = loc.lineno.wrapping_sub(self.lineno);
        let column = loc.col_offset;
        let end_column = loc.end_col_offset;
        if column < 0 || end_column < 0 {
            if loc.end_lineno == loc.lineno || loc.end_lineno == -1 {
                self.no_column(isize, line_delta);
                self.lineno = loc.lineno;
                return;
            }
        } else if loc.end_lineno == loc.lineno {
            if line_delta == 0 && column < 80 && end_column - column < 16 && end_column >= column {
                self.short_form(isize, column, end_column);
                return;
            }
            if (0..3).contains(&line_delta) && column < 128 && end_column < 128 {
                self.oneline_form(isize, line_delta, column, end_column);
                self.lineno = loc.lineno;
                return;
            }
        }
        self.long_form(loc, isize);
        self.lineno = loc.lineno;
    }

    // CPython: assemble.c assemble_emit_location
    /// The location of `isize` code units, split into entries of at most 8.
    pub fn emit(&mut self, loc: SrcLocation, mut isize: usize) {
        if isize == 0 {
            return;
        }
        while isize > 8 {
            self.entry(loc, 8);
            isize -= 8;
        }
        self.entry(loc, isize);
    }
}

/// Encodes runs of `(location, code units)` (consecutive equal locations are
/// merged, as `assemble_location_info` does).
pub fn encode_linetable(runs: &[(SrcLocation, usize)], firstlineno: i32) -> Vec<u8> {
    let mut w = LineTableWriter::new(firstlineno);
    let mut loc = NO_LOCATION;
    let mut size = 0;
    for &(l, n) in runs {
        if l != loc {
            w.emit(loc, size);
            loc = l;
            size = 0;
        }
        size += n;
    }
    w.emit(loc, size);
    w.finish()
}

/// Decodes a location table into one location per code unit (the positions
/// `co_positions()` reports; a missing line or column is -1; the no-columns
/// form gives `end_lineno == lineno`).
pub fn decode_linetable(table: &[u8], firstlineno: i32) -> Result<Vec<SrcLocation>> {
    let bad = |offset| AssembleError::Malformed {
        table: "co_linetable",
        offset,
    };
    let mut out = Vec::new();
    let mut line = firstlineno;
    let mut pos = 0;
    while pos < table.len() {
        let start = pos;
        let first = table[pos];
        if first & 0x80 == 0 {
            return Err(bad(pos));
        }
        pos += 1;
        let code = (first >> 3) & 15;
        let length = usize::from(first & 7) + 1;
        let loc = match code {
            LOCATION_NONE => NO_LOCATION,
            LOCATION_LONG => {
                let (dl, p) = read_signed_varint(table, pos).ok_or(bad(start))?;
                let (de, p) = read_varint(table, p).ok_or(bad(start))?;
                let (c, p) = read_varint(table, p).ok_or(bad(start))?;
                let (ec, p) = read_varint(table, p).ok_or(bad(start))?;
                pos = p;
                line = line.wrapping_add(dl);
                SrcLocation::new(
                    line,
                    line.wrapping_add(de as i32),
                    c as i32 - 1,
                    ec as i32 - 1,
                )
            }
            LOCATION_NO_COLUMNS => {
                let (dl, p) = read_signed_varint(table, pos).ok_or(bad(start))?;
                pos = p;
                line = line.wrapping_add(dl);
                SrcLocation::new(line, line, -1, -1)
            }
            10..=12 => {
                let c = *table.get(pos).ok_or(bad(start))?;
                let ec = *table.get(pos + 1).ok_or(bad(start))?;
                pos += 2;
                line = line.wrapping_add(i32::from(code - LOCATION_ONE_LINE0));
                SrcLocation::new(line, line, i32::from(c), i32::from(ec))
            }
            _ => {
                let b = *table.get(pos).ok_or(bad(start))?;
                pos += 1;
                let col = i32::from(code) * 8 + i32::from(b >> 4);
                SrcLocation::new(line, line, col, col + i32::from(b & 15))
            }
        };
        out.extend(std::iter::repeat_n(loc, length));
    }
    Ok(out)
}
