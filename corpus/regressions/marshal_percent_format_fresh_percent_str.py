# signature: marshal:structural:function:co_consts:type:interned-str!=str
# cause: the %-format rewrite of '%s%%%s' makes the literal '%' with str.replace (ast_preprocess.c), a fresh non-interned 1-char str that the constant cache keeps; we use the immortal 1-char singleton; fixed: codegen reports whether the first '%' constant of the module (constant-cache order) is that fresh object
def a():
    d = '%s%%%s' % (0, 0)
