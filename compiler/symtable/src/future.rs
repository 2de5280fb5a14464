//! `Python/future.c`: the `from __future__ import …` statements at the top of a module.

use pyc_ast::{ExprKind, Location, Module, Stmt, StmtKind};

use crate::error::{Result, SymtableError};
use crate::flags::{CO_FUTURE_ANNOTATIONS, CO_FUTURE_BARRY_AS_BDFL};

/// `_PyFutureFeatures`: the features a module turns on, and where its last future statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FutureFeatures {
    /// `ff_features`: `CO_FUTURE_*` bits, plus compile flags CPython merges in
    /// (`PYCF_ALLOW_TOP_LEVEL_AWAIT`).
    pub features: u32,
    /// `ff_location`: the location of the last future statement (`None` is CPython's
    /// `{-1, -1, -1, -1}`).
    pub location: Option<Location>,
}

impl FutureFeatures {
    /// Whether `from __future__ import annotations` is active.
    pub fn annotations(&self) -> bool {
        self.features & CO_FUTURE_ANNOTATIONS != 0
    }

    /// Whether `from __future__ import barry_as_FLUFL` is active.
    pub fn barry_as_bdfl(&self) -> bool {
        self.features & CO_FUTURE_BARRY_AS_BDFL != 0
    }
}

/// `_PyAST_GetDocString(body)`: whether `body` starts with a string-constant expression statement.
pub fn has_docstring(body: &[Stmt]) -> bool {
    match body.first() {
        Some(Stmt {
            kind: StmtKind::Expr { value },
            ..
        }) => matches!(
            &value.kind,
            ExprKind::Constant {
                value: pyc_ast::ConstValue::Str(_),
                ..
            }
        ),
        _ => false,
    }
}

// CPython: future.c future_check_features
fn future_check_features(ff: &mut FutureFeatures, s: &Stmt) -> Result<()> {
    let StmtKind::ImportFrom { names, .. } = &s.kind else {
        return Ok(());
    };
    for alias in names {
        match alias.name.as_str() {
            "nested_scopes" | "generators" | "division" | "absolute_import" | "with_statement"
            | "print_function" | "unicode_literals" | "generator_stop" => {}
            "barry_as_FLUFL" => ff.features |= CO_FUTURE_BARRY_AS_BDFL,
            "annotations" => ff.features |= CO_FUTURE_ANNOTATIONS,
            "braces" => return Err(SymtableError::syntax("not a chance", alias.loc)),
            feature => {
                // UNDEFINED_FUTURE_FEATURE "future feature %.100s is not defined"
                let shown: String = feature.chars().take(100).collect();
                return Err(SymtableError::syntax(
                    format!("future feature {shown} is not defined"),
                    alias.loc,
                ));
            }
        }
    }
    Ok(())
}

// CPython: future.c future_parse
fn future_parse(ff: &mut FutureFeatures, body: &[Stmt]) -> Result<()> {
    let start = usize::from(has_docstring(body));
    for s in body.iter().skip(start) {
        // The only things that can precede a future statement are another future statement and a
        // doc string.
        match &s.kind {
            StmtKind::ImportFrom {
                module: Some(m),
                level: 0,
                ..
            } if m == "__future__" => {
                future_check_features(ff, s)?;
                ff.location = Some(s.loc);
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}

/// `_PyFuture_FromAST` for a module: the future features of `module`, or the `SyntaxError` for an
/// unknown feature (`future feature X is not defined`, `not a chance`).
///
/// A misplaced `from __future__ import` is reported later, by the symbol table
/// (`check_import_from`), as CPython does.
pub fn future_from_ast(module: &Module) -> Result<FutureFeatures> {
    future_from_body(&module.body)
}

/// `_PyFuture_FromAST` for the statements of a `Module` or `Interactive` root.
pub fn future_from_body(body: &[Stmt]) -> Result<FutureFeatures> {
    let mut ff = FutureFeatures::default();
    future_parse(&mut ff, body)?;
    Ok(ff)
}
