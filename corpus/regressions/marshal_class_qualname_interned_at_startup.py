# signature: marshal:structural:class:co_consts:type:interned-str!=str
# cause: a class body's __qualname__ constant is the unit's qualname object, which init_code (codeobject.c) interns in place as co_qualname unless an equal string is already interned (importlib._bootstrap, frozen and loaded at start-up, defines this nested class); then the constant stays a plain str


class _WeakValueDictionary:
    def __init__(self):
        class KeyedRef:
            __slots__ = "key",

        class NotInterned:
            pass

        return KeyedRef, NotInterned
