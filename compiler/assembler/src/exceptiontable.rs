//! co_exceptiontable (InternalDocs/exception_handling.md): one entry per run
//! of instructions with the same handler, each four varints `start`, `size`,
//! `target` (code units) and `depth << 1 | lasti`.

use crate::error::{AssembleError, Result};
use crate::varint::{read_exception_table_item, write_exception_table_item};

/// One entry of the exception table, in code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptionTableEntry {
    /// First covered code unit.
    pub start: u32,
    /// One past the last covered code unit.
    pub end: u32,
    /// The handler's first code unit.
    pub target: u32,
    /// Stack depth to unwind to.
    pub depth: u32,
    /// Whether the offset of the raising instruction is pushed.
    pub lasti: bool,
}

// CPython: assemble.c assemble_emit_exception_table_entry
/// Appends one entry; `depth` is the value stored (already adjusted).
pub fn write_exception_table_entry(out: &mut Vec<u8>, e: &ExceptionTableEntry) -> Result<()> {
    let start = i64::from(e.start);
    let size = i64::from(e.end) - start;
    write_exception_table_item(out, start, 1 << 7)?;
    write_exception_table_item(out, size, 0)?;
    write_exception_table_item(out, i64::from(e.target), 0)?;
    write_exception_table_item(out, (i64::from(e.depth) << 1) | i64::from(e.lasti), 0)?;
    Ok(())
}

/// Encodes entries.
pub fn encode_exception_table(entries: &[ExceptionTableEntry]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries {
        write_exception_table_entry(&mut out, e)?;
    }
    Ok(out)
}

/// Decodes an exception table (dis.py `_parse_exception_table`).
pub fn decode_exception_table(table: &[u8]) -> Result<Vec<ExceptionTableEntry>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < table.len() {
        let bad = AssembleError::Malformed {
            table: "co_exceptiontable",
            offset: pos,
        };
        let (start, p, is_start) = read_exception_table_item(table, pos).ok_or(bad.clone())?;
        if !is_start {
            return Err(bad);
        }
        let (size, p, s1) = read_exception_table_item(table, p).ok_or(bad.clone())?;
        let (target, p, s2) = read_exception_table_item(table, p).ok_or(bad.clone())?;
        let (dl, p, s3) = read_exception_table_item(table, p).ok_or(bad.clone())?;
        if s1 || s2 || s3 {
            return Err(bad);
        }
        out.push(ExceptionTableEntry {
            start,
            end: start.checked_add(size).ok_or(bad)?,
            target,
            depth: dl >> 1,
            lasti: dl & 1 != 0,
        });
        pos = p;
    }
    Ok(out)
}
