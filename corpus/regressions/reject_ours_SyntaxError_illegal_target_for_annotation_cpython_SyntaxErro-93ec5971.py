# signature: reject:ours SyntaxError: illegal target for annotation | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: illegal target for annotation (line 10, offset 13); CPython rejected: SyntaxError: invalid syntax (line 10, offset 34)
class TestBase(unittest.TestCase):
        class C:
                try:
                    super().__init__
                except RuntimeError:
                    pass  #  happens if __class__ is replaced with non-type
        def access():
            cell.cell_contnge(20):
