# signature: reject:ours SyntaxError: unmatched '…' | cpython SyntaxError: invalid syntax
# cause: two errors in one file: CPython reports the invalid syntax of line 4 first, we the unmatched ')' of line 6 (our tokenizer runs ahead of the parser); found by `cargo fuzz run pyc_source` (a mutated stdlib file, line-minimized)
def f():
    print("f")me__ == "__main__":
        p.start()
       )
