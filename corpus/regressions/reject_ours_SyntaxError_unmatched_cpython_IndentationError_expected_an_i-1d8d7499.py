# signature: reject:ours SyntaxError: unmatched '…' | cpython IndentationError: expected an indented block after '…' statement on line N
# cause: reject mismatch: ours rejected: SyntaxError: unmatched '}' (line 6, offset 5); CPython rejected: IndentationError: expected an indented block after 'try' statement on line 3 (line 4, offset 1)
try:
finally:
    finally:
 'D'})
