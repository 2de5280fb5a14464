//! The 16-byte pyc header (PEP 552).

use std::fs::Metadata;

use crate::hash::source_hash;

/// CPython 3.14's bytecode magic number (`PYC_MAGIC_NUMBER` in
/// Include/internal/pycore_magic_number.h).
pub const MAGIC_NUMBER: u16 = 3627;

/// `PYC_MAGIC_NUMBER_TOKEN` / `_imp.pyc_magic_number_token`: the magic number in the
/// low 16 bits, then `'\r'` and `'\n'`.
pub const MAGIC_TOKEN: u32 = MAGIC_NUMBER as u32 | (b'\r' as u32) << 16 | (b'\n' as u32) << 24;

/// The first four bytes of every pyc (`importlib.util.MAGIC_NUMBER`): `2b 0e 0d 0a`.
pub const MAGIC: [u8; 4] = MAGIC_TOKEN.to_le_bytes();

/// Length of the pyc header.
pub const HEADER_LEN: usize = 16;

/// How a pyc is checked against its source (PEP 552; `py_compile.PycInvalidationMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvalidationMode {
    /// Flags 0: source mtime and size.
    Timestamp,
    /// Flags 3: source hash, checked by the import system.
    CheckedHash,
    /// Flags 1: source hash, never checked.
    UncheckedHash,
}

impl InvalidationMode {
    /// The header's flags word (`0b1 | checked << 1` for hash-based pycs).
    pub const fn flags(self) -> u32 {
        match self {
            InvalidationMode::Timestamp => 0,
            InvalidationMode::CheckedHash => 0b11,
            InvalidationMode::UncheckedHash => 0b01,
        }
    }

    /// The mode a flags word stands for, as `_classify_pyc` reads it: `None` when a
    /// bit other than the low two is set. Note that flags 2 (check_source without
    /// hash_based) is accepted by CPython and means a timestamp pyc.
    pub const fn from_flags(flags: u32) -> Option<Self> {
        if flags & !0b11 != 0 {
            None
        } else if flags & 0b1 == 0 {
            Some(InvalidationMode::Timestamp)
        } else if flags & 0b10 != 0 {
            Some(InvalidationMode::CheckedHash)
        } else {
            Some(InvalidationMode::UncheckedHash)
        }
    }

    /// `py_compile`'s default (`_get_default_invalidation_mode`): `CheckedHash` when
    /// the `SOURCE_DATE_EPOCH` environment variable is set and non-empty, else
    /// `Timestamp`.
    pub fn from_env() -> Self {
        match std::env::var_os("SOURCE_DATE_EPOCH") {
            Some(v) if !v.is_empty() => InvalidationMode::CheckedHash,
            _ => InvalidationMode::Timestamp,
        }
    }
}

/// A parsed or to-be-written pyc header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PycHeader {
    /// Flags 0, then `int(st_mtime) & 0xFFFFFFFF` and `st_size & 0xFFFFFFFF`,
    /// both little-endian.
    Timestamp {
        /// Source modification time field (see [`mtime_field`]).
        mtime: u32,
        /// Source size field (see [`size_field`]).
        source_size: u32,
    },
    /// Flags 1 (unchecked) or 3 (checked), then the 8-byte [`source_hash`].
    Hash {
        /// Whether the import system checks the hash (flags 3) or not (flags 1).
        checked: bool,
        /// `importlib.util.source_hash(source)`.
        source_hash: [u8; 8],
    },
}

/// The mtime field of a timestamp pyc for a source whose `stat` gives
/// `st_mtime = sec + nsec * 1e-9` (`struct timespec` parts).
///
/// `py_compile` stores `_pack_uint32(path_stats(file)['mtime'])`, i.e.
/// `int(st.st_mtime) & 0xFFFFFFFF`, and CPython computes the float `st_mtime` as
/// `sec + nsec * 1e-9` in double precision (posixmodule.c `fill_time`). The float
/// rounding is observable: `sec = 1700000000, nsec = 999999999` gives the float
/// `1700000001.0`, so the field is `1700000001`, not `1700000000`. `int()`
/// truncates toward zero, so negative times round up (`-1.5` → `-1` →
/// `0xFFFFFFFF`).
pub fn mtime_field(sec: i64, nsec: i64) -> u32 {
    #[allow(clippy::cast_precision_loss)]
    let st_mtime = sec as f64 + nsec as f64 * 1e-9;
    // `int(float)` then `& 0xFFFFFFFF`: truncate toward zero, keep the low 32 bits
    // of the two's-complement value. (`as i64` saturates far beyond any real time.)
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let field = st_mtime.trunc() as i64 as u32;
    field
}

/// The source size field: `st_size & 0xFFFFFFFF`.
pub const fn size_field(st_size: u64) -> u32 {
    #[allow(clippy::cast_possible_truncation)]
    let field = st_size as u32;
    field
}

impl PycHeader {
    /// A timestamp header from already-computed fields.
    pub const fn timestamp(mtime: u32, source_size: u32) -> Self {
        PycHeader::Timestamp { mtime, source_size }
    }

    /// The timestamp header `py_compile` writes for a source file with this metadata
    /// (see [`mtime_field`] and [`size_field`]).
    #[cfg(unix)]
    pub fn timestamp_for(meta: &Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        PycHeader::Timestamp {
            mtime: mtime_field(meta.mtime(), meta.mtime_nsec()),
            source_size: size_field(meta.size()),
        }
    }

    /// The timestamp header for a source file with this metadata (non-Unix: from
    /// `Metadata::modified`).
    #[cfg(not(unix))]
    pub fn timestamp_for(meta: &Metadata) -> Self {
        let (sec, nsec) = match meta.modified() {
            Ok(t) => match t.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => (
                    i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                    i64::from(d.subsec_nanos()),
                ),
                Err(e) => {
                    let d = e.duration();
                    let nanos = i64::from(d.subsec_nanos());
                    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                    if nanos == 0 {
                        (-secs, 0)
                    } else {
                        (-secs - 1, 1_000_000_000 - nanos)
                    }
                }
            },
            Err(_) => (0, 0),
        };
        PycHeader::Timestamp {
            mtime: mtime_field(sec, nsec),
            source_size: size_field(meta.len()),
        }
    }

    /// A hash-based header for `source` (the exact bytes of the source file).
    pub fn hash(source: &[u8], checked: bool) -> Self {
        PycHeader::Hash {
            checked,
            source_hash: source_hash(source),
        }
    }

    /// The header `py_compile.compile(..., invalidation_mode=mode)` writes for a
    /// source file with these bytes and this metadata.
    pub fn for_source(mode: InvalidationMode, source: &[u8], meta: &Metadata) -> Self {
        match mode {
            InvalidationMode::Timestamp => PycHeader::timestamp_for(meta),
            InvalidationMode::CheckedHash => PycHeader::hash(source, true),
            InvalidationMode::UncheckedHash => PycHeader::hash(source, false),
        }
    }

    /// The invalidation mode.
    pub const fn mode(&self) -> InvalidationMode {
        match self {
            PycHeader::Timestamp { .. } => InvalidationMode::Timestamp,
            PycHeader::Hash { checked: true, .. } => InvalidationMode::CheckedHash,
            PycHeader::Hash { checked: false, .. } => InvalidationMode::UncheckedHash,
        }
    }

    /// The flags word.
    pub const fn flags(&self) -> u32 {
        self.mode().flags()
    }

    /// The 16 header bytes (`_code_to_timestamp_pyc` / `_code_to_hash_pyc` minus the
    /// marshalled code).
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..4].copy_from_slice(&MAGIC);
        out[4..8].copy_from_slice(&self.flags().to_le_bytes());
        match self {
            PycHeader::Timestamp { mtime, source_size } => {
                out[8..12].copy_from_slice(&mtime.to_le_bytes());
                out[12..16].copy_from_slice(&source_size.to_le_bytes());
            }
            PycHeader::Hash { source_hash, .. } => out[8..16].copy_from_slice(source_hash),
        }
        out
    }

    /// Parses the header at the start of `data`, checking in `_classify_pyc`'s
    /// order: magic, then length, then flags. Flags 2 parses as a timestamp header
    /// (as CPython reads it), so re-serialising it gives flags 0.
    pub fn parse(data: &[u8]) -> Result<Self, HeaderError> {
        let magic = data.get(..4).unwrap_or(data);
        if magic != MAGIC {
            return Err(HeaderError::BadMagic {
                found: magic.to_vec(),
            });
        }
        let Some(header) = data.get(..HEADER_LEN) else {
            return Err(HeaderError::TooShort { len: data.len() });
        };
        let word =
            |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
        let flags = word(4);
        let mode =
            InvalidationMode::from_flags(flags).ok_or(HeaderError::InvalidFlags { flags })?;
        Ok(match mode {
            InvalidationMode::Timestamp => PycHeader::Timestamp {
                mtime: word(8),
                source_size: word(12),
            },
            InvalidationMode::CheckedHash | InvalidationMode::UncheckedHash => {
                let mut source_hash = [0u8; 8];
                source_hash.copy_from_slice(&header[8..16]);
                PycHeader::Hash {
                    checked: mode == InvalidationMode::CheckedHash,
                    source_hash,
                }
            }
        })
    }
}

/// Why bytes are not a CPython 3.14 pyc.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The first four bytes are not [`MAGIC`] (fewer than four bytes: all of them).
    #[error("bad magic number {found:02x?} (CPython 3.14 pycs start with 2b 0e 0d 0a)")]
    BadMagic {
        /// The bytes found.
        found: Vec<u8>,
    },
    /// The magic is right but the data ends before byte 16.
    #[error("pyc data is {len} bytes long, shorter than the 16-byte header")]
    TooShort {
        /// Length of the data.
        len: usize,
    },
    /// A flag bit other than `0b11` is set.
    #[error("invalid flags {flags:#x} in pyc header")]
    InvalidFlags {
        /// The flags word.
        flags: u32,
    },
}

/// Splits pyc bytes into the parsed header and the body (the marshalled code object).
pub fn pyc_body(data: &[u8]) -> Result<(PycHeader, &[u8]), HeaderError> {
    let header = PycHeader::parse(data)?;
    Ok((header, &data[HEADER_LEN..]))
}

/// Header bytes followed by the body.
pub fn build_pyc(header: &PycHeader, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&header.to_bytes());
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn magic() {
        assert_eq!(MAGIC, [0x2b, 0x0e, 0x0d, 0x0a]);
        assert_eq!(MAGIC_TOKEN, 0x0a0d_0e2b);
    }

    #[test]
    fn roundtrip_all_modes() {
        let headers = [
            PycHeader::timestamp(0x1234_5678, 99),
            PycHeader::hash(b"x = 1\n", true),
            PycHeader::hash(b"x = 1\n", false),
        ];
        for h in headers {
            let bytes = h.to_bytes();
            assert_eq!(PycHeader::parse(&bytes).unwrap(), h);
            let pyc = build_pyc(&h, b"body");
            let (h2, body) = pyc_body(&pyc).unwrap();
            assert_eq!((h2, body), (h, &b"body"[..]));
        }
        assert_eq!(PycHeader::timestamp(1, 2).to_bytes()[4..8], [0, 0, 0, 0]);
        assert_eq!(PycHeader::hash(b"", true).to_bytes()[4..8], [3, 0, 0, 0]);
        assert_eq!(PycHeader::hash(b"", false).to_bytes()[4..8], [1, 0, 0, 0]);
    }

    #[test]
    fn parse_errors_in_classify_pyc_order() {
        assert_eq!(
            PycHeader::parse(b"ab"),
            Err(HeaderError::BadMagic {
                found: b"ab".to_vec()
            })
        );
        assert_eq!(
            PycHeader::parse(&MAGIC),
            Err(HeaderError::TooShort { len: 4 })
        );
        let mut bytes = PycHeader::timestamp(1, 2).to_bytes();
        bytes[4] = 4;
        assert_eq!(
            PycHeader::parse(&bytes),
            Err(HeaderError::InvalidFlags { flags: 4 })
        );
        bytes[4] = 2;
        assert_eq!(PycHeader::parse(&bytes), Ok(PycHeader::timestamp(1, 2)));
    }

    #[test]
    fn mtime_float_rounding() {
        assert_eq!(mtime_field(1_700_000_000, 999_999_999), 1_700_000_001);
        assert_eq!(mtime_field(1_700_000_000, 999_999_800), 1_700_000_000);
        assert_eq!(mtime_field(1_700_000_000, 500_000_000), 1_700_000_000);
        assert_eq!(mtime_field(-2, 500_000_000), u32::MAX);
        assert_eq!(mtime_field(4_294_967_296, 999_999_999), 1);
        assert_eq!(size_field(0x1_0000_0005), 5);
    }
}
