//! Deeply nested input must give a result or a typed error, never a crash.
#![allow(clippy::unwrap_used)]

/// Parses on a big stack (the parser is not under test here), then builds the table on a thread
/// with the default 2 MiB test stack.
fn build_src(src: String) -> Result<(), String> {
    let module = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || pyc_parser::parse_module(src.as_bytes(), "<deep>"))
        .unwrap()
        .join()
        .unwrap()
        .map_err(|e| format!("parse: {e}"))?;
    let module = std::sync::Arc::new(module);
    let m2 = module.clone();
    let r = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            pyc_symtable::build(&m2)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .unwrap()
        .join()
        .unwrap();
    // Drop the deep tree on a big stack too.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || drop(module))
        .unwrap()
        .join()
        .unwrap();
    r
}

#[test]
fn deep_nesting_does_not_crash() {
    for depth in [100usize, 2900, 3100] {
        let lambdas = format!("{}x", "lambda: ".repeat(depth));
        let unary = format!("{}x", "-".repeat(depth));
        let nots = format!("{}x", "not ".repeat(depth));
        let defs: String = (0..depth.min(95))
            .map(|i| format!("{}def f{i}():\n", " ".repeat(i)))
            .collect::<String>()
            + &" ".repeat(depth.min(95))
            + "return x\n";
        for (kind, src) in [
            ("lambdas", lambdas),
            ("unary", unary),
            ("nots", nots),
            ("defs", defs),
        ] {
            let r = build_src(src);
            // CPython compiles all of these up to depth 2900; beyond pyc-parser's MAX_DEPTH the
            // parser refuses them.
            match r {
                Ok(()) => {}
                Err(e) if depth > 3000 && e.starts_with("parse:") => {}
                Err(e) => panic!("{kind} depth {depth}: {e}"),
            }
        }
    }
}

/// A tree deeper than `MAX_RECURSION_DEPTH` (built by hand; the parser would refuse it) gives a
/// `RecursionError`.
#[test]
fn too_deep_is_a_recursion_error() {
    use pyc_ast::{Expr, ExprContext, ExprKind, Location, Module, Stmt, StmtKind, UnaryOp};
    let r = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let loc = Location::new(1, 0, 1, 1);
            let mut e = Expr::new(
                ExprKind::Name {
                    id: "x".into(),
                    ctx: ExprContext::Load,
                },
                loc,
            );
            for _ in 0..(pyc_symtable::MAX_RECURSION_DEPTH + 10) {
                e = Expr::new(
                    ExprKind::UnaryOp {
                        op: UnaryOp::USub,
                        operand: Box::new(e),
                    },
                    loc,
                );
            }
            let m = Module {
                body: vec![Stmt::new(StmtKind::Expr { value: Box::new(e) }, loc)],
                type_ignores: vec![],
            };
            pyc_symtable::build(&m).map(|_| ())
        })
        .unwrap()
        .join()
        .unwrap();
    let e = r.unwrap_err();
    assert_eq!(e.kind, pyc_symtable::SymtableErrorKind::RecursionError);
    assert_eq!(
        e.message,
        "maximum recursion depth exceeded during compilation"
    );
}
