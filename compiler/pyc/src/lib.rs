//! `.pyc` files as CPython 3.14 writes them: the 16-byte header (magic 3627 and the
//! PEP 552 invalidation modes), the SipHash-1-3 source hash, the PEP 3147/488
//! `__pycache__` path, and atomic writes.
//!
//! Where each piece comes from (CPython 3.14.10, checked against the oracle by the
//! tests in `tests/`):
//!
//! | here | CPython |
//! |---|---|
//! | [`MAGIC`], [`MAGIC_TOKEN`] | `Include/internal/pycore_magic_number.h` (`PYC_MAGIC_NUMBER`, `PYC_MAGIC_NUMBER_TOKEN`); `importlib.util.MAGIC_NUMBER`, `_imp.pyc_magic_number_token` |
//! | [`PycHeader::to_bytes`] | `Lib/importlib/_bootstrap_external.py`: `_code_to_timestamp_pyc`, `_code_to_hash_pyc` |
//! | [`PycHeader::parse`] | `Lib/importlib/_bootstrap_external.py`: `_classify_pyc` |
//! | [`mtime_field`], [`size_field`] | `_pack_uint32(int(st.st_mtime))`, `_pack_uint32(st.st_size)` via `SourceFileLoader.path_stats`; `st_mtime` is `sec + nsec * 1e-9` (`Modules/posixmodule.c`, `fill_time`) |
//! | [`source_hash`] | `Python/import.c` `_imp_source_hash_impl` → `Python/pyhash.c` `_Py_KeyedHash` |
//! | [`cache_path`] | `importlib.util.cache_from_source` (`sys.pycache_prefix` unset) |
//! | [`write_pyc_atomic`], [`source_file_mode`] | `_bootstrap_external._write_atomic`, `_calc_mode`, `SourceFileLoader.set_data`, `py_compile.compile` |
//! | [`InvalidationMode::from_env`] | `py_compile._get_default_invalidation_mode` |

mod cache;
mod hash;
mod header;
mod write;

pub use cache::{CACHE_TAG, cache_path};
pub use hash::{source_hash, source_hash_with_key};
pub use header::{
    HEADER_LEN, HeaderError, InvalidationMode, MAGIC, MAGIC_NUMBER, MAGIC_TOKEN, PycHeader,
    build_pyc, mtime_field, pyc_body, size_field,
};
pub use write::{
    DEFAULT_PYC_MODE, WriteError, WriteStep, source_file_mode, write_pyc_atomic,
    write_pyc_atomic_with_mode,
};
