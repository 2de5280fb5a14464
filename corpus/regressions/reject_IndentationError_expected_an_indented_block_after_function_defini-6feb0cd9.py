# signature: reject:IndentationError: expected an indented block after function definition on line N:position
# cause: reject mismatch: ours rejected: IndentationError: expected an indented block after function definition on line 3 (line 4, offset 1); CPython rejected: IndentationError: expected an indented block after function definition on line 3 (line 4, offset 3)
def build(
):
