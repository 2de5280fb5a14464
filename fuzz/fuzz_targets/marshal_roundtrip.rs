//! `cargo fuzz run marshal_roundtrip`: Arbitrary marshal values: our writer and reader against CPython's marshal.
//! All logic lives in `pyc_parity::fuzzing` (harness/src/fuzzing/).
#![no_main]

mod sanitizer_options;

use pyc_parity::fuzzing::{Target, fuzz_one, init_fuzz_target};

libfuzzer_sys::fuzz_target!(
    init: init_fuzz_target(),
    |data: &[u8]| fuzz_one(Target::MarshalRoundtrip, data)
);
