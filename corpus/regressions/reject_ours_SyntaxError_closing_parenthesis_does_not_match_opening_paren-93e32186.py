# signature: reject:ours SyntaxError: closing parenthesis '…' does not match opening parenthesis '…' on line N | cpython SyntaxError: invalid syntax. Maybe you meant '…' or '…' instead of '…'?
# cause: reject mismatch: ours rejected: SyntaxError: closing parenthesis ')' does not match opening parenthesis '{' on line 7 (line 8, offset 38); CPython rejected: SyntaxError: invalid syntax. Maybe you meant '==' or ':=' instead of '='? (line 4, offset 41)
class TestUnstableCAPI(unittest.TestCase):
        known_immortals = (True, False, Noneimmortal=immortal):
                self.assertTrue(_testcapi.is_immortal(immortal))
            prefixed_lines = '\n'.join(indent + '> ' + line for line in data.splitlines())
        default_args = {
            'capture_output': Truetal):
