# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython SyntaxError: invalid syntax. Perhaps you forgot a comma?
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 8) (line 8, offset 78); CPython rejected: SyntaxError: invalid syntax. Perhaps you forgot a comma? (line 5, offset 41)
class RelativeImports:
            create.append('{0}.pkg{1}.__init__'.format(
                            create[-1][:-len"""Test compiler changes for unary ops (+, -, ~) introduced in Python 2.2"""
        self.asse('.__init__')], count))
  /134100
if __name__ == "__main_         __import__(f"{loooong}.c", {"__package__": "a"}, level=1)
