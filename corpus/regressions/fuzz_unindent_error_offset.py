# signature: reject:IndentationError: unindent does not match any outer indentation level:position
# cause: an unindent to a column no block started at: CPython reports the offset at the end of the line (8 here), our parser just after the indentation (3); found by `cargo fuzz run pyc_source`
if x:
    pass
  y = 1
