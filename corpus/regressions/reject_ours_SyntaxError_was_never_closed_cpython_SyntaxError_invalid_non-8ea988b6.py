# signature: reject:ours SyntaxError: '…' was never closed | cpython SyntaxError: invalid non-printable character U+N
# cause: reject mismatch: ours rejected: SyntaxError: '(' was never closed (line 9, offset 25); CPython rejected: SyntaxError: invalid non-printable character U+0016 (line 10, offset 1)
class TestBreak(unittest.TestCase):
        for repeat in range(repeats):
                try:
                    test_function()
                finally:
                        self.tearDown()
        self.withRepeats(test_functio

