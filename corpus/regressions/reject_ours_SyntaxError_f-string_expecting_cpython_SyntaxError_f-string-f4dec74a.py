# signature: reject:ours SyntaxError: f-string: expecting '…' | cpython SyntaxError: f-string: expecting a valid expression after '…'
# cause: reject mismatch: ours rejected: SyntaxError: f-string: expecting '}' (line 4, offset 22); CPython rejected: SyntaxError: f-string: expecting a valid expression after '{' (line 4, offset 12)
async def f(x, y):
    s = f"{await and {(await y)=}"
