# signature: reject:ours SyntaxError: invalid syntax | cpython IndentationError: unexpected indent
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 5, offset 1); CPython rejected: IndentationError: unexpected indent (line 5, offset 12)
class DummyIntegral(int):
    @pro
            self.check_equal_hash(n, F(n))
