# signature: reject:ours SyntaxError: invalid syntax | cpython compiled
# cause: our parser rejects a bare `raise` followed by `;` (found by `cargo fuzz run pyc_diff`; the generator avoids it unless the `known_bugs` feature is on)
def f():
    raise; x = 1
