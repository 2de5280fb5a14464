# signature: reject:ours SyntaxError: unmatched '…' | cpython SyntaxError: invalid non-printable character U+N
# cause: reject mismatch: ours rejected: SyntaxError: unmatched ')' (line 5, offset 49); CPython rejected: SyntaxError: invalid non-printable character U+0003 (line 4, offset 54)
class ExceptionClassTests(unittest.TestCase):
                if issubclass(object_, BaseException):
                    superclasses[-1][1].__name__))
