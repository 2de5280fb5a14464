# signature: reject:ours SyntaxError: f-string: expecting '…' | cpython SyntaxError: f-string: unmatched '…'
# cause: reject mismatch: ours rejected: SyntaxError: f-string: expecting '}' (line 8, offset 32); CPython rejected: SyntaxError: f-string: unmatched ')' (line 8, offset 32)
class BaseTransport:
    def __init__(self, extra=None):
        """Set the high- and low-water limits for write flow control.
    """
    def _maybe_pause_protocol(self):
                f'high ({highly) be
