# signature: reject:ours SyntaxError: unterminated f-string literal (detected at line N) | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: unterminated f-string literal (detected at line 5) (line 5, offset 27); CPython rejected: SyntaxError: invalid syntax (line 4, offset 14)
if MS_WINDOWS:
        case "help":
            print_warning(f'Failed to c           print("Enter SQL code and press enter.")
