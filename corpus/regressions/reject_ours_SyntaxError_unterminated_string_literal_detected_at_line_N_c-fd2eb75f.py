# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython SyntaxError: invalid non-printable character U+N
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 5) (line 5, offset 25); CPython rejected: SyntaxError: invalid non-printable character U+0007 (line 4, offset 28)
class UserStringTest(
        result = self.fixtype(result)
        u += UserString("eggsb)
