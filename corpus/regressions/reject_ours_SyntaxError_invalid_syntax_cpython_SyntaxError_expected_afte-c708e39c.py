# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: expected '…' after '…' expression
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 6, offset 47); CPython rejected: SyntaxError: expected 'else' after 'if' expression (line 6, offset 16)
def parameterize(names, value_groups):
        def wrapped(self):
                    func(self, **params)
        return cand.func() if isinstance(cand,$cls) else cand
