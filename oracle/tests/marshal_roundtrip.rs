//! The `marshal_roundtrip` request against the real oracle, and the refcount rule of
//! its re-dump (documented in PROTOCOL.md), calibrated on hand-made streams.
#![allow(clippy::unwrap_used)]

mod common;

use pyc_oracle::MarshalRoundtrip;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn roundtrip(data_hex: &str, version: u32) -> MarshalRoundtrip {
    common::pool()
        .marshal_roundtrip(&hex(data_hex), version)
        .unwrap()
        .value
}

fn dumps(data_hex: &str) -> (String, Vec<u8>) {
    match roundtrip(data_hex, 5) {
        MarshalRoundtrip::Ok { type_name, dumps } => (type_name, dumps),
        other => panic!("{data_hex}: {other:?}"),
    }
}

#[test]
fn the_root_is_held_twice_and_singly_held_objects_lose_their_flag() {
    // The root: held by the worker's local and by the call's argument (the worker's
    // code loads it with a strong LOAD_FAST), so it is flagged even when the input was
    // not, like the top-level code object under py_compile.
    assert_eq!(
        dumps("67000000000000f83f"),
        ("float".into(), hex("e7000000000000f83f"))
    );
    // A slice whose 1000 and 1.5 were flagged: held once after loading, so they lose
    // FLAG_REF; the root slice keeps it.
    assert_eq!(
        dumps("3ae9e80300004ee7000000000000f83f").1,
        hex("ba69e80300004e67000000000000f83f")
    );
}

#[test]
fn shared_objects_singletons_interned_strings_and_set_items_keep_it() {
    // (x, x) with x a float: flagged once, then a ref (the root tuple takes ref 0).
    let shared = "a902e7000000000000f83f7201000000";
    assert_eq!(dumps(shared), ("tuple".into(), hex(shared)));
    // A list holding 1000 twice.
    let list = "db02000000e9e80300007201000000";
    assert_eq!(dumps(list).1, hex(list));
    // One-byte bytes and interned strings are flagged even when held once.
    assert_eq!(dumps("f30100000078").1, hex("f30100000078"));
    assert_eq!(dumps("da03616263").1, hex("da03616263"));
    // A non-interned str held once is not ('z', no flag).
    let t = "a901fa0a61206c6f6e6720737472";
    assert_eq!(dumps(t).1, hex("a9017a0a61206c6f6e6720737472"));
    // Frozenset items are flagged although each is held once.
    let fs = "be02000000e7000000000000f83ffa0a61206c6f6e6720737472";
    assert_eq!(dumps(fs), ("frozenset".into(), hex(fs)));
}

#[test]
fn errors_are_results() {
    match roundtrip("e700", 5) {
        MarshalRoundtrip::LoadError { exception } => {
            assert_eq!(exception.type_name, "EOFError");
            assert_eq!(exception.message, "marshal data too short");
        }
        other => panic!("truncated data must fail to load: {other:?}"),
    }
    // A slice cannot be written below version 5.
    match roundtrip("3ae9e80300004e4e", 4) {
        MarshalRoundtrip::DumpError {
            type_name,
            exception,
        } => {
            assert_eq!(type_name, "slice");
            assert_eq!(exception.type_name, "ValueError");
            assert_eq!(exception.message, "unmarshallable object");
        }
        other => panic!("a v4 slice must fail to dump: {other:?}"),
    }
}

#[test]
fn fresh_and_fork_server_agree() {
    let data = hex("2902e7000000000000f83f7200000000");
    let a = common::pool().marshal_roundtrip(&data, 5).unwrap().value;
    let b = common::fresh_pool()
        .marshal_roundtrip(&data, 5)
        .unwrap()
        .value;
    assert_eq!(a, b);
}
