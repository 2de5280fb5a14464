# signature: reject:ours SyntaxError: unterminated triple-quoted string literal (detected at line N) | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: unterminated triple-quoted string literal (detected at line 6) (line 6, offset 9); CPython rejected: SyntaxError: invalid syntax (line 4, offset 28)
class ResourceReader(metaclass=abc.ABCMeta):
        raise FileNoimport errno
  tempfile
        """Return th"need oes