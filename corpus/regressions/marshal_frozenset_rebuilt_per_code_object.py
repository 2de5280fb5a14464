# signature: marshal:ref-only:function:co_consts:frozenset:extra-flag
# cause: equal frozenset constants are one object in the constant cache, but intern_constants (codeobject.c) rebuilds the frozenset for each code object when one of its strings is replaced by an equal string interned earlier (an interpreter start-up string, an identifier of this source, a name of a code object created before); otherwise the string is interned in place and the frozenset stays shared


def not_interned_1(x):
    return x in {'zq_plain', 'zq_other'}, 'variant 1'


def not_interned_2(x):
    return x in {'zq_plain', 'zq_other'}, 'variant 2'


def startup_strings_1(action):
    return action in {'error', 'always', 'zq_once'}, 'variant 1'


def startup_strings_2(action):
    return action in {'error', 'always', 'zq_once'}, 'variant 2'


def identifier_1(x):
    return x in {'zq_ident', 'zq_other'}, 'variant 1'


def identifier_2(x):
    return x in {'zq_ident', 'zq_other'}, 'variant 2', zq_ident


class Mangled:
    def first(self):
        return self.__zq_private

    def later_1(self, x):
        return x in {'_Mangled__zq_private', 'zq_other'}, 'variant 1'

    def later_2(self, x):
        return x in {'_Mangled__zq_private', 'zq_other'}, 'variant 2'


class MangledLast:
    def early_1(self, x):
        return x in {'_MangledLast__zq_late', 'zq_other'}, 'variant 1'

    def early_2(self, x):
        return x in {'_MangledLast__zq_late', 'zq_other'}, 'variant 2'

    def last(self):
        return self.__zq_late


def direct_constant_first():
    return 'zq_direct'


def direct_1(x):
    return x in {'zq_direct', 'zq_other'}, 'variant 1'


def direct_2(x):
    return x in {'zq_direct', 'zq_other'}, 'variant 2'


def tuple_items_1(x):
    return x in {('error', 'zq_t'), 'zq_other'}, 'variant 1'


def tuple_items_2(x):
    return x in {('error', 'zq_t'), 'zq_other'}, 'variant 2'


def same_consts(x):
    return x in {'__name__', 'zq_other'}


def same_consts_again(y):
    return y in {'__name__', 'zq_other'}


for item in {'zq_loop', '__doc__', 'zq_other'}:
    pass
