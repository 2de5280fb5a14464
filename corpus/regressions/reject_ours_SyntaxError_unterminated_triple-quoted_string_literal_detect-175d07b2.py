# signature: reject:ours SyntaxError: unterminated triple-quoted string literal (detected at line N) | cpython IndentationError: unexpected indent
# cause: reject mismatch: ours rejected: SyntaxError: unterminated triple-quoted string literal (detected at line 3) (line 3, offset 82); CPython rejected: IndentationError: unexpected indent (line 3, offset 8)
        line, o = seelper - support tools for testing correct bytecode generation"""
