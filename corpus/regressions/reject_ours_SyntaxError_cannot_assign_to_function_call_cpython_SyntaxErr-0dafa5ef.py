# signature: reject:ours SyntaxError: cannot assign to function call | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: cannot assign to function call (line 4, offset 13); CPython rejected: SyntaxError: invalid syntax (line 5, offset 12)
def f(x):
        x = x.m0(x2 
),  4      x = x.m1(x, 43)
