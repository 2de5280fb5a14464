# signature: reject:ours IndentationError: expected an indented block after statement on line N | cpython IndentationError: expected an indented block after '…' statement on line N
# cause: reject mismatch: ours rejected: IndentationError: expected an indented block after statement on line 5 (line 6, offset 1); CPython rejected: IndentationError: expected an indented block after 'except' statement on line 5 (line 6, offset 89)
try:
    risky()
except (E0, E1, E2, E3, E4, E5, E6, E7, E8, E9, E10, E11, E12, E13, E14,
        E15, E16, E17, E18, E19, E20, E21, E22, E23, E24, E25, E26, E27, E28, E29) as e:
