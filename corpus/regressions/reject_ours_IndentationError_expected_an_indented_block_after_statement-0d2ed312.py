# signature: reject:ours IndentationError: expected an indented block after statement on line N | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: IndentationError: expected an indented block after statement on line 7 (line 7, offset 17); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 8, offset 18)
def f(items):
    for x in items:
        try:
            risky(x)
        finally:
           break
