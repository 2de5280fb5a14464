# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: '…' expected after dictionary key
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 5, offset 6); CPython rejected: SyntaxError: ':' expected after dictionary key (line 5, offset 1)
_capability_names = {
    _curses.KEY_A1: 'ka1',
0    _curses.KEY_F8: 'kf8',
    }
