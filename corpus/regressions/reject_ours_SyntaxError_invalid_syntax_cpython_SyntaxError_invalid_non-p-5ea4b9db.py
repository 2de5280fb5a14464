# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+001F
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 2); CPython rejected: SyntaxError: invalid non-printable character U+001F (line 4, offset 2)
def c1(m):
   with m:
