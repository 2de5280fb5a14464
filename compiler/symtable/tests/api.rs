//! The public API on small modules (no oracle): fields `_symtable` does not expose, lookups,
//! mangling, and a snapshot of the readable dump.
#![allow(clippy::unwrap_used)]

use pyc_ast::{ExprKind, Module, StmtKind};
use pyc_symtable::{
    BlockType, ComprehensionType, NodeKind, ScopeId, SymbolScope, SymbolTable, build, flags,
};

fn parse(src: &str) -> Module {
    pyc_parser::parse_module(src.as_bytes(), "<test>").unwrap()
}

fn find<'a>(t: &'a SymbolTable, name: &str) -> &'a pyc_symtable::Scope {
    t.scopes().iter().find(|s| s.name == name).unwrap()
}

#[test]
fn class_cells_and_methods() {
    let m = parse(
        "class C:\n    x: int\n    def f(self):\n        return super().f()\n    def g(self):\n        return [i for i in self]\n",
    );
    let t = build(&m).unwrap();
    let c = find(&t, "C");
    assert_eq!(c.block_type, BlockType::Class);
    assert!(c.needs_class_closure);
    assert!(c.needs_classdict);
    assert!(!c.has_conditional_annotations);
    assert_eq!(c.private.as_deref(), Some("C"));
    let f = find(&t, "f");
    assert!(f.method && !f.nested && f.block_type == BlockType::Function);
    assert_eq!(f.scope_of("__class__"), Some(SymbolScope::Free));
    assert_eq!(f.private.as_deref(), Some("C"));
    // the class's variable annotations
    let ann = c.annotation_block.unwrap();
    assert_eq!(t.scope(ann).name, "__annotate__");
    assert!(t.scope(ann).can_see_class_scope);
    assert_eq!(
        t.lookup(pyc_symtable::BlockKey::AnnotationsOf(c.id)),
        Some(ann)
    );
    // the comprehension in g is inlined and no longer a child, but still a scope
    let comp = find(&t, "listcomp");
    assert!(comp.comp_inlined);
    assert_eq!(comp.comprehension, ComprehensionType::List);
    assert_eq!(comp.varnames, [".0"]);
    let g = find(&t, "g");
    assert!(!g.children.contains(&comp.id));
    assert_eq!(
        g.symbols.get("i").unwrap().scope(),
        Some(SymbolScope::Local)
    );
    assert!(
        g.symbols
            .get("i")
            .unwrap()
            .has(flags::DEF_COMP_ITER | flags::DEF_LOCAL)
    );
    // lookups from the AST
    let StmtKind::ClassDef { body, .. } = &m.body[0].kind else {
        panic!()
    };
    assert_eq!(t.stmt_scope(&m.body[0]), Some(c.id));
    assert_eq!(t.stmt_scope(&body[1]), Some(f.id));
    let StmtKind::FunctionDef { args, .. } = &body[1].kind else {
        panic!()
    };
    let fa = t.annotations_scope(args).unwrap();
    assert_eq!(t.scope(fa).function_name.as_deref(), Some("f"));
    assert!(!t.scope(fa).annotations_used);
    assert_eq!(
        t.lookup_by_location(NodeKind::Stmt, body[1].loc),
        Some(f.id)
    );
}

#[test]
fn flags_of_functions() {
    let m = parse(
        "async def a(*args, **kw):\n    'doc'\n    yield 1\n    return\ndef b():\n    return (x async for x in y)\nasync def c():\n    await z\ndef d(p: int) -> str:\n    return p\n",
    );
    let t = build(&m).unwrap();
    let a = find(&t, "a");
    assert!(a.coroutine && a.generator && a.varargs && a.varkeywords && a.has_docstring);
    assert!(!a.returns_value);
    let g = find(&t, "genexpr");
    assert!(g.generator && g.coroutine && g.nested && !g.comp_inlined);
    assert!(!find(&t, "b").coroutine);
    let c = find(&t, "c");
    assert!(c.coroutine && !c.generator);
    let d = find(&t, "d");
    assert!(d.returns_value);
    let da = t
        .scopes()
        .iter()
        .find(|s| s.function_name.as_deref() == Some("d"))
        .unwrap();
    assert!(da.annotations_used);
    assert_eq!(da.varnames, [".format"]);
}

#[test]
fn generic_class_mangling() {
    let src = "class _K[__T, U: __V]:\n    def f(self, __a: __T): return __b\n";
    let m = parse(src);
    let t = build(&m).unwrap();
    let StmtKind::ClassDef { type_params, .. } = &m.body[0].kind else {
        panic!()
    };
    let tp = t.type_params_scope(type_params).unwrap();
    let tps = t.scope(tp);
    assert_eq!(tps.block_type, BlockType::TypeParameters);
    assert_eq!(tps.private.as_deref(), Some("_K"));
    let mangled: Vec<&str> = t
        .mangled_names(tp)
        .unwrap()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(mangled, ["U", "__T"]);
    // type parameters are mangled, other names in the type-parameter scope are not
    assert!(tps.symbols.contains("_K__T"));
    assert_eq!(t.maybe_mangle(Some("_K"), tp, "__T"), "_K__T");
    assert_eq!(t.maybe_mangle(Some("_K"), tp, "__V"), "__V");
    let bound = t.type_param_bound_scope(&type_params[1]).unwrap();
    assert_eq!(t.scope(bound).scope_info, Some("a TypeVar bound"));
    assert!(t.scope(bound).symbols.contains("__V"));
    // inside the class everything is mangled
    let f = find(&t, "f");
    assert_eq!(f.varnames, ["self", "_K__a"]);
    assert!(f.symbols.contains("_K__b"));
    let class = t.stmt_scope(&m.body[0]).unwrap();
    assert_eq!(t.scope(class).block_type, BlockType::Class);
    assert_eq!(t.mangled_names(class), None);
    // ...but the method's scopes, created in the class, don't inherit the set
    assert_eq!(t.mangled_names(f.id), None);
}

#[test]
fn future_annotations_and_errors() {
    let m = parse("from __future__ import annotations\nx: int\nclass C:\n    y: C\n");
    let t = build(&m).unwrap();
    assert!(t.future().annotations());
    let top = t.scope(t.top());
    // the annotation block exists (keyed and linked) but is nobody's child and is not analyzed
    let ann = top.annotation_block.unwrap();
    assert!(!top.children.contains(&ann));
    assert!(t.scope(ann).symbols.iter().all(|s| s.scope().is_none()));

    let e = build(&parse("def f():\n    x = 'é'\n    global x\n")).unwrap_err();
    assert_eq!(
        e.message,
        "name 'x' is assigned to before global declaration"
    );
    assert_eq!(
        (e.lineno, e.offset, e.end_lineno, e.end_offset),
        (3, 5, 3, 13)
    );
    // (pyc-parser may reject unknown features itself, as CPython's parser does; edit the tree)
    let mut m = parse("from __future__ import annotations");
    let StmtKind::ImportFrom { names, .. } = &mut m.body[0].kind else {
        panic!()
    };
    names[0].name = "nope".into();
    let e = build(&m).unwrap_err();
    assert_eq!(e.message, "future feature nope is not defined");
    assert_eq!(
        e.to_string(),
        "SyntaxError: future feature nope is not defined (line 1, offset 24)"
    );
}

#[test]
fn every_scope_kind_is_found() {
    let src = "type A[T = int] = list[T]\ndef f[**P, *Ts](x=lambda: 0): pass\nclass C[T: (int, str)]: pass\n";
    let m = parse(src);
    let t = build(&m).unwrap();
    let StmtKind::TypeAlias { type_params, .. } = &m.body[0].kind else {
        panic!()
    };
    let d = t.type_var_default_scope(&type_params[0]).unwrap();
    assert_eq!(t.scope(d).scope_info, Some("a TypeVar default"));
    assert_eq!(t.type_param_bound_scope(&type_params[0]), None);
    assert_eq!(
        t.scope(t.stmt_scope(&m.body[0]).unwrap()).block_type,
        BlockType::TypeAlias
    );
    let StmtKind::FunctionDef { args, .. } = &m.body[1].kind else {
        panic!()
    };
    let lam = args.defaults[0].clone();
    // a clone is a different node: the address lookup misses it, the location lookup finds it
    assert_eq!(t.expr_scope(&lam), None);
    let by_loc = t.lookup_by_location(NodeKind::Expr, lam.loc).unwrap();
    assert_eq!(t.expr_scope(&args.defaults[0]), Some(by_loc));
    assert!(matches!(args.defaults[0].kind, ExprKind::Lambda { .. }));
    let StmtKind::ClassDef { type_params, .. } = &m.body[2].kind else {
        panic!()
    };
    let b = t.type_param_bound_scope(&type_params[0]).unwrap();
    assert_eq!(t.scope(b).scope_info, Some("a TypeVar constraint"));
    let tp = t.scope(t.type_params_scope(type_params).unwrap());
    assert_eq!(
        tp.symbols.flags(".type_params") & flags::DEF_LOCAL,
        flags::DEF_LOCAL
    );
    assert_eq!(t.get(ScopeId::clone(&tp.id)).map(|s| s.id), Some(tp.id));
}

#[test]
fn dump_snapshot() {
    let src = "\
import os.path
x: int = 1
def outer(a, *args):
    b = [a for _ in args]
    def inner():
        nonlocal b
        return lambda: b
    return inner
class C[T](Base):
    if cond:
        y: T
    def m(self):
        return __class__
";
    let t = build(&parse(src)).unwrap();
    insta::assert_snapshot!(t.dump());
}
