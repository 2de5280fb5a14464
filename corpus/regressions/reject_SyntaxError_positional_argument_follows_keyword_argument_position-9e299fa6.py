# signature: reject:SyntaxError: positional argument follows keyword argument:position
# cause: reject mismatch: ours rejected: SyntaxError: positional argument follows keyword argument (line 6, offset 29); CPython rejected: SyntaxError: positional argument follows keyword argument (line 7, offset 5)
def getregentry():
    return codecs.CodecInfo(
        decode=Codec().decode,
        incrementaleamWriter,
    )
