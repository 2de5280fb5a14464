# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+001E
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 5, offset 17); CPython rejected: SyntaxError: invalid non-printable character U+001E (line 6, offset 21)
class CAPITest(unittest.TestCase):
        match func_def.name:
                x = (~x) + 1
        VOID_P_MAX =-1 & (2 ** (8 * SIZEOF_VOID_P) - 1)
