# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython IndentationError: expected an indented block after function definition on line N
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 7) (line 7, offset 24); CPython rejected: IndentationError: expected an indented block after function definition on line 4 (line 5, offset 5)
class StraceResult:
    def sections(self):
    """Filter out memory allocation calls from File I/O calls.
    other calls."""
   s", "requires_strace",
