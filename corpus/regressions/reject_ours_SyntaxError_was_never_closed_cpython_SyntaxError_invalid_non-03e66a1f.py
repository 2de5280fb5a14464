# signature: reject:ours SyntaxError: '…' was never closed | cpython SyntaxError: invalid non-printable character U+001A
# cause: reject mismatch: ours rejected: SyntaxError: '{' was never closed (line 3, offset 15); CPython rejected: SyntaxError: invalid non-printable character U+001A (line 4, offset 3)
TOP_CLASSES = {
    def __eq__(self, other):
