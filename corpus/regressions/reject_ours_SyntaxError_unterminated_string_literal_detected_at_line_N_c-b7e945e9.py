# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython IndentationError: expected an indented block after '…' statement on line N
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 7) (line 7, offset 52); CPython rejected: IndentationError: expected an indented block after 'for' statement on line 4 (line 5, offset 13)
class A:
            for _ in range(3000):
            x = 0
        thing = Foo()
                foo.__class__ = Bart, ensure we don't create
