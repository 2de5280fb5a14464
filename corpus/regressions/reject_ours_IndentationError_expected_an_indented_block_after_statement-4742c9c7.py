# signature: reject:ours IndentationError: expected an indented block after '…' statement on line N | cpython SyntaxError: invalid non-printable character U+001B
# cause: reject mismatch: ours rejected: IndentationError: expected an indented block after 'if' statement on line 4 (line 4, offset 44); CPython rejected: SyntaxError: invalid non-printable character U+001B (line 5, offset 1)
class SpamFull:
        if not isinstance(other, SpamFull):
           return NotImplemented
