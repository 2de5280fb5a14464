# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython SyntaxError: expected '…'
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 6) (line 6, offset 64); CPython rejected: SyntaxError: expected '(' (line 4, offset 22)
class OpListTests(unittest.TestCase):
    def test_opmfrom test.test_json import PyTest, CTest
                    common = stack_effect(code, 0)
                self.assertRaises(ValueError, stack_effect, cor'][sn], int)
