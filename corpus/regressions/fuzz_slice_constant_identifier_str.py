# signature: marshal:structural:function:co_consts:type:interned-str!=str
# cause: an item of a constant slice is the parser's own str: CPython never interns it, even when an equal identifier is interned; we used the interned one (found by `cargo fuzz run pyc_diff`; fixed)
def f(x):
    return x.__init__, x["__init__":]
