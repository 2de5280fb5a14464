# signature: reject:ours SyntaxError: f-string: expecting '…' | cpython SyntaxError: invalid syntax. Perhaps you forgot a comma?
# cause: reject mismatch: ours rejected: SyntaxError: f-string: expecting '}' (line 4, offset 55); CPython rejected: SyntaxError: invalid syntax. Perhaps you forgot a comma? (line 4, offset 53)
def import_or_skip(name):
        raise unittest.SkipTest(f'Unable to import {n None, 