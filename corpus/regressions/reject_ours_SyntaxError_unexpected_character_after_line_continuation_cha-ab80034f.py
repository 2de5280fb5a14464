# signature: reject:ours SyntaxError: unexpected character after line continuation character | cpython IndentationError: expected an indented block after function definition on line N
# cause: reject mismatch: ours rejected: SyntaxError: unexpected character after line continuation character (line 4, offset 21); CPython rejected: IndentationError: expected an indented block after function definition on line 3 (line 4, offset 1)
def concretize(cls):
from typing import \\\\\\\\\\\\\\\\\\\\\\\\\\\\\5555555555555555555555555555555555555555555555555555555555555\\\\\\\\Any, Callable, Tuple
