# signature: marshal:structural:module:co_consts:type:interned-str!=str
# cause: an identifier-like str inside a constant slice: CPython keeps it a plain (non-interned) str, we intern it; found by `cargo fuzz run pyc_diff`; fixed
x['a_b':]
