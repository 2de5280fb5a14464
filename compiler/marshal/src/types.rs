//! Type codes (marshal.c `TYPE_*`).

/// `'0'`: NULL, the dict terminator.
pub const TYPE_NULL: u8 = b'0';
/// `'N'`: None.
pub const TYPE_NONE: u8 = b'N';
/// `'F'`: False.
pub const TYPE_FALSE: u8 = b'F';
/// `'T'`: True.
pub const TYPE_TRUE: u8 = b'T';
/// `'S'`: StopIteration.
pub const TYPE_STOPITER: u8 = b'S';
/// `'.'`: Ellipsis.
pub const TYPE_ELLIPSIS: u8 = b'.';
/// `'i'`: int in 32 bits.
pub const TYPE_INT: u8 = b'i';
/// `'I'`: int in 64 bits (read only; not generated any more).
pub const TYPE_INT64: u8 = b'I';
/// `'f'`: float as text (version 0-1).
pub const TYPE_FLOAT: u8 = b'f';
/// `'g'`: float as 8 bytes.
pub const TYPE_BINARY_FLOAT: u8 = b'g';
/// `'x'`: complex as text (version 0-1).
pub const TYPE_COMPLEX: u8 = b'x';
/// `'y'`: complex as 2 x 8 bytes.
pub const TYPE_BINARY_COMPLEX: u8 = b'y';
/// `'l'`: int as base-2**15 digits.
pub const TYPE_LONG: u8 = b'l';
/// `'s'`: bytes.
pub const TYPE_STRING: u8 = b's';
/// `'t'`: interned str, UTF-8.
pub const TYPE_INTERNED: u8 = b't';
/// `'r'`: reference to an earlier FLAG_REF'd object.
pub const TYPE_REF: u8 = b'r';
/// `'('`: tuple, 4-byte size.
pub const TYPE_TUPLE: u8 = b'(';
/// `'['`: list.
pub const TYPE_LIST: u8 = b'[';
/// `'{'`: dict.
pub const TYPE_DICT: u8 = b'{';
/// `'c'`: code object.
pub const TYPE_CODE: u8 = b'c';
/// `'u'`: str, UTF-8 (surrogatepass).
pub const TYPE_UNICODE: u8 = b'u';
/// `'?'`: unknown (never valid).
pub const TYPE_UNKNOWN: u8 = b'?';
/// `'<'`: set.
pub const TYPE_SET: u8 = b'<';
/// `'>'`: frozenset.
pub const TYPE_FROZENSET: u8 = b'>';
/// `':'`: slice (version 5).
pub const TYPE_SLICE: u8 = b':';
/// `'a'`: ASCII str, 4-byte size.
pub const TYPE_ASCII: u8 = b'a';
/// `'A'`: interned ASCII str, 4-byte size.
pub const TYPE_ASCII_INTERNED: u8 = b'A';
/// `')'`: tuple, 1-byte size.
pub const TYPE_SMALL_TUPLE: u8 = b')';
/// `'z'`: ASCII str, 1-byte size.
pub const TYPE_SHORT_ASCII: u8 = b'z';
/// `'Z'`: interned ASCII str, 1-byte size.
pub const TYPE_SHORT_ASCII_INTERNED: u8 = b'Z';
/// Bit 7 of a type byte: add the object to the ref table.
pub const FLAG_REF: u8 = 0x80;
