# signature: reject:ours SyntaxError: unmatched '…' | cpython IndentationError: unexpected indent
# cause: reject mismatch: ours rejected: SyntaxError: unmatched ')' (line 3, offset 13); CPython rejected: IndentationError: unexpected indent (line 3, offset 12)
            )
