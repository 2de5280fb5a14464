# signature: reject:ours SyntaxError: unterminated triple-quoted string literal (detected at line N) | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: SyntaxError: unterminated triple-quoted string literal (detected at line 5) (line 5, offset 9); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 5, offset 12)
class TestFuzzer(unittest.TestCase):
    def test_sample_input_smoke_test(self):
   rash."""
