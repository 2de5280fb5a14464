# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+001B
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 3, offset 5); CPython rejected: SyntaxError: invalid non-printable character U+001B (line 3, offset 5)
fromtest.libregrtest.main import main
