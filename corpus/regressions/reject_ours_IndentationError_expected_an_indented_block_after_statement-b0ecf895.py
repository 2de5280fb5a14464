# signature: reject:ours IndentationError: expected an indented block after '…' statement on line N | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: IndentationError: expected an indented block after 'try' statement on line 5 (line 5, offset 17); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 6, offset 20)
class TestFail:
        for idx, doc in enumerate(JSONDOCS):
            try:
      lf.loads(doc)
