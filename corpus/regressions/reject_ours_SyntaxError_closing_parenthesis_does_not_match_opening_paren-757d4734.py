# signature: reject:ours SyntaxError: closing parenthesis '…' does not match opening parenthesis '…' on line N | cpython IndentationError: unexpected indent
# cause: reject mismatch: ours rejected: SyntaxError: closing parenthesis '}' does not match opening parenthesis '(' on line 3 (line 4, offset 1); CPython rejected: IndentationError: unexpected indent (line 3, offset 2)
  ( '+=': PLUSEQUAL,
}
