# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid syntax. Maybe you meant '…' or '…' instead of '…'?
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 6, offset 15); CPython rejected: SyntaxError: invalid syntax. Maybe you meant '==' or ':=' instead of '='? (line 6, offset 10)
try:
    from binascii import a2b_qp, b2a_qp
except ImportError:
       @ data = input.read()
