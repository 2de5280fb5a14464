//! `cargo fuzz run pyc_source`: Raw or mutated source bytes: our compiler never panics and accepts/rejects like CPython.
//! All logic lives in `pyc_parity::fuzzing` (harness/src/fuzzing/).
#![no_main]

mod sanitizer_options;

use pyc_parity::fuzzing::{Target, fuzz_one, init_fuzz_target};

libfuzzer_sys::fuzz_target!(
    init: init_fuzz_target(),
    |data: &[u8]| fuzz_one(Target::PycSource, data)
);
