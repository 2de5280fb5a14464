# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: '…' was never closed
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 14); CPython rejected: SyntaxError: '(' was never closed (line 4, offset 3)
class TestBig5HKSCSMap(multibytecodec_support.TestBase_Mapping,
  ( encoding = 'big5hkscs'
