# signature: reject:ours SyntaxError: unterminated t-string literal (detected at line N) | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: unterminated t-string literal (detected at line 4) (line 4, offset 9); CPython rejected: SyntaxError: invalid syntax (line 4, offset 5)
from ctypes import (sizeof,
    def t"est_64(self):
