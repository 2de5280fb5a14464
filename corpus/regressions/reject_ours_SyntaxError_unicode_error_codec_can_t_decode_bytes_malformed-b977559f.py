# signature: reject:ours SyntaxError: (unicode error) '…' codec can't decode bytes: malformed escape | cpython SyntaxError: invalid non-printable character U+N
# cause: reject mismatch: ours rejected: SyntaxError: (unicode error) 'unicodeescape' codec can't decode bytes: malformed escape (line 4, offset 37); CPython rejected: SyntaxError: invalid non-printable character U+0010 (line 5, offset 22)
class PEP3131Test(unittest.TestCase):
        self.assertEqual(getattr(T, 'x\U000E0q00'), 4)
            from test.tokenizedata import badsyntax_3131  # noqa: F401
