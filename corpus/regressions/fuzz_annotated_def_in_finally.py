# signature: fields:module:co_consts:type:code!=NoneType
# cause: a function with annotations defined in a `finally` block (compiled twice by CPython): our module co_consts holds one more `__annotate__` code object than CPython's (4 vs 3 constants); found by `cargo fuzz run pyc_diff`; fixed: the second `__annotate__` is merged like the function (codegen merge_code)
try:
    pass
finally:
    def f(y: T):
        return
