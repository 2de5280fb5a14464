//! Default AddressSanitizer options of every fuzz target (the ASan runtime calls this at
//! start-up; `ASAN_OPTIONS` still overrides each of them). Without ASan (`cargo fuzz run
//! -s none`) nothing calls it.
//!
//! * `malloc_context_size=3`: ASan records the stack of every allocation in a depot that
//!   never shrinks. Our compiler is deeply recursive, so nearly every input adds new
//!   stacks: with the default depth (30) a 5-minute `pyc_diff` run grew to 1.7 GB and a
//!   10-minute one would pass libFuzzer's 2 GB `-rss_limit_mb` (measured: 1,248 MB
//!   against 518 MB after the same 5,000 inputs with no allocation stacks).
//! * `quarantine_size_mb=64` (default 256): freed memory kept back to catch use after
//!   free, which the compiler's safe Rust (`unsafe_code = "deny"`) cannot commit.

/// Read by the ASan runtime.
#[unsafe(no_mangle)]
pub extern "C" fn __asan_default_options() -> *const std::ffi::c_char {
    c"malloc_context_size=3:quarantine_size_mb=64".as_ptr()
}
