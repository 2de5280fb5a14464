# signature: reject:ours SyntaxError: unterminated string literal (detected at line N) | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: unterminated string literal (detected at line 5) (line 5, offset 2); CPython rejected: SyntaxError: invalid syntax (line 3, offset 12)
__email__l paths, nested finally
        try:
 "seojiwon at gma     il  