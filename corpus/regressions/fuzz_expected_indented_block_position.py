# signature: reject:IndentationError: expected an indented block after '…' statement on line N:position
# cause: a file ending right after `try:`: CPython reports "expected an indented block" at line 3, offset 5 (after the colon), we at offset 1; found by `cargo fuzz run pyc_source` (a mutated stdlib file, where the positions also differed by a line)
try:
