# signature: reject:ours SyntaxError: unterminated triple-quoted string literal (detected at line N) | cpython IndentationError: expected an indented block after '…' statement on line N
# cause: reject mismatch: ours rejected: SyntaxError: unterminated triple-quoted string literal (detected at line 9) (line 9, offset 29); CPython rejected: IndentationError: expected an indented block after 'with' statement on line 5 (line 6, offset 4)
class CProfileTest(ProfileTest):
    def get_expected_output(self):
        with support.catch_unraisable_exception() as cm:
    == __main__.Foo
                """))
        """Check that scripts that reference __main__ see their own namespace
        when being profiled."""
