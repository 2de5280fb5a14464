# signature: reject:ours SyntaxError: f-string: expecting '…' | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: SyntaxError: f-string: expecting '}' (line 6, offset 41); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 5, offset 13)
class StubClass:
        self.__stub_kwargs = kwargs
   kwargstr:
        return f"{self.__class__.__     Stub.__name__ = name
