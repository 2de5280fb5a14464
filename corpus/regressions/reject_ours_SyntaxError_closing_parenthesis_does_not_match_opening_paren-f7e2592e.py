# signature: reject:ours SyntaxError: closing parenthesis '…' does not match opening parenthesis '…' | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: SyntaxError: closing parenthesis ']' does not match opening parenthesis '(' (line 5, offset 47); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 5, offset 48)
if sys.byteorder == "little":
                self.assertEqual(len(v), shape[0])
    (aUnion,                    "B",     tuple]
