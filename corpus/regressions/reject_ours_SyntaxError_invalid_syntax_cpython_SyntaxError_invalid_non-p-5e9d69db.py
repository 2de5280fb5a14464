# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: invalid non-printable character U+007F
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 4, offset 5); CPython rejected: SyntaxError: invalid non-printable character U+007F (line 4, offset 5)
def setUpModule():
       root = tkinter.Tk()
