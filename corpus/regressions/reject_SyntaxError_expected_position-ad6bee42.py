# signature: reject:SyntaxError: expected '…':position
# cause: reject mismatch: ours rejected: SyntaxError: expected ':' (line 3, offset 28); CPython rejected: SyntaxError: expected ':' (line 3, offset 16)
if _tUpModule  # noqa: F401
