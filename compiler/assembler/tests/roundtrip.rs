//! Round trips of the table encoders through their decoders.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use pyc_assembler::varint::{
    read_exception_table_item, read_signed_varint, read_varint, write_exception_table_item,
    write_signed_varint, write_varint,
};
use pyc_assembler::{
    ExceptionTableEntry, decode_exception_table, decode_linetable, encode_exception_table,
    encode_linetable,
};
use pyc_flowgraph::{NO_LOCATION, SrcLocation};

/// A location in the domain CPython's assembler accepts (columns >= -1,
/// `end_lineno >= lineno` unless the columns are missing).
fn location() -> impl Strategy<Value = SrcLocation> {
    prop_oneof![
        1 => Just(NO_LOCATION),
        1 => (-5i32..0, any::<i32>(), any::<i32>(), any::<i32>()).prop_map(|(l, a, b, c)| SrcLocation::new(l, a, b, c)),
        2 => (1i32..2000, prop_oneof![Just(-1i32), 0i32..3]).prop_map(|(l, e)| {
            SrcLocation::new(l, if e < 0 { -1 } else { l + e }, -1, -1)
        }),
        8 => (1i32..100_000, 0i32..5, -1i32..300, -1i32..300).prop_map(|(l, de, c, ec)| {
            SrcLocation::new(l, l + de, c, ec)
        }),
        6 => (1i32..20, 0i32..100, 0i32..20).prop_map(|(l, c, w)| SrcLocation::new(l, l, c, c + w)),
    ]
}

/// What `co_positions()` reports for a location.
fn canonical(loc: SrcLocation) -> SrcLocation {
    if loc.lineno < 0 {
        return NO_LOCATION;
    }
    if (loc.col_offset < 0 || loc.end_col_offset < 0)
        && (loc.end_lineno == loc.lineno || loc.end_lineno == -1)
    {
        return SrcLocation::new(loc.lineno, loc.lineno, -1, -1);
    }
    loc
}

proptest! {
    #[test]
    fn varint_round_trip(v in any::<u32>()) {
        let mut out = Vec::new();
        write_varint(&mut out, v);
        prop_assert_eq!(read_varint(&out, 0), Some((v, out.len())));
    }

    #[test]
    fn signed_varint_round_trip(v in (i32::MIN + 1)..=i32::MAX) {
        let mut out = Vec::new();
        write_signed_varint(&mut out, v);
        prop_assert_eq!(read_signed_varint(&out, 0), Some((v, out.len())));
    }

    #[test]
    fn exception_table_item_round_trip(v in 0i64..(1 << 30), first in any::<bool>()) {
        let mut out = Vec::new();
        write_exception_table_item(&mut out, v, if first { 0x80 } else { 0 }).unwrap();
        prop_assert_eq!(read_exception_table_item(&out, 0), Some((v as u32, out.len(), first)));
    }

    #[test]
    fn exception_table_round_trip(
        raw in proptest::collection::vec((0u32..(1 << 29), 1u32..(1 << 20), 0u32..(1 << 29), 0u32..(1 << 28), any::<bool>()), 0..20)
    ) {
        let entries: Vec<ExceptionTableEntry> = raw
            .into_iter()
            .map(|(start, size, target, depth, lasti)| ExceptionTableEntry { start, end: start + size, target, depth, lasti })
            .collect();
        let bytes = encode_exception_table(&entries).unwrap();
        prop_assert_eq!(decode_exception_table(&bytes).unwrap(), entries);
    }

    #[test]
    fn linetable_round_trip(
        runs in proptest::collection::vec((location(), 1usize..40), 0..60),
        firstlineno in 0i32..1000,
    ) {
        let bytes = encode_linetable(&runs, firstlineno);
        let decoded = decode_linetable(&bytes, firstlineno).unwrap();
        let expected: Vec<SrcLocation> = runs
            .iter()
            .flat_map(|&(loc, n)| std::iter::repeat_n(canonical(loc), n))
            .collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64), first in -100i32..100) {
        let _ = decode_linetable(&bytes, first);
        let _ = decode_exception_table(&bytes);
    }
}

#[test]
fn every_location_form_is_used() {
    // (location, units): short, one-line 0/1/2, no-columns, long (line
    // jump, multi-line, big columns), none, and an entry split at 8 units.
    let runs = [
        (SrcLocation::new(1, 1, 4, 9), 1),
        (SrcLocation::new(1, 1, 100, 120), 1),
        (SrcLocation::new(2, 2, 3, 4), 2),
        (SrcLocation::new(4, 4, 0, 127), 1),
        (SrcLocation::new(5, 5, -1, -1), 1),
        (SrcLocation::new(300, 300, 0, 1), 1),
        (SrcLocation::new(301, 305, 2, 3), 1),
        (SrcLocation::new(301, 301, 200, 5000), 1),
        (NO_LOCATION, 3),
        (SrcLocation::new(2, 2, 0, 1), 19),
    ];
    let bytes = encode_linetable(&runs, 1);
    let codes: Vec<u8> = {
        let mut v = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let code = (bytes[i] >> 3) & 15;
            v.push(code);
            i += 1 + match code {
                0..=9 => 1,
                10..=12 => 2,
                13 => read_signed_varint(&bytes, i + 1).unwrap().1 - i - 1,
                14 => {
                    let mut p = i + 1;
                    p = read_signed_varint(&bytes, p).unwrap().1;
                    for _ in 0..3 {
                        p = read_varint(&bytes, p).unwrap().1;
                    }
                    p - i - 1
                }
                _ => 0,
            };
        }
        v
    };
    assert_eq!(codes, vec![0, 10, 11, 12, 13, 14, 14, 14, 15, 14, 0, 0]);
    let decoded = decode_linetable(&bytes, 1).unwrap();
    assert_eq!(decoded.len(), 1 + 1 + 2 + 1 + 1 + 1 + 1 + 1 + 3 + 19);
}
