# signature: reject:ours SyntaxError: invalid binary literal | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: SyntaxError: invalid binary literal (line 5, offset 5); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 5, offset 34)
def sort_keyed(items):
    items.sort(key=lambda t: (t[1], -t[0]))
   0Bair = (lambda: 0, lambda: 1)
