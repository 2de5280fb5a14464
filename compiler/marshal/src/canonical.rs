//! [`canonical`]: a marshal stream with all identity information removed.

use crate::read::{ReadError, read};
use crate::write::{WriteError, write_canonical};

/// Why [`canonical`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// The input is not a valid stream.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The object cannot be written without refs (nested too deeply once inlined, or
    /// cyclic).
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Re-serialises a version-5 marshal stream with every FLAG_REF cleared and every TYPE_REF
/// replaced by a full copy of its target, so that two streams holding equal values with
/// different object identities (or different refcounts) become equal.
///
/// Set and frozenset items are ordered by *their canonical bytes* (not kept in stream
/// order): CPython orders them by standalone dumps that include FLAG_REF bits, so a
/// refcount difference inside an item could otherwise reorder them. Interning (`Z` vs
/// `z`) is kept: it changes the type code, not just the flag. Trailing bytes after the
/// object are ignored, as `marshal.loads` does.
///
/// Inlining refs can blow up a heavily shared graph exponentially, so the output is
/// limited to 64 times the input plus 64 MiB ([`WriteError::OutputTooLarge`]); real pyc
/// bodies grow by 15% on average and by at most 62% (measured on the corpus).
pub fn canonical(data: &[u8]) -> Result<Vec<u8>, CanonicalError> {
    let (graph, root) = read(data)?;
    let limit = data.len().saturating_mul(64).saturating_add(64 << 20);
    Ok(write_canonical(&graph, root, limit)?)
}
