# signature: reject:ours SyntaxError: Generator expression must be parenthesized | cpython SyntaxError: invalid syntax
# cause: reject mismatch: ours rejected: SyntaxError: Generator expression must be parenthesized (line 4, offset 29); CPython rejected: SyntaxError: invalid syntax (line 4, offset 74)
class FakeCoro:
            self.assertTrue(asyncio.iscoroutinefunction(footracking(self):
        async def start():
        self.assertEqual(sys.get_coroutine_origin_tracking_depth(), 0)
