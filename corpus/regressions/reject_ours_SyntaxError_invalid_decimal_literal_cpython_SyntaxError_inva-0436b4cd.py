# signature: reject:ours SyntaxError: invalid decimal literal | cpython SyntaxError: invalid non-printable character U+N
# cause: reject mismatch: ours rejected: SyntaxError: invalid decimal literal (line 3, offset 11); CPython rejected: SyntaxError: invalid non-printable character U+0004 (line 3, offset 10)
import ct8es
