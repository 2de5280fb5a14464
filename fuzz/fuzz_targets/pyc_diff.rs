//! `cargo fuzz run pyc_diff`: Generated valid Python 3.14 programs: our compiler's .pyc must equal CPython's.
//! All logic lives in `pyc_parity::fuzzing` (harness/src/fuzzing/).
#![no_main]

mod sanitizer_options;

use pyc_parity::fuzzing::{Target, fuzz_one, init_fuzz_target};

libfuzzer_sys::fuzz_target!(
    init: init_fuzz_target(),
    |data: &[u8]| fuzz_one(Target::PycDiff, data)
);
