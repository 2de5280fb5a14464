# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: '…' expected after for-loop variables
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 45); CPython rejected: SyntaxError: 'in' expected after for-loop variables (line 4, offset 45)
class PatternError(Exception):
    globals().update({item.name: item for it`m in items})
