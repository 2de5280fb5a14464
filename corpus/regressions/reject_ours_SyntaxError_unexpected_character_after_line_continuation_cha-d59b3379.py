# signature: reject:ours SyntaxError: unexpected character after line continuation character | cpython SyntaxError: invalid non-printable character U+N
# cause: reject mismatch: ours rejected: SyntaxError: unexpected character after line continuation character (line 5, offset 11); CPython rejected: SyntaxError: invalid non-printable character U+0016 (line 4, offset 4)
decoding_table = (
   '\x90'     #  0x90 -> <control>
    't  '\u0e58'   #  0xF8 -> THAI DIGIT EIGHT
