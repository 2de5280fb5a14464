# signature: reject:ours SyntaxError: positional argument follows keyword argument | cpython SyntaxError: invalid syntax. Perhaps you forgot a comma?
# cause: reject mismatch: ours rejected: SyntaxError: positional argument follows keyword argument (line 5, offset 15); CPython rejected: SyntaxError: invalid syntax. Perhaps you forgot a comma? (line 5, offset 9)
class IncrementalDecoder(mbc.MultibyteIncrementalDecoder,
        decode=Codec().decode,
        incre Python Unicode Codec for EUC_JP
    )
