//! The two varint encodings of code objects.
//!
//! * co_linetable (`write_varint` / `write_signed_varint`,
//!   Include/internal/pycore_code.h): little-endian groups of 6 bits, 0x40 =
//!   "more follows"; signed values are zig-zag-like (`(|v| << 1) | sign`).
//! * co_exceptiontable (`assemble_emit_exception_table_item`,
//!   Python/assemble.c): big-endian groups of 6 bits, 0x40 = "more follows",
//!   0x80 marks the first byte of an entry.

use crate::error::{AssembleError, Result};

/// `write_varint`.
pub fn write_varint(out: &mut Vec<u8>, mut val: u32) {
    while val >= 64 {
        out.push(64 | (val & 63) as u8);
        val >>= 6;
    }
    out.push(val as u8);
}

/// `write_signed_varint`.
pub fn write_signed_varint(out: &mut Vec<u8>, val: i32) {
    let uval = if val < 0 {
        (0u32.wrapping_sub(val as u32) << 1) | 1
    } else {
        (val as u32) << 1
    };
    write_varint(out, uval);
}

/// `scan_varint` / `read_varint`: the value and the position after it.
pub fn read_varint(bytes: &[u8], mut pos: usize) -> Option<(u32, usize)> {
    let mut read = *bytes.get(pos)?;
    pos += 1;
    let mut val = u32::from(read & 63);
    let mut shift = 0u32;
    while read & 64 != 0 {
        read = *bytes.get(pos)?;
        pos += 1;
        shift += 6;
        if shift >= 32 {
            return None;
        }
        val |= u32::from(read & 63) << shift;
    }
    Some((val, pos))
}

/// `scan_signed_varint`.
pub fn read_signed_varint(bytes: &[u8], pos: usize) -> Option<(i32, usize)> {
    let (uval, pos) = read_varint(bytes, pos)?;
    let mag = (uval >> 1) as i32;
    Some((if uval & 1 != 0 { -mag } else { mag }, pos))
}

/// `CONTINUATION_BIT` of the exception table.
const CONTINUATION_BIT: u8 = 64;

/// `assemble_emit_exception_table_item`: `value` in `0..2**30`, `msb` is
/// 0x80 for the first item of an entry, else 0.
pub fn write_exception_table_item(out: &mut Vec<u8>, value: i64, msb: u8) -> Result<()> {
    if !(0..(1 << 30)).contains(&value) {
        return Err(AssembleError::ExceptionTableValue(value));
    }
    let value = value as u32;
    let mut msb = msb;
    for shift in [24u32, 18, 12, 6] {
        if value >= 1 << shift {
            out.push(((value >> shift) & 0x3f) as u8 | CONTINUATION_BIT | msb);
            msb = 0;
        }
    }
    out.push((value & 0x3f) as u8 | msb);
    Ok(())
}

/// Reads one exception-table item (dis.py `_parse_varint`): the value, the
/// position after it and whether its first byte had the entry-start bit.
pub fn read_exception_table_item(bytes: &[u8], mut pos: usize) -> Option<(u32, usize, bool)> {
    let mut b = *bytes.get(pos)?;
    let start = b & 0x80 != 0;
    pos += 1;
    let mut val = u32::from(b & 63);
    let mut groups = 1;
    while b & 64 != 0 {
        b = *bytes.get(pos)?;
        pos += 1;
        groups += 1;
        if groups > 6 {
            return None;
        }
        val = (val << 6) | u32::from(b & 63);
    }
    Some((val, pos, start))
}
