# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: expected '…' or '…' block
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 8, offset 1); CPython rejected: SyntaxError: expected 'except' or 'finally' block (line 8, offset 1)
class C(object):
        """C.__init__.
        """
try:
    import fast_impl as impl
exce"""
        """
