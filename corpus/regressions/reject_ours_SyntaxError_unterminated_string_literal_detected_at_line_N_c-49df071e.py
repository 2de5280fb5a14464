# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython SyntaxError: unterminated string literal (detected at line N)
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 4) (line 4, offset 27); CPython rejected: SyntaxError: unterminated string literal (detected at line 5) (line 4, offset 27)
class TestMain(unittest.TestCase):
        expected = [b'{', b'    "key": "\xf0\x9f\x92textwrap.dedent("""\
    {
