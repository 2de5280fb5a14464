//! Private name mangling: `_Py_Mangle`, `_Py_MaybeMangle`, `_Py_IsPrivateName` (symtable.c).
//!
//! CPython indexes code points; every character these functions look at (`_`, `.`) is ASCII, and
//! no byte of a multi-byte UTF-8 sequence is ASCII, so byte tests give the same answers.

use std::borrow::Cow;
use std::collections::BTreeSet;

/// `_Py_Mangle(privateobj, ident)`: `__spam` inside class `_Ham` becomes `_Ham__spam`.
///
/// Not mangled: no class (`private` is `None`), names not starting with `__`, names ending with
/// `__`, dotted names (import paths), and when the class name is only underscores.
pub fn mangle<'a>(private: Option<&str>, ident: &'a str) -> Cow<'a, str> {
    let Some(private) = private else {
        return Cow::Borrowed(ident);
    };
    let b = ident.as_bytes();
    // PyUnicode_READ_CHAR(ident, 1) of a one-character name reads the terminating NUL.
    if b.first() != Some(&b'_') || b.get(1) != Some(&b'_') {
        return Cow::Borrowed(ident);
    }
    // Don't mangle __id__ or names with dots.
    if b.ends_with(b"__") || b.contains(&b'.') {
        return Cow::Borrowed(ident);
    }
    // Strip leading underscores from the class name.
    let stripped = private.trim_start_matches('_');
    if stripped.is_empty() {
        // Don't mangle if the class is just underscores.
        return Cow::Borrowed(ident);
    }
    let mut out = String::with_capacity(1 + stripped.len() + ident.len());
    out.push('_');
    out.push_str(stripped);
    out.push_str(ident);
    Cow::Owned(out)
}

/// `_Py_MaybeMangle(privateobj, ste, name)`: like [`mangle`], except inside the type-parameter
/// scopes of a generic class (`ste_mangled_names` is set), where only the names in that set (the
/// type parameters) are mangled.
pub fn maybe_mangle<'a>(
    private: Option<&str>,
    mangled_names: Option<&BTreeSet<String>>,
    name: &'a str,
) -> Cow<'a, str> {
    if let Some(set) = mangled_names
        && !set.contains(name)
    {
        return Cow::Borrowed(name);
    }
    mangle(private, name)
}

/// `_Py_IsPrivateName(ident)`: at least three characters, starts with `__`, does not end with `__`.
pub fn is_private_name(ident: &str) -> bool {
    let b = ident.as_bytes();
    ident.chars().count() >= 3 && b.starts_with(b"__") && !b.ends_with(b"__")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mangling() {
        assert_eq!(mangle(Some("Ham"), "__spam"), "_Ham__spam");
        assert_eq!(mangle(Some("_Ham"), "__spam"), "_Ham__spam");
        assert_eq!(mangle(Some("__"), "__spam"), "__spam");
        assert_eq!(mangle(Some("Ham"), "__spam__"), "__spam__");
        assert_eq!(mangle(Some("Ham"), "__a.b"), "__a.b");
        assert_eq!(mangle(Some("Ham"), "_spam"), "_spam");
        assert_eq!(mangle(Some("Ham"), "_"), "_");
        assert_eq!(mangle(Some("Ham"), "__"), "__");
        assert_eq!(mangle(Some("Ham"), "___"), "___");
        assert_eq!(mangle(Some("Ham"), "__é"), "_Ham__é");
        assert_eq!(mangle(None, "__spam"), "__spam");
        let set: BTreeSet<String> = ["__T".to_owned()].into();
        assert_eq!(maybe_mangle(Some("K"), Some(&set), "__T"), "_K__T");
        assert_eq!(maybe_mangle(Some("K"), Some(&set), "__U"), "__U");
        assert!(is_private_name("__x"));
        assert!(!is_private_name("__"));
        assert!(!is_private_name("__x__"));
    }
}
