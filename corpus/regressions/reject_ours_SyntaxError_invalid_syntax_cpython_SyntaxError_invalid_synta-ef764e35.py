# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid syntax. Is this intended to be part of the string?
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 10, offset 12); CPython rejected: SyntaxError: invalid syntax. Is this intended to be part of the string? (line 10, offset 12)
def _ignore_deprecated_imports(ignore=True):
    """Context manager to suppress package and module deprecation
    """
    if ignore:
            warnings.filterwarnings("ignore", ".+ (module|package)",
                                    DeprecationWarning)
    """'Forget' a module was ever imported.
        """The decorator does not use this doc string"""
    """
