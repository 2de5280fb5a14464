# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython IndentationError: unexpected indent
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 3) (line 3, offset 35); CPython rejected: IndentationError: unexpected indent (line 3, offset 8)
        self.assertStdinRoundTrip('\U00100000\U0010fff /, *, b):
