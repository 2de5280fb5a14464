# signature: reject:ours SyntaxError: unmatched '…' | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: SyntaxError: unmatched ')' (line 5, offset 20); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 5, offset 27)
if __name__ == "__main__":
    fds = []
   abstractsys.argv) == 1:
