//! Our port of `Python/ast_unparse.c` against CPython 3.14's own: the string that
//! `from __future__ import annotations` stores for an annotation must be identical.
//!
//! The oracle interpreter compiles `from __future__ import annotations` followed by
//! `x: EXPR` (or `def f(*a: EXPR): pass` for a starred annotation) and reports the
//! stored string; we parse the same text and unparse the annotation ourselves.
//! Three corpora: hand-picked expressions covering every node kind and precedence
//! combination; every annotation (parameters, returns, `AnnAssign`) of the oracle's
//! own standard library; and hand-built trees the parser never produces (folded
//! constants, bare replacement fields, malformed nodes), which the oracle compiles
//! from an `ast` tree.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};

use pyc_ast::{
    Arg, Arguments, BoolOp, CmpOp, ConstValue, Expr, ExprContext, ExprKind, Location, Operator,
    PyStr, Stmt, StmtKind,
};
use pyc_oracle::{OracleInterpreter, ProvisionOptions, find_or_install};
use rayon::prelude::*;
use serde_json::{Value, json};

fn oracle() -> OracleInterpreter {
    find_or_install(&ProvisionOptions::from_env())
        .unwrap_or_else(|e| panic!("this test needs the CPython 3.14 oracle: {e}"))
}

const PRELUDE: &str = "from __future__ import annotations\n";

/// Reads `[{"p": program, "star": bool} | {"node": python_expr}, ...]` on stdin.
/// A `p` item is a program to compile and run; a `node` item is Python source
/// building an `ast` node (names from `ast` in scope), grafted as the annotation of
/// `x: y` under the future import and compiled from the tree. Prints, per item, the
/// stored annotation string as the hex of its surrogatepass UTF-8 (`{"ok": hex}`) or
/// the exception (`{"err": text}`).
const ORACLE_SCRIPT: &str = r#"
import ast, json, sys
items = json.loads(sys.stdin.buffer.read().decode("utf-8"))
out = []
for item in items:
    try:
        ns = {}
        if "node" in item:
            tree = ast.parse("from __future__ import annotations\nx: y")
            tree.body[1].annotation = eval(item["node"], dict(vars(ast)))
            ast.fix_missing_locations(tree)
            exec(compile(tree, "<annotation>", "exec"), ns)
            s = ns["__annotations__"]["x"]
        else:
            exec(compile(item["p"], "<annotation>", "exec"), ns)
            if item["star"]:
                s = ns["f"].__annotations__["a"]
            else:
                s = ns["__annotations__"]["x"]
        out.append({"ok": s.encode("utf-8", "surrogatepass").hex()})
    except BaseException as e:
        out.append({"err": type(e).__name__ + ": " + str(e)})
sys.stdout.buffer.write(json.dumps(out).encode("ascii"))
"#;

/// A program whose annotation is `src`.
fn program(src: &str, star: bool) -> String {
    if star {
        format!("{PRELUDE}def f(*a: {src}): pass\n")
    } else {
        format!("{PRELUDE}x: {src}\n")
    }
}

/// CPython's annotation string for each program (`Err` when CPython raised).
fn oracle_strings(
    interp: &OracleInterpreter,
    programs: &[(String, bool)],
) -> Vec<Result<PyStr, String>> {
    let items: Vec<Value> = programs
        .iter()
        .map(|(p, star)| json!({"p": p, "star": star}))
        .collect();
    oracle_run(interp, &items)
}

/// Runs [`ORACLE_SCRIPT`] on `items`.
fn oracle_run(interp: &OracleInterpreter, items: &[Value]) -> Vec<Result<PyStr, String>> {
    let input = serde_json::to_vec(&items).unwrap();
    let mut child = interp
        .command()
        .args(["-I", "-c", ORACLE_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the oracle ({}): {e}", interp.describe()));
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "oracle script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results.len(), items.len());
    results
        .into_iter()
        .map(|r| match r["ok"].as_str() {
            Some(hex) => Ok(PyStr::from_surrogatepass_bytes(decode_hex(hex)).unwrap()),
            None => Err(r["err"].as_str().unwrap_or("?").to_owned()),
        })
        .collect()
}

fn decode_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn ours(e: &Expr) -> Result<PyStr, String> {
    pyc_codegen::__unparse_for_tests(e)
}

/// The annotation of the single annotated statement `program` builds.
fn parse_annotation(src: &str, star: bool) -> Expr {
    let text = program(src, star);
    let module = pyc_parser::parse_module(text.as_bytes(), "<annotation>")
        .unwrap_or_else(|e| panic!("we cannot parse {text:?}: {e:?}"));
    match &module.body[1].kind {
        StmtKind::AnnAssign { annotation, .. } if !star => (**annotation).clone(),
        StmtKind::FunctionDef { args, .. } if star => {
            let vararg = args.vararg.as_ref().unwrap();
            (**vararg.annotation.as_ref().unwrap()).clone()
        }
        other => panic!("unexpected statement for {src:?}: {other:?}"),
    }
}

/// Hand-picked annotations; a leading `*` means a `*args` annotation.
const CASES: &[&str] = &[
    // Names and attributes.
    "a",
    "a.b",
    "a.b.c",
    "1 .real",
    "1.0.real",
    "1j.imag",
    "True.real",
    "None.x",
    "'a'.b",
    "b'a'.b",
    "(a + b).c",
    "(-1).real",
    "-1 .real",
    "a[b].c",
    "(a, b).c",
    "[a][0]",
    "f(a=1)[b].c",
    "(a if b else c).d",
    "(lambda: 0).x",
    "(a for b in c).d",
    // Numbers.
    "0",
    "10",
    "0x10",
    "0o17",
    "0b101",
    "1_000_000",
    "123456789012345678901234567890",
    "0.0",
    "1.0",
    "1.5",
    ".5",
    "5.",
    "0.1",
    "1e16",
    "1e15",
    "1E5",
    "1e22",
    "1.5e-7",
    "0.0001",
    "0.00001",
    "1e400",
    "1e-400",
    "1.7976931348623157e308",
    "123456789012345678.0",
    "0j",
    "1j",
    "2.5j",
    "1_0j",
    "1e16j",
    "1e400j",
    "1e-400j",
    "-1",
    "+1",
    "~1",
    "-1.5",
    "-1e400",
    "-(1)",
    "-1j",
    "1 + 2j",
    "(1 + 2j).real",
    // Singletons.
    "None",
    "True",
    "False",
    "...",
    "Ellipsis",
    "a[...]",
    "a[..., b]",
    "Callable[..., T]",
    // Strings and bytes.
    "''",
    "'a'",
    "\"a\"",
    "\"a'b\"",
    "'a\"b'",
    "'a\\'b\"c'",
    "'\\n\\t\\r\\\\'",
    "'\\x00\\x1f\\x7f'",
    "'\\x80\\xa0\\xff'",
    "'é'",
    "'日本'",
    "'\\u200b'",
    "'\\u2028'",
    "'\\U0001f600'",
    "'😀'",
    "'\\ud800'",
    "'\\udfff\\ud800'",
    "'\\N{BULLET}'",
    "'''triple'''",
    "'''multi\nline'''",
    "r'\\d+'",
    "'a' 'b'",
    "'a' \"'\"",
    "u'x'",
    "u'a' 'b'",
    "'a' u'b'",
    "U'x'",
    "b''",
    "b'a'",
    "b'a\\'b'",
    "b\"'\"",
    "b'\"\\''",
    "b'\\x00\\xff\\n\\\\'",
    "rb'\\n'",
    "b'a' b'b'",
    "'{}'",
    "'{a}'",
    // f-strings.
    "f''",
    "f'a'",
    "f'{a}'",
    "f'{a}b'",
    "f'b{a}'",
    "f'{a}{b}'",
    "f'{a!r}'",
    "f'{a!s}'",
    "f'{a!a}'",
    "f'{a:>10}'",
    "f'{a!r:>10}'",
    "f'{a:{b}}'",
    "f'{a:{b}.{c}}'",
    "f'{a:{b}x{c!r:d}}'",
    "f'{a:{b:{c}}}'",
    "f'{a:%Y-%m-%d}'",
    "f'{a:}'",
    "f'{a!r:}'",
    "f'{{}}'",
    "f'{{a}}'",
    "f'{a}{{'",
    "f'}}{a}'",
    "f\"{'x'}\"",
    "f'{\"x\"}'",
    "f\"it's {a}\"",
    "f'\\'{a}\"'",
    "f'{a}\\n'",
    "f'\\t{a}\\\\'",
    "f'{\"\\n\"}'",
    "f'{ {1: 2} }'",
    "f'{ {a} }'",
    "f'{ {a}!r}'",
    "f'{[a]}'",
    "f'{(a, b)}'",
    "f'{a, b}'",
    "f'{(lambda: 1)}'",
    "f'{(lambda x: x)(1)}'",
    "f'{a if b else c}'",
    "f'{a or b}'",
    "f'{not a}'",
    "f'{*a,}'",
    "f'{a=}'",
    "f'{a = }'",
    "f'{a=!s}'",
    "f'{a=:>3}'",
    "f'{a=!r:>3}'",
    "f'{a + b=}'",
    "f'{f\"{a}\"}'",
    "f'{f\"{f'{a}'}\"}'",
    "f'''{a}'''",
    "f'''{a}\n'''",
    "f'''{\n a\n}'''",
    "f'{a}' 'b'",
    "'a' f'{b}'",
    "f'a' 'b'",
    "f'{a}' f'{b}'",
    "f'{a}' 'b' f'{c}'",
    "rf'\\d{a}'",
    "f'{a[b]}'",
    "f'{a[\"b\"]}'",
    "f'{a:\\n}'",
    "f'{\"é\"}é'",
    "f'{a}\\ud800'",
    "f'{x:{y}}{z!a}'",
    "f'{3.14:.2f}'",
    "f'{1e400}'",
    "f'{a.b}'",
    "f'{1 .real}'",
    "f'{yield_}'",
    // t-strings.
    "t''",
    "t'a'",
    "t'{a}'",
    "t'{a}b'",
    "t'b{a}c'",
    "t'{a!r}'",
    "t'{a:>10}'",
    "t'{a!r:>{b}}'",
    "t'{a:{b}.{c}}'",
    "t'{a=}'",
    "t'{a = }'",
    "t'{a=!s:>3}'",
    "t'{ a }'",
    "t'{a  +  b}'",
    "t'{ {1} }'",
    "t'{ {a}!r}'",
    "t'{{}}'",
    "t'{a}{{'",
    "t\"it's {a}\"",
    "t'{\"x\"}'",
    "t'{a}' t'{b}'",
    "t'a' t'{b}'",
    "t'{(lambda: 1)}'",
    "t'{f\"{a}\"}'",
    "t'{t\"{a}\"}'",
    "f'{t\"{a}\"}'",
    "t'''{\n a\n}'''",
    "t'{a:{b!r}}'",
    "t'{x:{y}}{z!a}'",
    // Boolean operations and `not`.
    "a and b",
    "a or b",
    "a and b and c",
    "a or b or c",
    "a and b or c",
    "a or b and c",
    "a and (b or c)",
    "(a or b) and c",
    "(a and b) and c",
    "a and (b and c)",
    "(a or b) or c",
    "not a",
    "not not a",
    "not a and b",
    "not (a and b)",
    "a and not b",
    "not a == b",
    "(not a) == b",
    "not a + b",
    "-(not a)",
    "not -a",
    "(not a).b",
    // Binary operations.
    "a + b",
    "a - b",
    "a * b",
    "a @ b",
    "a / b",
    "a % b",
    "a // b",
    "a ** b",
    "a << b",
    "a >> b",
    "a | b",
    "a ^ b",
    "a & b",
    "a + b + c",
    "a + (b + c)",
    "a - b - c",
    "a - (b - c)",
    "a + b * c",
    "(a + b) * c",
    "a * b + c",
    "a * (b + c)",
    "a / b / c",
    "a / (b / c)",
    "a // b % c",
    "a ** b ** c",
    "(a ** b) ** c",
    "a ** (b ** c)",
    "-a ** b",
    "(-a) ** b",
    "a ** -b",
    "a ** (-b)",
    "2 ** -1",
    "-2 ** -1",
    "a ** ~b",
    "~a ** b",
    "(~a) ** b",
    "-a * b",
    "-(a * b)",
    "- -a",
    "-(-a)",
    "+-~a",
    "a | b ^ c & d",
    "(a | b) ^ c",
    "a | (b ^ c)",
    "(a ^ b) & c",
    "(a & b) << c",
    "a & (b << c)",
    "a << b >> c",
    "a << (b >> c)",
    "(a << b) + c",
    "(a + b) << c",
    "a | b | c",
    "a | (b | c)",
    "int | None",
    "list[int] | dict[str, int] | None",
    "(a | b)[c]",
    "(a + b)(c)",
    "a @ b @ c",
    "a @ (b @ c)",
    "a * -1",
    "a + -1",
    "1 + 2",
    "'a' + 'b'",
    "a if b else c + d",
    "(a if b else c) + d",
    "a + (b if c else d)",
    // Comparisons.
    "a < b",
    "a > b",
    "a == b",
    "a >= b",
    "a <= b",
    "a != b",
    "a in b",
    "a not in b",
    "a is b",
    "a is not b",
    "a < b < c",
    "a < b > c == d",
    "(a < b) < c",
    "a < (b < c)",
    "a == (b == c)",
    "a < b + c",
    "(a < b) + c",
    "a | b < c & d",
    "-a < b",
    "a is (not b)",
    "a is not (not b)",
    "not a is b",
    "(a and b) < c",
    "a < (b and c)",
    "a == (b if c else d)",
    "(a < b).c",
    // Conditional expressions.
    "a if b else c",
    "a if b else c if d else e",
    "a if b else (c if d else e)",
    "(a if b else c) if d else e",
    "a if (b if c else d) else e",
    "a or b if c and d else e or f",
    "(a or b) if (c and d) else (e or f)",
    "a if not b else c",
    "(lambda: a) if b else c",
    "a if b else lambda: c",
    "a if (lambda: b) else c",
    "(a, b) if c else (d,)",
    // Lambdas.
    "lambda: 0",
    "lambda x: x",
    "lambda x, y: x + y",
    "lambda x=1: x",
    "lambda x, y=1: x",
    "lambda x=1, y=2: 0",
    "lambda *a: 0",
    "lambda **k: 0",
    "lambda *a, **k: 0",
    "lambda *, a: 0",
    "lambda *, a=1: 0",
    "lambda *, a, b=2, c: 0",
    "lambda *a, b=1, **c: 0",
    "lambda a, /: 0",
    "lambda a, /, b: 0",
    "lambda a, b, /, c, *, d: 0",
    "lambda a=1, /, b=2: 0",
    "lambda a, b=1, /, c=2, *d, e, f=3, **g: 0",
    "lambda x=lambda: 0: x",
    "lambda x=(a, b): x",
    "lambda x=a if b else c: x",
    "lambda: (a, b)",
    "lambda: a if b else c",
    "lambda: lambda: 0",
    "lambda: (yield)",
    "lambda: (yield a)",
    "lambda: (yield a, b)",
    "lambda: (yield (a, b))",
    "lambda: (yield from a)",
    "lambda: (yield from (a, b))",
    "lambda: f((yield))",
    "lambda: [(yield)]",
    "lambda: ((yield), (yield a))",
    "lambda: (yield lambda: 0)",
    "lambda: (yield a if b else c)",
    "lambda: (a := 1)",
    "lambda: (a := b + c)",
    "lambda: (a := (b, c))",
    "lambda: (a := lambda: 0)",
    "lambda: (a := (b := c))",
    "lambda: [a := 1]",
    "lambda: [a := 1, b := 2]",
    "lambda: {(a := 1)}",
    "lambda: {a := 1}",
    "lambda: f(a := 1)",
    "lambda: f(x=(a := 1))",
    "lambda: a[b := 1]",
    "lambda: a[(b := 1), c]",
    "lambda: (a := 1).b",
    "lambda: -(a := 1)",
    "lambda: (a := 1) + 2",
    "lambda: [y for x in z if (y := x)]",
    "lambda: (x := 1) if y else z",
    "(lambda: 0)()",
    "f(lambda: 0)",
    "f(lambda x: x, y)",
    "[lambda: 0]",
    "(lambda: 0,)",
    "{a: lambda: 0}",
    "{lambda: 0: a}",
    "a[lambda: 0]",
    "a[lambda: 0, b]",
    // Calls.
    "f()",
    "f(a)",
    "f(a, b)",
    "f(*a)",
    "f(**k)",
    "f(a, *b, c=1, **d)",
    "f(*a, *b)",
    "f(**a, **b)",
    "f(a=1, *b)",
    "f(a, b=2)",
    "f(a for b in c)",
    "f((a for b in c))",
    "f((a for b in c), d)",
    "f(d, (a for b in c))",
    "f(x=(a for b in c))",
    "f(*(a for b in c))",
    "f(a)(b)",
    "f(a)(b)(c)",
    "a.b(c).d",
    "f(a if b else c)",
    "f((a, b))",
    "f(())",
    "f(*a or b)",
    "f(*(a or b))",
    "f(**a or b)",
    "f(**(a or b))",
    "f(*a + b)",
    "f(*-a)",
    "f(*not_a)",
    "f(a)[b](c)",
    "Annotated[int, f(x=1, *y)]",
    // Subscripts and slices.
    "a[b]",
    "a[b, c]",
    "a[(b, c)]",
    "a[b,]",
    "a[(b,)]",
    "a[()]",
    "a[b:c]",
    "a[:]",
    "a[::]",
    "a[b:c:d]",
    "a[::d]",
    "a[b:]",
    "a[:c]",
    "a[b::]",
    "a[:c:]",
    "a[b:c, d:e]",
    "a[b:c, d]",
    "a[1:2,]",
    "a[b, c:d]",
    "a[:, None]",
    "a[..., :]",
    "a[(b, c),]",
    "a[[b, c]]",
    "a[{b}]",
    "a[b if c else d]",
    "a[b:c if d else e]",
    "a[lambda: b:c]",
    "a[b][c]",
    "a[b[c]]",
    "a[-1]",
    "a[-1:]",
    "a[b + c : d]",
    "a[b or c]",
    "a[not b]",
    "a[*b]",
    "a[*b, c]",
    "a[b, *c]",
    "a[*b, *c]",
    "a[*b or c]",
    "a[(*b, c)]",
    "a[(*b,)]",
    "tuple[int, ...]",
    "tuple[()]",
    "dict[str, list[int]]",
    "Callable[[int, str], None]",
    "Callable[[], None]",
    "Literal['a', \"b'\", 1, -1, True, None, b'x']",
    "Annotated[int, 'meta']",
    "(a)[b]",
    "(a + b)[c]",
    "'abc'[0]",
    "1[0]",
    "a.b[c]",
    // Starred annotations (`*args`).
    "*Ts",
    "*tuple[int, ...]",
    "*a[b]",
    "*a.b",
    "*tuple[int, *Ts]",
    // Displays.
    "[]",
    "[a]",
    "[a, b]",
    "[a, b,]",
    "[*a]",
    "[*a, b]",
    "[*(a or b)]",
    "[*a | b]",
    "[a if b else c, d]",
    "[(a, b)]",
    "[[a], [b, [c]]]",
    "()",
    "(a,)",
    "(a, b)",
    "(a, b,)",
    "(*a,)",
    "(*a, b)",
    "((a, b), c)",
    "((a,),)",
    "((), ())",
    "(a if b else c, d)",
    "(lambda: 0, a)",
    "{}",
    "{a}",
    "{a, b}",
    "{*a}",
    "{*a, b}",
    "{a: b}",
    "{a: b, c: d}",
    "{**a}",
    "{a: b, **c}",
    "{**a, b: c}",
    "{**(a or b)}",
    "{**a | b}",
    "{**(a if b else c)}",
    "{**-a}",
    "{**a.b}",
    "{a: (b, c)}",
    "{(a, b): c}",
    "{a if b else c: d}",
    "{'a': 1, 'b': [2, 3]}",
    "{1: {2: {3: {}}}}",
    // Comprehensions.
    "[a for b in c]",
    "[a for b, d in c]",
    "[a for (b, d) in c]",
    "[a for [b, d] in c]",
    "[a for b, in c]",
    "[a for *b, d in c]",
    "[a for b.c in d]",
    "[a for b[0] in d]",
    "[a for b in c if d]",
    "[a for b in c if d if e]",
    "[a for b in c for d in e]",
    "[a for b in c if d for e in f if g]",
    "[a for b in (c if d else e)]",
    "[a for b in (lambda: c)]",
    "[a for b in c if (d if e else f)]",
    "[a for b in c if (lambda: d)]",
    "[a for b in (c, d)]",
    "[a for b in c or d]",
    "[a for b in c if d or e]",
    "[a for b in c if not d]",
    "[a for b in c if d < e]",
    "[(a, b) for c in d]",
    "[a if b else c for d in e]",
    "[lambda: a for b in c]",
    "[[a for b in c] for d in e]",
    "{a for b in c}",
    "{a: b for c in d}",
    "{a: b for c, d in e.items() if f}",
    "{(a, b): c for d in e}",
    "{a: (b if c else d) for e in f}",
    "{a: lambda: b for c in d}",
    "{lambda: a: b for c in d}",
    "(a for b in c)",
    "(a for b in c for d in e)",
    "((a, b) for c in d)",
    "(a for b in c if d)",
    "(x async for x in y)",
    "(x for y in z async for x in y)",
    "((x async for x in y) for z in w)",
    // `await` (only possible in an asynchronous generator expression here).
    "(await a for b in c)",
    "(await a.b for b in c)",
    "((await a).b for b in c)",
    "(await a[b] for b in c)",
    "((await a)[b] for b in c)",
    "(await a() for b in c)",
    "((await a)() for b in c)",
    "(await (a + b) for b in c)",
    "(await a + b for b in c)",
    "(-await a for b in c)",
    "(await a ** b for b in c)",
    "((await a) ** b for b in c)",
    "(a ** await b for b in c)",
    "(await (-a) for b in c)",
    "(await (await a) for b in c)",
    "(await await_ for b in c)",
    "(not await a for b in c)",
    "([await a] for b in c)",
    "(f(await a) for b in c)",
    "(await (a for b in c) for d in e)",
    "(await (lambda: 0) for b in c)",
    "(await (a if b else c) for d in e)",
    "(a for b in c for d in await e)",
    "(a for b in c if await d)",
    "(await 1 .real for b in c)",
    // Mixtures.
    "a.b[c](d)",
    "a.b[c](d).e[f:g]",
    "Optional[Union[int, str]]",
    "Union[list[int], Callable[[int], str], None]",
    "Generator[int, None, None]",
    "dict[str, 'Foo']",
    "'Foo[int]'",
    "ClassVar[Final[int]]",
    "type[object]",
    "collections.abc.Callable[..., Awaitable[None]]",
    "np.ndarray[tuple[int, int], np.dtype[np.float64]]",
    "a if b else c if d else e if f else g",
    "not a or not b and not c",
    "(a, (b, (c, (d,))))",
    "[[[[[[[[[[a]]]]]]]]]]",
    "((((((((((a))))))))))",
    "-(-(-(-(-(-(-(-(-(-a)))))))))",
    "a + b - c * d / e // f % g @ h ** i ** j << k >> l & m ^ n | o",
    "a == b != c < d <= e > f >= g is h is not i in j not in k",
];

#[test]
fn hand_picked_annotations_match_cpython() {
    let interp = oracle();
    let programs: Vec<(String, bool)> = CASES
        .iter()
        .map(|c| {
            let star = c.starts_with('*');
            (program(c, star), star)
        })
        .collect();
    let theirs = oracle_strings(&interp, &programs);
    let mut failures = Vec::new();
    for (case, theirs) in CASES.iter().zip(theirs) {
        let star = case.starts_with('*');
        let expected = match theirs {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{case:?}: CPython rejects it: {e}"));
                continue;
            }
        };
        let got = ours(&parse_annotation(case, star));
        if got.as_ref() != Ok(&expected) {
            failures.push(format!(
                "{case:?}:\n   ours:   {got:?}\n   CPython: {expected:?}"
            ));
        }
    }
    eprintln!(
        "{} hand-picked annotations compared, {} mismatches",
        CASES.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One annotation found in a file.
struct Found {
    /// Where, for messages: `path:line:col`.
    place: String,
    /// Its source text.
    segment: String,
    /// Whether it is a starred `*args` annotation.
    star: bool,
    /// Our unparse.
    ours: Result<PyStr, String>,
}

/// The source text of `e`: CPython's positions are 1-based lines and 0-based UTF-8
/// byte columns.
fn segment(lines: &[&str], e: &Expr) -> Option<String> {
    let l = e.loc;
    let (first, last) = (l.lineno as usize, l.end_lineno as usize);
    if first == 0 || last < first || last > lines.len() {
        return None;
    }
    if first == last {
        return lines[first - 1]
            .get(l.col_offset as usize..l.end_col_offset as usize)
            .map(str::to_owned);
    }
    let mut s = lines[first - 1].get(l.col_offset as usize..)?.to_owned();
    for line in &lines[first..last - 1] {
        s.push('\n');
        s.push_str(line);
    }
    s.push('\n');
    s.push_str(lines[last - 1].get(..l.end_col_offset as usize)?);
    Some(s)
}

/// Every annotation of `body`, in source order, with whether it is a `*args` one.
fn collect_annotations<'a>(body: &'a [Stmt], out: &mut Vec<(&'a Expr, bool)>) {
    for stmt in body {
        match &stmt.kind {
            StmtKind::FunctionDef {
                args,
                body,
                returns,
                ..
            }
            | StmtKind::AsyncFunctionDef {
                args,
                body,
                returns,
                ..
            } => {
                let plain = args
                    .posonlyargs
                    .iter()
                    .chain(&args.args)
                    .chain(&args.kwonlyargs)
                    .chain(args.kwarg.as_deref());
                for arg in plain {
                    if let Some(a) = &arg.annotation {
                        out.push((a, false));
                    }
                }
                if let Some(a) = args.vararg.as_ref().and_then(|v| v.annotation.as_ref()) {
                    out.push((a, matches!(a.kind, ExprKind::Starred { .. })));
                }
                if let Some(r) = returns {
                    out.push((r, false));
                }
                collect_annotations(body, out);
            }
            StmtKind::AnnAssign { annotation, .. } => out.push((annotation, false)),
            StmtKind::ClassDef { body, .. } => collect_annotations(body, out),
            StmtKind::For { body, orelse, .. }
            | StmtKind::AsyncFor { body, orelse, .. }
            | StmtKind::While { body, orelse, .. }
            | StmtKind::If { body, orelse, .. } => {
                collect_annotations(body, out);
                collect_annotations(orelse, out);
            }
            StmtKind::With { body, .. } | StmtKind::AsyncWith { body, .. } => {
                collect_annotations(body, out);
            }
            StmtKind::Match { cases, .. } => {
                for case in cases {
                    collect_annotations(&case.body, out);
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            }
            | StmtKind::TryStar {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                collect_annotations(body, out);
                for h in handlers {
                    collect_annotations(&h.body, out);
                }
                collect_annotations(orelse, out);
                collect_annotations(finalbody, out);
            }
            _ => {}
        }
    }
}

#[test]
fn stdlib_annotations_match_cpython() {
    let interp = oracle();
    let corpus = interp.stdlib_corpus().unwrap();
    assert!(!corpus.is_empty(), "the oracle's stdlib is empty");
    let parsed = AtomicUsize::new(0);
    let found: Vec<Found> = corpus
        .par_iter()
        .flat_map_iter(|(rel, path)| {
            let mut found = Vec::new();
            let Ok(bytes) = std::fs::read(path) else {
                return found;
            };
            // Files we (and usually CPython) cannot parse are the parser's business.
            let Ok(text) = pyc_parser::decode_source(&bytes) else {
                return found;
            };
            let Ok(module) = pyc_parser::parse_module_text(&text, rel) else {
                return found;
            };
            parsed.fetch_add(1, Ordering::Relaxed);
            let lines: Vec<&str> = text.split('\n').collect();
            let mut anns = Vec::new();
            collect_annotations(&module.body, &mut anns);
            for (e, star) in anns {
                let place = format!("{rel}:{}:{}", e.loc.lineno, e.loc.col_offset);
                let segment = segment(&lines, e)
                    .unwrap_or_else(|| panic!("{place}: no source text at {:?}", e.loc));
                found.push(Found {
                    place,
                    segment,
                    star,
                    ours: ours(e),
                });
            }
            found
        })
        .collect();
    assert!(
        found.len() > 1000,
        "only {} annotations found in the stdlib",
        found.len()
    );
    let programs: Vec<(String, bool)> = found
        .iter()
        .map(|f| (program(&f.segment, f.star), f.star))
        .collect();
    let theirs = oracle_strings(&interp, &programs);
    let mut failures = Vec::new();
    for (f, theirs) in found.iter().zip(theirs) {
        match theirs {
            Ok(expected) if f.ours.as_ref() == Ok(&expected) => {}
            Ok(expected) => failures.push(format!(
                "{}: {:?}\n   ours:   {:?}\n   CPython: {expected:?}",
                f.place, f.segment, f.ours
            )),
            Err(e) => failures.push(format!(
                "{}: {:?}: CPython rejects the annotation alone: {e}",
                f.place, f.segment
            )),
        }
    }
    eprintln!(
        "{} stdlib annotations from {} parsed files (of {}) compared, {} mismatches",
        found.len(),
        parsed.into_inner(),
        corpus.len(),
        failures.len()
    );
    let shown: Vec<&String> = failures.iter().take(50).collect();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// Trees the parser never produces (folded constants, t-strings holding f-string
// parts, bare replacement fields, malformed nodes), built by hand on both sides.

fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, Location::default())
}

fn name(id: &str) -> Expr {
    node(ExprKind::Name {
        id: id.to_owned(),
        ctx: ExprContext::Load,
    })
}

fn constant(value: ConstValue) -> Expr {
    node(ExprKind::Constant { value, kind: None })
}

fn text(s: &str) -> Expr {
    constant(ConstValue::str(s))
}

fn surrogate_text(cps: &[u32]) -> ConstValue {
    ConstValue::Str(PyStr::from_code_points(cps.iter().copied()).unwrap())
}

fn formatted(value: Expr, conversion: i32, format_spec: Option<Expr>) -> Expr {
    node(ExprKind::FormattedValue {
        value: Box::new(value),
        conversion,
        format_spec: format_spec.map(Box::new),
    })
}

fn interpolation(value: Expr, text: ConstValue, conversion: i32, spec: Option<Expr>) -> Expr {
    node(ExprKind::Interpolation {
        value: Box::new(value),
        str: text,
        conversion,
        format_spec: spec.map(Box::new),
    })
}

fn joined(values: Vec<Expr>) -> Expr {
    node(ExprKind::JoinedStr { values })
}

fn template(values: Vec<Expr>) -> Expr {
    node(ExprKind::TemplateStr { values })
}

fn float(f: f64) -> ConstValue {
    ConstValue::Float(f)
}

fn complex(real: f64, imag: f64) -> ConstValue {
    ConstValue::Complex { real, imag }
}

fn constructed_cases() -> Vec<(&'static str, Expr)> {
    let inf = f64::INFINITY;
    vec![
        (
            "Constant((1.0, float('inf'), (float('-inf'),), 'a'))",
            constant(ConstValue::Tuple(vec![
                float(1.0),
                float(inf),
                ConstValue::Tuple(vec![float(-inf)]),
                ConstValue::str("a"),
            ])),
        ),
        ("Constant(float('inf'))", constant(float(inf))),
        ("Constant(float('-inf'))", constant(float(-inf))),
        ("Constant(float('nan'))", constant(float(f64::NAN))),
        ("Constant(-0.0)", constant(float(-0.0))),
        (
            "Constant(complex(1, float('inf')))",
            constant(complex(1.0, inf)),
        ),
        (
            "Constant(complex(float('inf'), float('nan')))",
            constant(complex(inf, f64::NAN)),
        ),
        ("Constant(complex(-0.0, 1))", constant(complex(-0.0, 1.0))),
        ("Constant(complex(0.0, -1))", constant(complex(0.0, -1.0))),
        ("Constant(())", constant(ConstValue::Tuple(vec![]))),
        (
            "Constant((1,))",
            constant(ConstValue::Tuple(vec![ConstValue::int(1)])),
        ),
        (
            "Constant((1, (2, 3.5), frozenset({1})))",
            constant(ConstValue::Tuple(vec![
                ConstValue::int(1),
                ConstValue::Tuple(vec![ConstValue::int(2), float(3.5)]),
                ConstValue::FrozenSet(vec![ConstValue::int(1)]),
            ])),
        ),
        (
            "Constant(frozenset())",
            constant(ConstValue::FrozenSet(vec![])),
        ),
        ("Constant(-5)", constant(ConstValue::int(-5))),
        (
            "Attribute(Constant(-5), 'x')",
            node(ExprKind::Attribute {
                value: Box::new(constant(ConstValue::int(-5))),
                attr: "x".to_owned(),
                ctx: ExprContext::Load,
            }),
        ),
        (
            "Attribute(Constant(True), 'x')",
            node(ExprKind::Attribute {
                value: Box::new(constant(ConstValue::Bool(true))),
                attr: "x".to_owned(),
                ctx: ExprContext::Load,
            }),
        ),
        (
            "BinOp(Constant(-1), Pow(), Constant(2))",
            node(ExprKind::BinOp {
                left: Box::new(constant(ConstValue::int(-1))),
                op: Operator::Pow,
                right: Box::new(constant(ConstValue::int(2))),
            }),
        ),
        (
            "Constant(b'x', kind='u')",
            node(ExprKind::Constant {
                value: ConstValue::Bytes(b"x".to_vec()),
                kind: Some("u".to_owned()),
            }),
        ),
        (
            "Starred(BoolOp(Or(), [Name('a'), Name('b')]))",
            node(ExprKind::Starred {
                value: Box::new(node(ExprKind::BoolOp {
                    op: BoolOp::Or,
                    values: vec![name("a"), name("b")],
                })),
                ctx: ExprContext::Load,
            }),
        ),
        (
            "Subscript(Name('a'), Tuple([Starred(Name('b'))]))",
            node(ExprKind::Subscript {
                value: Box::new(name("a")),
                slice: Box::new(node(ExprKind::Tuple {
                    elts: vec![node(ExprKind::Starred {
                        value: Box::new(name("b")),
                        ctx: ExprContext::Load,
                    })],
                    ctx: ExprContext::Load,
                })),
                ctx: ExprContext::Load,
            }),
        ),
        (
            "Lambda(arguments(args=[arg('x', Name('int'))], vararg=arg('v', Name('T')), \
             kwonlyargs=[arg('k')], kw_defaults=[None]), Constant(0))",
            node(ExprKind::Lambda {
                args: Box::new(Arguments {
                    args: vec![Arg {
                        arg: "x".to_owned(),
                        annotation: Some(Box::new(name("int"))),
                        type_comment: None,
                        loc: Location::default(),
                    }],
                    vararg: Some(Box::new(Arg {
                        arg: "v".to_owned(),
                        annotation: Some(Box::new(name("T"))),
                        type_comment: None,
                        loc: Location::default(),
                    })),
                    kwonlyargs: vec![Arg {
                        arg: "k".to_owned(),
                        annotation: None,
                        type_comment: None,
                        loc: Location::default(),
                    }],
                    kw_defaults: vec![None],
                    ..Arguments::default()
                }),
                body: Box::new(constant(ConstValue::int(0))),
            }),
        ),
        // f-strings.
        ("JoinedStr([])", joined(vec![])),
        (
            "JoinedStr([JoinedStr([Constant('q')])])",
            joined(vec![joined(vec![text("q")])]),
        ),
        (
            "JoinedStr([FormattedValue(Name('a'), -1, JoinedStr([Constant('{x}')]))])",
            joined(vec![formatted(
                name("a"),
                -1,
                Some(joined(vec![text("{x}")])),
            )]),
        ),
        (
            "JoinedStr([FormattedValue(Name('a'), -1, Constant('{x}'))])",
            joined(vec![formatted(name("a"), -1, Some(text("{x}")))]),
        ),
        (
            "JoinedStr([FormattedValue(Name('a'), -1, FormattedValue(Name('b'), -1))])",
            joined(vec![formatted(
                name("a"),
                -1,
                Some(formatted(name("b"), -1, None)),
            )]),
        ),
        (
            "JoinedStr([Constant('\\ud800{')])",
            joined(vec![constant(surrogate_text(&[0xD800, 0x7B]))]),
        ),
        (
            "FormattedValue(Name('a'), -1)",
            formatted(name("a"), -1, None),
        ),
        (
            "FormattedValue(Name('a'), 114, JoinedStr([Constant('\\udc80')]))",
            formatted(
                name("a"),
                114,
                Some(joined(vec![constant(surrogate_text(&[0xDC80]))])),
            ),
        ),
        (
            "FormattedValue(Set([Name('a')]), -1)",
            formatted(
                node(ExprKind::Set {
                    elts: vec![name("a")],
                }),
                -1,
                None,
            ),
        ),
        // t-strings.
        ("TemplateStr([])", template(vec![])),
        (
            "Interpolation(Name('a'), 'a', -1)",
            interpolation(name("a"), ConstValue::str("a"), -1, None),
        ),
        (
            "Interpolation(Name('a'), 'zz', 114, JoinedStr([Constant('>'), FormattedValue(Name('b'), -1)]))",
            interpolation(
                name("a"),
                ConstValue::str("zz"),
                114,
                Some(joined(vec![text(">"), formatted(name("b"), -1, None)])),
            ),
        ),
        (
            "Interpolation(Name('a'), '{x}', -1)",
            interpolation(name("a"), ConstValue::str("{x}"), -1, None),
        ),
        (
            "TemplateStr([Interpolation(Name('a'), '\\ud800', -1)])",
            template(vec![interpolation(
                name("a"),
                surrogate_text(&[0xD800]),
                -1,
                None,
            )]),
        ),
        (
            "TemplateStr([Constant('a'), FormattedValue(Name('a'), -1), Constant('b')])",
            template(vec![text("a"), formatted(name("a"), -1, None), text("b")]),
        ),
        (
            "TemplateStr([FormattedValue(Name('a'), -1)])",
            template(vec![formatted(name("a"), -1, None)]),
        ),
        (
            "TemplateStr([Constant('x'), Interpolation(Name('a'), 'a', -1), FormattedValue(Name('b'), 115)])",
            template(vec![
                text("x"),
                interpolation(name("a"), ConstValue::str("a"), -1, None),
                formatted(name("b"), 115, None),
            ]),
        ),
        (
            "JoinedStr([TemplateStr([Constant('q')])])",
            joined(vec![template(vec![text("q")])]),
        ),
    ]
}

/// Trees CPython refuses (the validator, or the unparser itself); we must refuse them too.
fn rejected_cases() -> Vec<(&'static str, Expr)> {
    vec![
        (
            "JoinedStr([Constant(1)])",
            joined(vec![constant(ConstValue::int(1))]),
        ),
        ("JoinedStr([Name('q')])", joined(vec![name("q")])),
        (
            "JoinedStr([FormattedValue(Name('a'), 0)])",
            joined(vec![formatted(name("a"), 0, None)]),
        ),
        (
            "JoinedStr([FormattedValue(Name('a'), 120)])",
            joined(vec![formatted(name("a"), 120, None)]),
        ),
        (
            "Interpolation(Name('a'), 5, -1)",
            interpolation(name("a"), ConstValue::int(5), -1, None),
        ),
        (
            "Dict([Name('a')], [Name('a'), Name('b')])",
            node(ExprKind::Dict {
                keys: vec![Some(name("a"))],
                values: vec![name("a"), name("b")],
            }),
        ),
        (
            "Compare(Name('a'), [Lt()], [])",
            node(ExprKind::Compare {
                left: Box::new(name("a")),
                ops: vec![CmpOp::Lt],
                comparators: vec![],
            }),
        ),
    ]
}

#[test]
fn constructed_trees_match_cpython() {
    let interp = oracle();
    let accepted = constructed_cases();
    let rejected = rejected_cases();
    let cases: Vec<(&str, Expr, bool)> = accepted
        .into_iter()
        .map(|(py, e)| (py, e, true))
        .chain(rejected.into_iter().map(|(py, e)| (py, e, false)))
        .collect();
    let items: Vec<Value> = cases.iter().map(|(py, ..)| json!({"node": py})).collect();
    let theirs = oracle_run(&interp, &items);
    let mut failures = Vec::new();
    for ((py, tree, accepted), theirs) in cases.iter().zip(theirs) {
        let got = ours(tree);
        let same = match (&got, &theirs) {
            (Ok(a), Ok(b)) => *accepted && a == b,
            (Err(_), Err(_)) => !*accepted,
            _ => false,
        };
        if !same {
            failures.push(format!("{py}:\n   ours:   {got:?}\n   CPython: {theirs:?}"));
        }
    }
    eprintln!(
        "{} constructed trees compared, {} mismatches",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
