# signature: reject:ours SyntaxError: invalid syntax | cpython SyntaxError: expected default value expression
# cause: reject mismatch: ours rejected: SyntaxError: invalid syntax (line 6, offset 30); CPython rejected: SyntaxError: expected default value expression (line 6, offset 29)
class JsonFile:
    def configure_subprocess(self, popen_kwargs: dict[str, Any]) -> None:
                os.set_handle_inheritable(self.file, False)
    def bisect_cmd_args(self=) -> list[str]:
