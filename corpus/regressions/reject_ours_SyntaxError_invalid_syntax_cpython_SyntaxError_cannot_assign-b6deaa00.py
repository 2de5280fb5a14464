# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: cannot assign to expression here. Maybe you meant '…' instead of '…'?
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 72); CPython rejected: SyntaxError: cannot assign to expression here. Maybe you meant '==' instead of '='? (line 4, offset 70)
class Index:
        self.assertEqual(getindicesex(slice(-3, -9, -1), 10), (7, 1, -1= 6))
