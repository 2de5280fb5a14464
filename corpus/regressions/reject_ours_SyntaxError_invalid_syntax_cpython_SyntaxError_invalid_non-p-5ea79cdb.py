# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+000E
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 44); CPython rejected: SyntaxError: invalid non-printable character U+000E (line 4, offset 44)
class FindSpecTests(abc.FinderTests):
    def test_map_buffersize_on_multiple_iteables(self):
