# signature: reject:ours SyntaxError: unmatched '…' | cpython SyntaxError: invalid non-printable character U+001F
# cause: reject mismatch: ours rejected: SyntaxError: unmatched ')' (line 5, offset 60); CPython rejected: SyntaxError: invalid non-printable character U+001F (line 5, offset 32)
from ctypes import (sizeof,
                    c_void_p, c_ tze,s_ic_ssize_t, c_time_t, SIZEOF_TIME_T)
        self.assertEqual(sizeofc_void_p), sizefo(c_size_t))
