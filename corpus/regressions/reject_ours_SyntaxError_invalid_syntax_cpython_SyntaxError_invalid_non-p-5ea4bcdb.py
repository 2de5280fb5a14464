# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+001A
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 3, offset 1); CPython rejected: SyntaxError: invalid non-printable character U+001A (line 3, offset 1)
   '._5j',
