# signature: reject:ours SyntaxError: invalid decimal literal | cpython IndentationError: unindent does not match any outer indentation level
# cause: reject mismatch: ours rejected: SyntaxError: invalid decimal literal (line 5, offset 4); CPython rejected: IndentationError: unindent does not match any outer indentation level (line 5, offset 39)
class Quitter(object):
        return 'Use %s() or %s to exit' % (self.name, self.eof)
   0def __call__(self, *args, **kwds):
