# signature: reject:ours SyntaxError: invalid decimal literal | cpython SyntaxError: expected '…'
# cause: reject mismatch: ours rejected: SyntaxError: invalid decimal literal (line 9, offset 15); CPython rejected: SyntaxError: expected '(' (line 4, offset 22)
class GlobalTests(unittest.TestCase):
    def test_name_par"""This test case provides support for checking forking and wait behavior.
"""
import warnings
        with contextlib.nullcontext(value) as name_enter_result:
    def test_import_result(self):
        scode=0elf).
