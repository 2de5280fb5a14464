//! Hand-written sources against the oracle, in one oracle process:
//! * every SyntaxError `symtable.c` and `future.c` raise: our message and position must equal
//!   both `_symtable.symtable()`'s and `compile()`'s;
//! * constructs the stdlib does not exercise: the table must equal `_symtable`'s, and every code
//!   object `compile()` makes must be predicted by the table (see `corpus.rs`).
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::Value;

/// Sources that `symtable.c` / `future.c` reject.
const ERRORS: &[&str] = &[
    // global / nonlocal
    "nonlocal x",
    "x = 1\nnonlocal x",
    "def f():\n    nonlocal x",
    "def f(x):\n    global x",
    "def f(x):\n    nonlocal x",
    "def f():\n    x = 1\n    global x",
    "def f():\n    print(x)\n    global x",
    "def f():\n    x: int\n    global x",
    "def f():\n    x = 1\n    nonlocal x",
    "def f():\n    print(x)\n    nonlocal x",
    "def f():\n    x: int\n    nonlocal x",
    "def f():\n    global x\n    x: int = 1",
    "def o():\n    x = 1\n    def f():\n        nonlocal x\n        x: int",
    "def o():\n    x = 1\n    def f():\n        global x\n        nonlocal x",
    "x = 1\nglobal x",
    "class C:\n    x = 1\n    global x",
    "class C:\n    nonlocal x",
    "def f():\n    class C:\n        nonlocal x",
    "def f[T]():\n    def g():\n        nonlocal T",
    "def f():\n    x = 'é'; global y; y = 1; print(z); global z",
    "def f():\n    é = 1\n    global é",
    "def f(a, *, b):\n    global b",
    "def f(**kw):\n    nonlocal kw",
    "async def f():\n    [(x := 1) for y in z]\n    nonlocal x",
    // duplicates
    "def f(a, a): pass",
    "def f(a, *, a): pass",
    "def f(a, /, a): pass",
    "def f(*a, **a): pass",
    "lambda a, a: 0",
    "def f[T, T](): pass",
    "class C[T, *T]: pass",
    "type A[T, **T] = int",
    "class C:\n    def f(self, __a, _C__a): pass",
    // type parameters
    "class C[__classdict__]: pass",
    "def f[__classdict__](): pass",
    "def f[T: int, __classdict__](): pass",
    "type A[*__classdict__] = int",
    // __debug__
    "__debug__ = 1",
    "del __debug__",
    "import __debug__",
    "import a as __debug__",
    "from a import __debug__",
    "from a import b as __debug__",
    "def f(__debug__): pass",
    "def f(*, __debug__): pass",
    "def f(*__debug__): pass",
    "def f(**__debug__): pass",
    "lambda __debug__: 0",
    "f(__debug__=1)",
    "class C(__debug__=1): pass",
    "x.__debug__ = 1",
    "del x.__debug__",
    "for __debug__ in x: pass",
    "with x as __debug__: pass",
    "(__debug__ := 1)",
    "class C:\n    __debug__ = 1",
    "def __debug__(): pass",
    "class __debug__: pass",
    "try:\n    pass\nexcept E as __debug__:\n    pass",
    "match x:\n    case C(__debug__=1): pass",
    "match x:\n    case {**__debug__}: pass",
    "match x:\n    case [*__debug__]: pass",
    "[__debug__ for __debug__ in x]",
    "def f[__debug__](): pass",
    "type __debug__ = int",
    "x: int = 1; __debug__: int = 2",
    // import *
    "def f():\n    from os import *",
    "class C:\n    from os import *",
    "def f():\n    import os, sys\n    from a.b import *",
    // future
    "from __future__ import braces",
    "from __future__ import nope",
    "from __future__ import annotations, nope",
    "x = 1\nfrom __future__ import annotations",
    "'doc'\nx = 1\nfrom __future__ import annotations",
    "x = 1; from __future__ import annotations",
    "from __future__ import annotations\nimport os\nfrom __future__ import division",
    "def f():\n    from __future__ import annotations",
    "from __future__ import annotations; x = 1; from __future__ import division",
    // assignment expressions in comprehensions
    "[(x := 1) for x in y]",
    "[x for x in (y := [])]",
    "[x for x in [(y := 1) for _ in z]]",
    "[[(j := 0) for i in range(5)] for j in range(5)]",
    "[(a := 1) for b in c for a in d]",
    "[i for i in range(5) if (j := 0) for j in range(5)]",
    "{(x := 1): 0 for x in y}",
    "((x := 1) for x in y)",
    "[x for x in y for z in (w := 1)]",
    "[x for x in (lambda: (y := 1))()]",
    "class C:\n    [(y := 1) for _ in ()]",
    "class C:\n    [[(y := 1) for _ in ()] for _ in ()]",
    "class C[T]([(x := 1) for _ in ()]): pass",
    "class C[T: [(x := 1) for _ in ()]]: pass",
    "def f[T = [(x := 1) for _ in ()]](): pass",
    "type A = [(x := 1) for _ in ()]",
    "type A[T: [(x := 1) for _ in ()]] = int",
    // expressions not allowed in annotation and type scopes
    "x: (yield)",
    "x: (yield from y)",
    "x: (y := 1)",
    "x: (await y)",
    "def f(x: (yield)): pass",
    "def f(x: (y := 1)): pass",
    "def f() -> (await x): pass",
    "def f(*args: (yield)): pass",
    "class C:\n    x: (yield)",
    "def f():\n    x: (yield)",
    "from __future__ import annotations\nx: (yield)",
    "type A = (yield)",
    "type A = (x := 1)",
    "type A = await x",
    "class C[T: (yield)]: pass",
    "def f[T: (yield,)](): pass",
    "def f[T = (yield)](): pass",
    "def f[*Ts = (yield)](): pass",
    "def f[**P = (yield)](): pass",
    "class C[T: (x := 1)]: pass",
    "class C[T]((yield)): pass",
    "class C[T](x := 1): pass",
    "class C[T](metaclass=(yield)): pass",
    "def f[T](x: (yield)): pass",
    "type A[T = (yield)] = int",
    // yield in comprehensions
    "[(yield) for _ in ()]",
    "{(yield) for _ in ()}",
    "{(yield): 1 for _ in ()}",
    "((yield) for _ in ())",
    "def f():\n    [(yield from x) for _ in ()]",
    "def f():\n    [x for x in [(yield) for _ in ()]]",
    // await and async
    "await x",
    "def f():\n    await x",
    "class C:\n    await x",
    "async def f():\n    lambda: await x",
    "async def f():\n    def g():\n        await x",
    "def f():\n    [await x for _ in ()]",
    "def f():\n    [x async for x in y]",
    "[x async for x in y]",
    "{x: 1 async for x in y}",
    "def f():\n    [[x async for x in y] for _ in ()]",
    "async def f():\n    class C:\n        [x async for x in y]",
    "def f():\n    async with x: pass",
    "def f():\n    async for x in y: pass",
    "async with x: pass",
    "async for x in y: pass",
    "class C:\n    async with x: pass",
    "async def f():\n    def g():\n        async for x in y: pass",
    "async def f():\n    lambda: [x async for x in y]",
    "def f():\n    return [[w for w in v] async for v in u]",
    // errors in nested or later positions
    "def f():\n    def g():\n        def h(a, a): pass",
    "class C:\n    def f(self):\n        nonlocal x",
    "x = [lambda: (y := 1) for z in w]\nnonlocal q",
];

/// Sources every pass accepts.
const TABLES: &[&str] = &[
    "",
    "'doc'",
    "x = 1\nprint(x)",
    "import a.b.c\nimport a.b as c\nfrom . import d\nfrom .e import f as g\nfrom os import *",
    "def f(a, /, b, *c, d=1, e, **f):\n    'doc'\n    return a",
    "def f(a=lambda: x, *, b=lambda: y):\n    pass",
    "@dec\n@dec2(arg)\ndef f(): pass\n@cdec\nclass C: pass",
    "class C(B, metaclass=M, **kw):\n    'doc'\n    x = 1\n    def f(self):\n        return super().f(__class__)",
    "class C:\n    def f(self):\n        return lambda: super()\n    def g(self):\n        return [__class__ for _ in ()]",
    "class C:\n    x = [lambda: __class__ for _ in ()]\n    y = [__class__ for _ in ()]",
    "def f():\n    x = 1\n    class C:\n        x = 2\n        def g(self):\n            return x\n        [x for _ in ()]",
    "def f():\n    global g\n    g = 1\n    def h():\n        return g",
    "def o():\n    x = 1\n    def f():\n        nonlocal x\n        x = 2\n        [x for _ in ()]",
    "def f(a):\n    [(a, lambda: a) for _ in ()]\n    [b for b in a if (c := b)]\n    return c",
    "[(x := i) for i in range(3)]\nprint(x)",
    "def f():\n    [(x := i) for i in range(3)]\n    return x",
    "def f():\n    [[(x := i) for i in range(3)] for j in ()]\n    return x",
    "def f():\n    global x\n    [(x := i) for i in range(3)]",
    "x = [[y for y in range(z)] for z in range(3)]",
    "def f():\n    return [lambda: y for y in range(3)]",
    "def f():\n    y = 1\n    return [lambda: y for _ in range(3)]",
    "def f():\n    return {k: v for k, v in d.items() if k}, {s for s in t}, (g for g in h)",
    "async def f():\n    return [x async for x in y], [await z for z in w], (q async for q in r)",
    "async def f():\n    async with a as b, c:\n        async for x in y:\n            await x\n    yield 1",
    "def gen():\n    yield 1\n    x = yield from g()\n    return 2",
    "f'{x} {y!r:{z}}' + t'{a} {b!s:>{c}}'",
    "t'{[i for i in x]} {(lambda q: q)(1)}'",
    "x: int = 1\ny: list[int]\nclass C:\n    a: int\n    b: str = 'x'\n    if cond:\n        c: int\n    def f(self) -> int:\n        z: int = 1\n        return z",
    "if x:\n    y: int\nelse:\n    z: str\nfor i in x:\n    w: int\nwith m:\n    v: int\ntry:\n    u: int\nexcept E:\n    pass",
    "class C:\n    try:\n        a: int\n    finally:\n        pass\n    while x:\n        b: int\n    match y:\n        case 1:\n            c: int",
    "class C:\n    x: [y for y in z]\n    w: (lambda: 1)",
    "from __future__ import annotations\nx: int\nclass C:\n    y: C\n    def f(self, a: C) -> C: pass",
    "from __future__ import annotations\nclass C:\n    x: [y for y in z]\n    if c:\n        q: int",
    "def f():\n    x: int = 1\n    y: [z for z in w]\n    return x",
    "class C:\n    __classdict__ = 1\n    x: int",
    "def f(a: int, *b: str, c: float = 1, **d: bytes) -> None: pass",
    "class C:\n    def f(self, x: int) -> 'C': pass\n    async def g(self): pass",
    "class K[T: int = str, *Ts = int, **P = 3](Base):\n    __x: __T\n    def __m[__U](self, __y=__z) -> __U: __k = 1",
    "type Alias[X] = list[X]\ntype B = int\nclass C:\n    type D[T] = dict[T, C]\n    type E = C",
    "def f[T](x: T, *, y=1) -> T: return x\ndef g[T](x): pass\ndef h[T](*, y): pass",
    "class C:\n    def m[T](self, a: T = None) -> T: pass\n    class D[U]:\n        def n(self): return super()",
    "class C[T]:\n    def f(self): return T\n    x = [T for _ in ()]",
    "def f():\n    x = 1\n    class C[T: x]:\n        y: x",
    "def f():\n    class C:\n        x = 1\n        def g[T: x](self): pass\n        type A = x",
    "class Outer:\n    class __Inner[__T]:\n        __a = __T\n        def __f(self, __b=__c): return __d",
    "class _:\n    __x = 1\nclass __:\n    __y = 2\nclass ___C:\n    __z = 3",
    "match p:\n    case [a, *rest] if a: pass\n    case {'k': v, **kw}: pass\n    case Point(x=0, y=yy) | Point(x=yy, y=0): pass\n    case str() as s: pass\n    case _: pass",
    "try:\n    pass\nexcept* E as e:\n    del e\nelse:\n    pass\nfinally:\n    pass",
    "del a, b[c], d.e\nx += 1\ny[z] -= 2\nassert q, msg\nraise E from F",
    "def f():\n    def g():\n        def h():\n            return a + b\n        b = 1\n    a = 2",
    "lambda: (yield)",
    "def f():\n    super = 1\n    return [super() for _ in ()]",
    "def f(super):\n    [super() for _ in ()]",
    "class C:\n    def f(self):\n        class D:\n            def g(self):\n                return __class__",
    "x = (lambda a, b=1, *c, d, **e: a + b)",
    "class C:\n    def f(): pass\n    f = staticmethod(f)\n    g = lambda self: 1",
    "def f():\n    print(x)\n    del x\n    import x",
    "for i in range(3):\n    pass\nelse:\n    [i for i in ()]",
    "class C:\n    x = 1\n    y = [x for _ in range(3)]\n    z = [[x for _ in ()] for _ in ()]",
    "def outer():\n    v = 1\n    class C:\n        v = 2\n        w = [v for _ in ()]\n        u = (v for _ in ())",
    "async def f():\n    return {x: [y async for y in x] for x in z}",
    "def é(ü=1):\n    ö = ü\n    return lambda: ö",
    "class C:\n    @property\n    def __x(self): return self.__y\n    __x = __x",
    "x = 1\ndef f():\n    global x\n    def g():\n        x = 2\n        def h():\n            return x",
    "if 0:\n    def dead(): pass\ndef f():\n    return\n    def g(): pass",
    "class C:\n    [(lambda: x) for x in ()]",
    "def f():\n    class C:\n        [super() for _ in ()]\n        def g(self): return [lambda: __class__ for _ in ()]",
    "def f(a=[b for b in c], *, d=(e for e in f)): pass",
    "@[x for x in y][0]\ndef f(): pass",
    "class C([b for b in bases][0], k=[z for z in w]): pass",
];

fn check_table(src: &str, theirs: &Value) -> Option<String> {
    let module = match pyc_parser::parse_module(src.as_bytes(), "<snippet>") {
        Ok(m) => m,
        Err(e) => return Some(format!("pyc-parser rejects it: {e}")),
    };
    match (
        pyc_symtable::build(&module),
        theirs["status"].as_str().unwrap(),
    ) {
        (Ok(table), "ok") => {
            let ours = common::table_json(&table);
            common::first_difference("top", &ours, &theirs["table"])
                .or_else(|| {
                    let codes = theirs["codes"].as_array()?;
                    common::codes_included(&common::expected_codes(&table), codes)
                })
                .or_else(|| common::check_lookups(&table, &module))
        }
        (Err(e), "symtable_error") => {
            let ours = common::error_json(&e);
            common::first_difference("error", &ours, &theirs["error"]).or_else(|| {
                // compile() must report the same error (the AST preprocessor runs first there).
                common::first_difference("compile_error", &ours, &theirs["compile_error"])
            })
        }
        (Ok(_), status) => Some(format!(
            "we accept, oracle says {status}: {}",
            theirs["error"]
        )),
        (Err(e), status) => Some(format!("we reject ({e}), oracle says {status}")),
    }
}

#[test]
fn snippets_match_cpython() {
    let interp = common::oracle();
    let all: Vec<&str> = ERRORS.iter().chain(TABLES).copied().collect();
    let input = serde_json::to_vec(&all).unwrap();
    let results = common::run_dump(&interp, &["--snippets"], &input);
    assert_eq!(results.len(), all.len());
    let mut failures = Vec::new();
    let mut parser_gaps = Vec::new();
    for (i, (src, theirs)) in all.iter().zip(&results).enumerate() {
        let expect_error = i < ERRORS.len();
        let status = theirs["status"].as_str().unwrap();
        if status == "parse_error" {
            // CPython's parser rejects it; then pyc-parser must too, and there is nothing to check.
            if pyc_parser::parse_module(src.as_bytes(), "<snippet>").is_ok() {
                parser_gaps.push(format!(
                    "{src:?}: pyc-parser accepts, CPython: {}",
                    theirs["error"]
                ));
            }
            continue;
        }
        if expect_error != (status == "symtable_error") {
            failures.push(format!("{src:?}: listed wrongly, oracle status {status}"));
        }
        if let Some(d) = check_table(src, theirs) {
            if d.starts_with("pyc-parser rejects") {
                parser_gaps.push(format!("{src:?}: {d}"));
            } else {
                failures.push(format!("{src:?}: {d}"));
            }
        }
    }
    for g in &parser_gaps {
        eprintln!("parser gap (not checked): {g}");
    }
    assert!(
        failures.is_empty(),
        "{} snippets differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
