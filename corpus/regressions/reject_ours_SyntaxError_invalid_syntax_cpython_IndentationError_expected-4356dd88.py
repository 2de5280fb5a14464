# signature: reject:ours SyntaxError: invalid syntax | cpython IndentationError: expected an indented block after function definition on line N
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 5, offset 9); CPython rejected: IndentationError: expected an indented block after function definition on line 4 (line 5, offset 9)
class ClassWith__str__:
        def x(expected, args, sep=NotDefined, end=NotDefined):
        ?    # file directed to a StringIO.
