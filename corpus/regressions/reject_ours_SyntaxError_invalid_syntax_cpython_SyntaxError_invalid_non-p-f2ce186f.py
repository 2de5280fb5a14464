# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+N
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 3, offset 43); CPython rejected: SyntaxError: invalid non-printable character U+0010 (line 3, offset 43)
fw = ForwardRef('MyDict', module=__name__)