# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+001C
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 64); CPython rejected: SyntaxError: invalid non-printable character U+001C (line 5, offset 165)
def to_tuple(t):
    if t is None or isinstance(t, (str, int, complexlds is None:
        return [to_tuple( k19=-19, k20=-20, k21=-21, k22=-22, k23=-23, k24=-24, k25=-25, k26=-26, k27=-27, k28=-28, k29=-29, k30=-30,         result.append((t.lineno, t.col_offset))
