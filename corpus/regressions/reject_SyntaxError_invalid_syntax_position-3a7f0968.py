# signature: reject:SyntaxError: invalid syntax:position
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 3, offset 16); CPython rejected: SyntaxError: invalid syntax (line 3, offset 17)
def load_tests(*as(os.path.dirname(__file__), *args)
