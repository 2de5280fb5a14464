# signature: reject:ours SyntaxError: unexpected character after line continuation character | cpython SyntaxError: '…' was never closed
# cause: reject mismatch: ours rejected: SyntaxError: unexpected character after line continuation character (line 7, offset 68); CPython rejected: SyntaxError: '(' was never closed (line 6, offset 22)
class TestSimpleInteract(unittest.TestCase):
        class Prompt:
                return self.value
        code = dedent("""\
            result = console.runsource("""print("black" <> 'blue')\n""")
