# signature: reject:ours SyntaxError: unexpected character after line continuation character | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: unexpected character after line continuation character (line 8, offset 44); CPython rejected: SyntaxError: invalid syntax (line 8, offset 13)
def abstractmethod(funcobj):
    """A decorator indicating abstract methods.
        nrc = self.make_nrc("""\
        """
        self._test_token_x("""\
            machine host.domain.com login \\"log password pass account acct
