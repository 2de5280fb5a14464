# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: cannot use name as import target
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 3, offset 54); CPython rejected: SyntaxError: cannot use name as import target (line 3, offset 45)
from test.test_asyncio import functional as func_tes this_dir = os.path.dirname(__file__)
