# signature: reject:ours SyntaxError: unterminated f-string literal (detected at line N) | cpython IndentationError: expected an indented block after '…' statement on line N
# cause: reject mismatch: ours rejected: SyntaxError: unterminated f-string literal (detected at line 5) (line 5, offset 32); CPython rejected: IndentationError: expected an indented block after 'if' statement on line 4 (line 5, offset 13)
class _LoopBoundMixin:
            if self._loop is None:
            raise RuntimeError(f'    with _global_lock:
