# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: expected '…'
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 3, offset 16); CPython rejected: SyntaxError: expected '(' (line 3, offset 16)
def func2skips else, else with return, nested for/else with continue in else
