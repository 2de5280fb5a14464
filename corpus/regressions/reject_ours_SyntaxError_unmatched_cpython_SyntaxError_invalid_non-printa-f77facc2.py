# signature: reject:ours SyntaxError: unmatched '…' | cpython SyntaxError: invalid non-printable character U+000B
# cause: reject mismatch: ours rejected: SyntaxError: unmatched ')' (line 4, offset 25); CPython rejected: SyntaxError: invalid non-printable character U+000B (line 3, offset 1)

            self._princt):
