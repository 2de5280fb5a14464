# signature: reject:ours SyntaxError: (unicode error) '…' codec can't decode bytes: malformed escape | cpython SyntaxError: unterminated string literal (detected at line N)
# cause: reject mismatch: ours rejected: SyntaxError: (unicode error) 'unicodeescape' codec can't decode bytes: malformed escape (line 3, offset 13); CPython rejected: SyntaxError: unterminated string literal (detected at line 6) (line 6, offset 51)
ENCSAMPLE = b"""\
\xe0\xe1\xe2\x\xee34\xe5\xe6\xe7
"""
__all__ = ["rgb_to_yiq","yiq_to_rgb","rgb_to_hls","hls_to_
