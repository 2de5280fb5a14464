# signature: reject:ours SyntaxError: f-string: single '…' is not allowed | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: f-string: single '}' is not allowed (line 5, offset 45); CPython rejected: SyntaxError: invalid syntax (line 4, offset 15)
class _WritelnDecorator(object):
              ! warnings.simplefilter(self.warnings)
            infos.append(f"{t.warn}expectern}NO TESTS RAN{t.reset}")
