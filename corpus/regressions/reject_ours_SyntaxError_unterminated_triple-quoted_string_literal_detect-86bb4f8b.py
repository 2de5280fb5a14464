# signature: reject:ours SyntaxError: unterminated triple-quoted string literal (detected at line N) | cpython SyntaxError: invalid non-printable character U+000B
# cause: reject mismatch: ours rejected: SyntaxError: unterminated triple-quoted string literal (detected at line 4) (line 4, offset 5); CPython rejected: SyntaxError: invalid non-printable character U+000B (line 3, offset 9)
def is_(, b):
    """
