# signature: fields:function:co_consts:type:code!=NoneType
# cause: as fuzz_annotated_def_in_finally.py, inside a function: one more `__annotate__` code object in g's co_consts than CPython's; found by `cargo fuzz run pyc_diff`; fixed: the second `__annotate__` is merged like the function (codegen merge_code)
def g():
    try:
        pass
    finally:
        def f(y: T): pass
