# signature: reject:ours SyntaxError: unexpected character after line continuation character | cpython SyntaxError: invalid syntax. Perhaps you forgot a comma?
# cause: reject mismatch: ours rejected: SyntaxError: unexpected character after line continuation character (line 4, offset 81); CPython rejected: SyntaxError: invalid syntax. Perhaps you forgot a comma? (line 4, offset 45)
class NTURL2PathTest(unittest.TestCase):
        self.assertEqual(fn("////C/test/"), '\\\\C\\tn('C:/path/to/file/'), 'C:\\path\\to\\file\\')
