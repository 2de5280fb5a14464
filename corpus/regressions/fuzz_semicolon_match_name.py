# signature: reject:ours SyntaxError: invalid syntax | cpython compiled
# cause: our parser rejects the soft keyword `match` used as a name at the start of a statement after `;` (found by `cargo fuzz run pyc_diff`; the generator avoids it unless the `known_bugs` feature is on)
x = 1; match = 2
