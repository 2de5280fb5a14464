# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 5) (line 5, offset 2); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 5, offset 22)
def f(items):
        try:
 "           return x
