//! PEP 634 structural pattern matching: the `match` statement.
// CPython: codegen.c (codegen_match, codegen_match_inner, codegen_pattern_*,
// ensure_fail_pop, jump_to_fail_pop, emit_and_reset_fail_pop) and ast_preprocess.c
// (fold_const_match_patterns).
//
// Every `pattern` routine consumes the subject on top of the stack and jumps to a
// `fail_pop` block on failure. `on_top` counts the items above the captured names that
// a failure must pop; captured names are rotated underneath them and stored only once
// the whole pattern matched.

use num_traits::ToPrimitive;
use pyc_ast::{CmpOp, ConstValue, Expr, ExprKind, MatchCase, Operator, Pattern, PatternKind};
use pyc_ast::{ExprContext, PyInt, UnaryOp};
use pyc_bytecode::{self as bc, Opcode};

use crate::CodegenError;
use crate::compiler::{Compiler, syntax_error};
use crate::instr::{Label, Loc, NO_LOCATION, loc_of};

/// `pattern_context`.
#[derive(Debug, Default)]
struct PatternContext {
    /// Names captured so far, in stack order.
    stores: Vec<String>,
    /// If false, an irrefutable pattern is a SyntaxError.
    allow_irrefutable: bool,
    /// `fail_pop[i]` pops `i` items, then falls through to `fail_pop[i - 1]`.
    fail_pop: Vec<Label>,
    /// Items on top of the stack that must stay there (popped on failure).
    on_top: usize,
}

/// `WILDCARD_CHECK`: `_` (a capture-less `MatchAs` without a sub-pattern).
fn is_wildcard(p: &Pattern) -> bool {
    matches!(
        &p.kind,
        PatternKind::MatchAs {
            pattern: None,
            name: None
        }
    )
}

/// `WILDCARD_STAR_CHECK`: `*_`.
fn is_wildcard_star(p: &Pattern) -> bool {
    matches!(&p.kind, PatternKind::MatchStar { name: None })
}

/// `fold_const_match_patterns`: the constant value of a `MatchValue` or mapping key
/// that CPython's AST preprocessing folds (`-1`, `1+2j`, `-1.5-2j`), or `None`.
fn fold_match_constant(e: &Expr) -> Option<ConstValue> {
    match &e.kind {
        ExprKind::Constant { value, .. } => Some(value.clone()),
        ExprKind::UnaryOp {
            op: UnaryOp::USub,
            operand,
        } => match &operand.kind {
            ExprKind::Constant { value, .. } => negate(value),
            _ => None,
        },
        ExprKind::BinOp { left, op, right }
            if matches!(op, Operator::Add | Operator::Sub)
                && matches!(right.kind, ExprKind::Constant { .. }) =>
        {
            let l = fold_match_constant(left)?;
            let ExprKind::Constant { value: r, .. } = &right.kind else {
                return None;
            };
            add_sub(&l, r, *op == Operator::Sub)
        }
        _ => None,
    }
}

/// `PyNumber_Negative` on a literal.
fn negate(v: &ConstValue) -> Option<ConstValue> {
    Some(match v {
        ConstValue::Int(i) => ConstValue::Int(PyInt::from(-i.to_bigint())),
        ConstValue::Float(f) => ConstValue::Float(-f),
        ConstValue::Complex { real, imag } => ConstValue::Complex {
            real: -real,
            imag: -imag,
        },
        _ => return None,
    })
}

/// A real number as a float (`None` for a non-real or an int too large for a float,
/// where CPython raises OverflowError: left to CPython, refused here).
fn as_real(v: &ConstValue) -> Option<f64> {
    match v {
        ConstValue::Int(i) => {
            let f = i.to_bigint().to_f64()?;
            f.is_finite().then_some(f)
        }
        ConstValue::Float(f) => Some(*f),
        _ => None,
    }
}

/// `PyNumber_Add` / `PyNumber_Subtract` of a real (or complex) and an imaginary
/// literal, with 3.14's mixed-mode rule: `r ± z == complex(r ± z.real, ±z.imag)`.
fn add_sub(l: &ConstValue, r: &ConstValue, sub: bool) -> Option<ConstValue> {
    let ConstValue::Complex { real: rr, imag: ri } = r else {
        return None;
    };
    match l {
        ConstValue::Complex { real, imag } => Some(if sub {
            ConstValue::Complex {
                real: real - rr,
                imag: imag - ri,
            }
        } else {
            ConstValue::Complex {
                real: real + rr,
                imag: imag + ri,
            }
        }),
        other => {
            let a = as_real(other)?;
            Some(if sub {
                ConstValue::Complex {
                    real: a - rr,
                    imag: -ri,
                }
            } else {
                ConstValue::Complex {
                    real: a + rr,
                    imag: *ri,
                }
            })
        }
    }
}

impl<'a> Compiler<'a> {
    /// `codegen_match` / `codegen_match_inner`.
    pub(crate) fn match_stmt(
        &mut self,
        subject: &'a Expr,
        cases: &'a [MatchCase],
    ) -> Result<(), CodegenError> {
        self.expr(subject)?;
        let end = self.new_label();
        let ncases = cases.len();
        let Some(last) = cases.last() else {
            return Err(CodegenError::Internal("match without cases".into()));
        };
        let has_default = is_wildcard(&last.pattern) && ncases > 1;
        let n = ncases - usize::from(has_default);
        for (i, m) in cases[..n].iter().enumerate() {
            let ploc = loc_of(m.pattern.loc);
            // Only copy the subject if this is not the last case.
            if i != n - 1 {
                self.addop_i(Opcode::COPY, 1, ploc);
            }
            let mut pc = PatternContext {
                allow_irrefutable: m.guard.is_some() || i == ncases - 1,
                ..PatternContext::default()
            };
            self.pattern(&m.pattern, &mut pc)?;
            debug_assert_eq!(pc.on_top, 0);
            // It's a match: store every captured name (they are on the stack).
            for name in &pc.stores {
                self.nameop(name, ExprContext::Store, ploc)?;
            }
            if let Some(guard) = &m.guard {
                self.ensure_fail_pop(&mut pc, 0);
                self.jump_if(guard, pc.fail_pop[0], false)?;
            }
            if i != n - 1 {
                // The next instruction's location, for better branch events.
                self.addop(Opcode::POP_TOP, pyc_flowgraph::NEXT_LOCATION);
            }
            self.stmts(&m.body)?;
            self.addop_jump(Opcode::JUMP, end, NO_LOCATION);
            // A failed pattern's cleanup belongs to the pattern, not to the body.
            self.emit_and_reset_fail_pop(ploc, &mut pc)?;
        }
        if has_default {
            // A trailing `case _:` saves some pushing and popping above.
            let ploc = loc_of(last.pattern.loc);
            if ncases == 1 {
                self.addop(Opcode::POP_TOP, ploc);
            } else {
                self.addop(Opcode::NOP, ploc);
            }
            if let Some(guard) = &last.guard {
                self.jump_if(guard, end, false)?;
            }
            self.stmts(&last.body)?;
        }
        self.use_label(end)
    }

    /// `ensure_fail_pop`: labels for popping up to `n` items.
    fn ensure_fail_pop(&mut self, pc: &mut PatternContext, n: usize) {
        while pc.fail_pop.len() < n + 1 {
            let l = self.new_label();
            pc.fail_pop.push(l);
        }
    }

    /// `jump_to_fail_pop`.
    fn jump_to_fail_pop(&mut self, loc: Loc, pc: &mut PatternContext, op: Opcode) {
        let pops = pc.on_top + pc.stores.len();
        self.ensure_fail_pop(pc, pops);
        self.addop_jump(op, pc.fail_pop[pops], loc);
    }

    /// `emit_and_reset_fail_pop`.
    fn emit_and_reset_fail_pop(
        &mut self,
        loc: Loc,
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        if pc.fail_pop.is_empty() {
            return Ok(());
        }
        let labels = std::mem::take(&mut pc.fail_pop);
        for &l in labels[1..].iter().rev() {
            self.use_label(l)?;
            self.addop(Opcode::POP_TOP, loc);
        }
        self.use_label(labels[0])
    }

    /// `codegen_pattern_helper_rotate`: 3.10's ROT_N with SWAPs.
    fn pattern_rotate(&mut self, loc: Loc, mut count: usize) {
        while count > 1 {
            self.addop_i(Opcode::SWAP, count as u32, loc);
            count -= 1;
        }
    }

    /// `codegen_pattern_helper_store_name`.
    fn pattern_store_name(
        &mut self,
        loc: Loc,
        name: Option<&str>,
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        let Some(n) = name else {
            self.addop(Opcode::POP_TOP, loc);
            return Ok(());
        };
        if pc.stores.iter().any(|s| s == n) {
            return syntax_error(
                &format!("multiple assignments to name '{n}' in pattern"),
                loc,
            );
        }
        let rotations = pc.on_top + pc.stores.len() + 1;
        self.pattern_rotate(loc, rotations);
        pc.stores.push(n.to_owned());
        Ok(())
    }

    /// `codegen_pattern_unpack_helper`.
    fn pattern_unpack_helper(&mut self, loc: Loc, elts: &[Pattern]) -> Result<(), CodegenError> {
        let n = elts.len();
        let mut seen_star = false;
        for (i, elt) in elts.iter().enumerate() {
            if matches!(elt.kind, PatternKind::MatchStar { .. }) {
                if seen_star {
                    return syntax_error("multiple starred expressions in sequence pattern", loc);
                }
                if i >= (1 << 8) || n - i > (i32::MAX as usize >> 8) {
                    return syntax_error(
                        "too many expressions in star-unpacking sequence pattern",
                        loc,
                    );
                }
                self.addop_i(Opcode::UNPACK_EX, (i + ((n - i - 1) << 8)) as u32, loc);
                seen_star = true;
            }
        }
        if !seen_star {
            self.addop_i(Opcode::UNPACK_SEQUENCE, n as u32, loc);
        }
        Ok(())
    }

    /// `pattern_helper_sequence_unpack`.
    fn pattern_sequence_unpack(
        &mut self,
        loc: Loc,
        patterns: &'a [Pattern],
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        self.pattern_unpack_helper(loc, patterns)?;
        // The new subjects stay on the stack after each sub-pattern match.
        pc.on_top += patterns.len();
        for p in patterns {
            pc.on_top -= 1;
            self.pattern_subpattern(p, pc)?;
        }
        Ok(())
    }

    /// `pattern_helper_sequence_subscr`: `[first, *_, last]` without unpacking.
    fn pattern_sequence_subscr(
        &mut self,
        loc: Loc,
        patterns: &'a [Pattern],
        star: usize,
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        // Keep the subject around for extracting elements.
        pc.on_top += 1;
        let size = patterns.len();
        for (i, p) in patterns.iter().enumerate() {
            if is_wildcard(p) || i == star {
                continue;
            }
            self.addop_i(Opcode::COPY, 1, loc);
            if i < star {
                self.load_const_value(ConstValue::int(i as i64), loc);
            } else {
                // The subject may not support negative indexing.
                self.addop(Opcode::GET_LEN, loc);
                self.load_const_value(ConstValue::int((size - i) as i64), loc);
                self.addop_i(Opcode::BINARY_OP, bc::NB_SUBTRACT, loc);
            }
            self.addop_i(Opcode::BINARY_OP, bc::NB_SUBSCR, loc);
            self.pattern_subpattern(p, pc)?;
        }
        pc.on_top -= 1;
        self.addop(Opcode::POP_TOP, loc);
        Ok(())
    }

    /// `codegen_pattern_subpattern`: like `pattern`, with irrefutable patterns allowed.
    fn pattern_subpattern(
        &mut self,
        p: &'a Pattern,
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        let allow = pc.allow_irrefutable;
        pc.allow_irrefutable = true;
        self.pattern(p, pc)?;
        pc.allow_irrefutable = allow;
        Ok(())
    }

    /// `codegen_pattern`.
    fn pattern(&mut self, p: &'a Pattern, pc: &mut PatternContext) -> Result<(), CodegenError> {
        let loc = loc_of(p.loc);
        match &p.kind {
            PatternKind::MatchValue { value } => {
                match fold_match_constant(value) {
                    Some(c) if !matches!(value.kind, ExprKind::Constant { .. }) => {
                        self.load_const_value(c, loc_of(value.loc));
                    }
                    _ => {
                        if !matches!(
                            value.kind,
                            ExprKind::Constant { .. } | ExprKind::Attribute { .. }
                        ) {
                            return syntax_error(
                                "patterns may only match literals and attribute lookups",
                                loc,
                            );
                        }
                        self.expr(value)?;
                    }
                }
                self.addcompare(CmpOp::Eq, loc);
                self.addop(Opcode::TO_BOOL, loc);
                self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
            }
            PatternKind::MatchSingleton { value } => {
                self.load_const_value(value.clone(), loc);
                self.addcompare(CmpOp::Is, loc);
                self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
            }
            PatternKind::MatchSequence { patterns } => self.pattern_sequence(p, patterns, pc)?,
            PatternKind::MatchMapping {
                keys,
                patterns,
                rest,
            } => self.pattern_mapping(loc, keys, patterns, rest.as_deref(), pc)?,
            PatternKind::MatchClass {
                cls,
                patterns,
                kwd_attrs,
                kwd_patterns,
            } => self.pattern_class(loc, cls, patterns, kwd_attrs, kwd_patterns, pc)?,
            PatternKind::MatchStar { name } => self.pattern_store_name(loc, name.as_deref(), pc)?,
            PatternKind::MatchAs { pattern, name } => match pattern {
                None => {
                    if !pc.allow_irrefutable {
                        return match name {
                            Some(n) => syntax_error(
                                &format!("name capture '{n}' makes remaining patterns unreachable"),
                                loc,
                            ),
                            None => {
                                syntax_error("wildcard makes remaining patterns unreachable", loc)
                            }
                        };
                    }
                    self.pattern_store_name(loc, name.as_deref(), pc)?;
                }
                Some(inner) => {
                    // A copy for (possibly) storing later.
                    pc.on_top += 1;
                    self.addop_i(Opcode::COPY, 1, loc);
                    self.pattern(inner, pc)?;
                    pc.on_top -= 1;
                    self.pattern_store_name(loc, name.as_deref(), pc)?;
                }
            },
            PatternKind::MatchOr { patterns } => self.pattern_or(loc, patterns, pc)?,
        }
        Ok(())
    }

    /// `codegen_pattern_sequence`.
    fn pattern_sequence(
        &mut self,
        p: &'a Pattern,
        patterns: &'a [Pattern],
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(p.loc);
        let size = patterns.len();
        let mut star = None;
        let mut only_wildcard = true;
        let mut star_wildcard = false;
        for (i, q) in patterns.iter().enumerate() {
            if matches!(q.kind, PatternKind::MatchStar { .. }) {
                if star.is_some() {
                    return syntax_error("multiple starred names in sequence pattern", loc);
                }
                star_wildcard = is_wildcard_star(q);
                only_wildcard &= star_wildcard;
                star = Some(i);
                continue;
            }
            only_wildcard &= is_wildcard(q);
        }
        // Keep the subject on top during the sequence and length checks.
        pc.on_top += 1;
        self.addop(Opcode::MATCH_SEQUENCE, loc);
        self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
        match star {
            None => {
                self.addop(Opcode::GET_LEN, loc);
                self.load_const_value(ConstValue::int(size as i64), loc);
                self.addcompare(CmpOp::Eq, loc);
                self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
            }
            Some(_) if size > 1 => {
                self.addop(Opcode::GET_LEN, loc);
                self.load_const_value(ConstValue::int(size as i64 - 1), loc);
                self.addcompare(CmpOp::GtE, loc);
                self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
            }
            Some(_) => {}
        }
        pc.on_top -= 1;
        if only_wildcard {
            self.addop(Opcode::POP_TOP, loc);
        } else if star_wildcard {
            let star = star.unwrap_or(usize::MAX);
            self.pattern_sequence_subscr(loc, patterns, star, pc)?;
        } else {
            self.pattern_sequence_unpack(loc, patterns, pc)?;
        }
        Ok(())
    }

    /// `codegen_pattern_mapping` (with `codegen_pattern_mapping_key`).
    fn pattern_mapping(
        &mut self,
        loc: Loc,
        keys: &'a [Expr],
        patterns: &'a [Pattern],
        rest: Option<&str>,
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        let mut size = keys.len();
        if size != patterns.len() {
            return syntax_error(
                &format!(
                    "keys ({size}) / patterns ({}) length mismatch in mapping pattern",
                    patterns.len()
                ),
                loc,
            );
        }
        // Keep the subject on top during the mapping and length checks.
        pc.on_top += 1;
        self.addop(Opcode::MATCH_MAPPING, loc);
        self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
        if size == 0 && rest.is_none() {
            // `{}`: done, pop the subject.
            pc.on_top -= 1;
            self.addop(Opcode::POP_TOP, loc);
            return Ok(());
        }
        if size > 0 {
            self.addop(Opcode::GET_LEN, loc);
            self.load_const_value(ConstValue::int(size as i64), loc);
            self.addcompare(CmpOp::GtE, loc);
            self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
        }
        let mut seen: Vec<pyc_flowgraph::ConstKey> = Vec::new();
        for key in keys {
            match fold_match_constant(key) {
                Some(c) => {
                    let k = pyc_flowgraph::ConstKey::new(&c);
                    if seen.contains(&k) {
                        return syntax_error(
                            &format!("mapping pattern checks duplicate key ({})", c.repr()),
                            loc,
                        );
                    }
                    seen.push(k);
                    if matches!(key.kind, ExprKind::Constant { .. }) {
                        self.expr(key)?;
                    } else {
                        self.load_const_value(c, loc_of(key.loc));
                    }
                }
                None if matches!(key.kind, ExprKind::Attribute { .. }) => self.expr(key)?,
                None => {
                    return syntax_error(
                        "mapping pattern keys may only match literals and attribute lookups",
                        loc,
                    );
                }
            }
        }
        self.addop_i(Opcode::BUILD_TUPLE, size as u32, loc);
        self.addop(Opcode::MATCH_KEYS, loc);
        // A tuple of keys and a tuple of values are now on top of the subject.
        pc.on_top += 2;
        self.addop_i(Opcode::COPY, 1, loc);
        self.load_const_value(ConstValue::None, loc);
        self.addop_i(Opcode::IS_OP, 1, loc);
        self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
        self.addop_i(Opcode::UNPACK_SEQUENCE, size as u32, loc);
        pc.on_top += size;
        pc.on_top -= 1;
        for p in patterns {
            pc.on_top -= 1;
            self.pattern_subpattern(p, pc)?;
        }
        // A match: what follows consumes the tuple of keys and the subject.
        pc.on_top -= 2;
        if let Some(star_target) = rest {
            // rest = dict(subject); for key in keys: del rest[key]
            self.addop_i(Opcode::BUILD_MAP, 0, loc);
            self.addop_i(Opcode::SWAP, 3, loc);
            self.addop_i(Opcode::DICT_UPDATE, 2, loc);
            self.addop_i(Opcode::UNPACK_SEQUENCE, size as u32, loc);
            while size > 0 {
                self.addop_i(Opcode::COPY, (1 + size) as u32, loc);
                size -= 1;
                self.addop_i(Opcode::SWAP, 2, loc);
                self.addop(Opcode::DELETE_SUBSCR, loc);
            }
            self.pattern_store_name(loc, Some(star_target), pc)?;
        } else {
            self.addop(Opcode::POP_TOP, loc);
            self.addop(Opcode::POP_TOP, loc);
        }
        Ok(())
    }

    /// `codegen_pattern_class` (with `validate_kwd_attrs`).
    #[allow(clippy::too_many_arguments)]
    fn pattern_class(
        &mut self,
        loc: Loc,
        cls: &'a Expr,
        patterns: &'a [Pattern],
        kwd_attrs: &'a [String],
        kwd_patterns: &'a [Pattern],
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        let nargs = patterns.len();
        let nattrs = kwd_attrs.len();
        if nattrs != kwd_patterns.len() {
            return syntax_error(
                &format!(
                    "kwd_attrs ({nattrs}) / kwd_patterns ({}) length mismatch in class pattern",
                    kwd_patterns.len()
                ),
                loc,
            );
        }
        for (i, attr) in kwd_attrs.iter().enumerate() {
            if let Some(j) = kwd_attrs[i + 1..].iter().position(|o| o == attr) {
                return syntax_error(
                    &format!("attribute name repeated in class pattern: {attr}"),
                    loc_of(kwd_patterns[i + 1 + j].loc),
                );
            }
        }
        self.expr(cls)?;
        let names: Vec<ConstValue> = kwd_attrs.iter().map(|a| self.identifier_const(a)).collect();
        self.load_const_value(ConstValue::Tuple(names), loc);
        self.addop_i(Opcode::MATCH_CLASS, nargs as u32, loc);
        self.addop_i(Opcode::COPY, 1, loc);
        self.load_const_value(ConstValue::None, loc);
        self.addop_i(Opcode::IS_OP, 1, loc);
        // A tuple of nargs + nattrs attributes (or None) is on top.
        pc.on_top += 1;
        self.jump_to_fail_pop(loc, pc, Opcode::POP_JUMP_IF_FALSE);
        self.addop_i(Opcode::UNPACK_SEQUENCE, (nargs + nattrs) as u32, loc);
        pc.on_top += nargs + nattrs;
        pc.on_top -= 1;
        for p in patterns.iter().chain(kwd_patterns) {
            pc.on_top -= 1;
            if is_wildcard(p) {
                self.addop(Opcode::POP_TOP, loc);
                continue;
            }
            self.pattern_subpattern(p, pc)?;
        }
        Ok(())
    }

    /// `codegen_pattern_or`.
    fn pattern_or(
        &mut self,
        loc: Loc,
        alts: &'a [Pattern],
        pc: &mut PatternContext,
    ) -> Result<(), CodegenError> {
        let end = self.new_label();
        let size = alts.len();
        let old_allow = pc.allow_irrefutable;
        let old_stores = std::mem::take(&mut pc.stores);
        let old_fail_pop = std::mem::take(&mut pc.fail_pop);
        let old_on_top = pc.on_top;
        // The names bound by the first alternative: the others must bind the same
        // names, and are reordered to its order.
        let mut control: Option<Vec<String>> = None;
        for (i, alt) in alts.iter().enumerate() {
            let aloc = loc_of(alt.loc);
            pc.stores = Vec::new();
            // An irrefutable sub-pattern must be last, if it is allowed at all.
            pc.allow_irrefutable = i == size - 1 && old_allow;
            pc.fail_pop = Vec::new();
            pc.on_top = 0;
            self.addop_i(Opcode::COPY, 1, aloc);
            self.pattern(alt, pc)?;
            let nstores = pc.stores.len();
            match &control {
                None => control = Some(pc.stores.clone()),
                Some(ctl) if ctl.len() != nstores => {
                    return syntax_error("alternative patterns bind different names", loc);
                }
                Some(ctl) => {
                    let ctl = ctl.clone();
                    let mut icontrol = nstores;
                    while icontrol > 0 {
                        icontrol -= 1;
                        let name = &ctl[icontrol];
                        let Some(istores) = pc.stores.iter().position(|s| s == name) else {
                            return syntax_error("alternative patterns bind different names", loc);
                        };
                        if icontrol != istores {
                            // Reorder the names on the stack to match the control.
                            let rotations = istores + 1;
                            let rotated: Vec<String> = pc.stores.drain(..rotations).collect();
                            let at = icontrol - istores;
                            pc.stores.splice(at..at, rotated);
                            for _ in 0..rotations {
                                self.pattern_rotate(aloc, icontrol + 1);
                            }
                        }
                    }
                }
            }
            self.addop_jump(Opcode::JUMP, end, aloc);
            self.emit_and_reset_fail_pop(aloc, pc)?;
        }
        pc.stores = old_stores;
        pc.fail_pop = old_fail_pop;
        pc.on_top = old_on_top;
        pc.allow_irrefutable = old_allow;
        // No match: pop the remaining copy of the subject and fail.
        self.addop(Opcode::POP_TOP, loc);
        self.jump_to_fail_pop(loc, pc, Opcode::JUMP);
        self.use_label(end)?;
        let control = control.unwrap_or_default();
        let nstores = control.len();
        // Between the new stores and their place: the other stores, a copy of the
        // subject, whatever else is on top, and the previous stores.
        let nrots = nstores + 1 + pc.on_top + pc.stores.len();
        for name in control {
            self.pattern_rotate(loc, nrots);
            if pc.stores.contains(&name) {
                return syntax_error(
                    &format!("multiple assignments to name '{name}' in pattern"),
                    loc,
                );
            }
            pc.stores.push(name);
        }
        // Pop the copy of the subject.
        self.addop(Opcode::POP_TOP, loc);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_literals_fold_with_mixed_mode_rules() {
        let two_j = ConstValue::Complex {
            real: 0.0,
            imag: 2.0,
        };
        let Some(ConstValue::Complex { real, imag }) = add_sub(&ConstValue::int(1), &two_j, true)
        else {
            panic!("not folded");
        };
        assert_eq!((real, imag), (1.0, -2.0));
        let Some(ConstValue::Complex { real, .. }) = negate(&two_j) else {
            panic!("not folded");
        };
        assert!(real == 0.0 && real.is_sign_negative());
    }
}
