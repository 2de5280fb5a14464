//! Docstring handling.

use pyc_ast::{ConstValue, ExprKind, PyStr, Stmt, StmtKind};

/// `_PyAST_GetDocString`: the docstring of a body, if its first statement is a
/// string constant expression.
pub fn get_docstring(body: &[Stmt]) -> Option<&PyStr> {
    match &body.first()?.kind {
        StmtKind::Expr { value } => match &value.kind {
            ExprKind::Constant {
                value: ConstValue::Str(s),
                ..
            } => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// `str.expandtabs(8)`: columns restart after `\n` and `\r`.
fn expandtabs(cps: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(cps.len());
    let mut col = 0usize;
    for &c in cps {
        match c {
            0x09 => {
                let n = 8 - col % 8;
                out.extend(std::iter::repeat_n(0x20, n));
                col += n;
            }
            0x0a | 0x0d => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    out
}

/// `_PyCompile_CleanDoc`: expand tabs, strip the first line's leading spaces and the
/// common indentation of the following non-blank lines (like `inspect.cleandoc`, but
/// keeping trailing lines). Works on code points; only spaces count as indentation.
// CPython: compile.c _PyCompile_CleanDoc
pub fn clean_doc(doc: &PyStr) -> PyStr {
    let cps = expandtabs(&doc.code_points().collect::<Vec<u32>>());
    let nl = 0x0a;
    let sp = 0x20;
    let n = cps.len();
    // First pass: minimum indentation of non-blank lines after the first.
    let mut p = 0;
    while p < n {
        p += 1;
        if cps[p - 1] == nl {
            break;
        }
    }
    let mut margin = usize::MAX;
    while p < n {
        let s = p;
        while p < n && cps[p] == sp {
            p += 1;
        }
        if p < n && cps[p] != nl {
            margin = margin.min(p - s);
        }
        while p < n {
            p += 1;
            if cps[p - 1] == nl {
                break;
            }
        }
    }
    if margin == usize::MAX {
        margin = 0;
    }
    // Second pass.
    let mut p = 0;
    while p < n && cps[p] == sp {
        p += 1;
    }
    let mut out: Vec<u32> = Vec::with_capacity(n);
    while p < n {
        let ch = cps[p];
        out.push(ch);
        p += 1;
        if ch == nl {
            break;
        }
    }
    while p < n {
        let mut i = 0;
        while i < margin && p < n && cps[p] == sp {
            i += 1;
            p += 1;
        }
        while p < n {
            let ch = cps[p];
            out.push(ch);
            p += 1;
            if ch == nl {
                break;
            }
        }
    }
    PyStr::from_code_points(out).unwrap_or_else(|| doc.clone())
}
