# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: expression cannot contain assignment, perhaps you meant "…"?
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 49); CPython rejected: SyntaxError: expression cannot contain assignment, perhaps you meant "=="? (line 4, offset 49)
class RefcountTestCase(unittest.TestCase):
        self.assertEqual(sys.getrefcount(func), orig_refcou_Occurred.restype = ctypes.py_object
