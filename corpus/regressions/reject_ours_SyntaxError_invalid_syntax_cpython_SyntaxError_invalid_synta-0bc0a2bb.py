# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid syntax. Perhaps you forgot a comma?
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 48); CPython rejected: SyntaxError: invalid syntax. Perhaps you forgot a comma? (line 4, offset 38)
class TestOs(unittest.TestCase):
        test_errors = tuple(range(1, last_err  test_errors = tuple(range(1, last_error + 1))
