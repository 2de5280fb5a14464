# signature: reject:ours SyntaxError: unexpected character after line continuation character | cpython IndentationError: unexpected indent
# cause: reject mismatch: ours rejected: SyntaxError: unexpected character after line continuation character (line 3, offset 47); CPython rejected: IndentationError: unexpected indent (line 3, offset 4)
    source -- the source string; may contain \n characters
