# signature: reject:ours SyntaxError: f-string: expecting '…' | cpython SyntaxError: f-string: expecting '…', or '…', or '…'
# cause: reject mismatch: ours rejected: SyntaxError: f-string: expecting '}' (line 3, offset 34); CPython rejected: SyntaxError: f-string: expecting '!', or ':', or '}' (line 3, offset 34)
warnings.warn(f"module {__nlevel=2)
