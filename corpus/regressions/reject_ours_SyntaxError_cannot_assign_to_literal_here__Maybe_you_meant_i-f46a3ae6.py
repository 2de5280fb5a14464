# signature: reject:ours SyntaxError: cannot assign to literal here. Maybe you meant '…' instead of '…'? | cpython SyntaxError: cannot assign to literal
# cause: reject mismatch: ours rejected: SyntaxError: cannot assign to literal here. Maybe you meant '==' instead of '='? (line 4, offset 12); CPython rejected: SyntaxError: cannot assign to literal (line 4, offset 12)
def outer():
    c274 = 277 = 87
