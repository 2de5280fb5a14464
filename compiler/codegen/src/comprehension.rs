//! Comprehensions: PEP 709 inlining of list/set/dict comprehensions, generator
//! expressions as nested code objects, and the `all`/`any`/`tuple` fast path.
// CPython: codegen.c (codegen_comprehension, codegen_sync_comprehension_generator,
// push/pop_inlined_comprehension_state, maybe_optimize_function_call) and compile.c
// (_PyCompile_TweakInlinedComprehensionScopes, _PyCompile_RevertInlinedComprehensionScopes)

use pyc_ast::{Comprehension, ConstValue, Expr, ExprKind};
use pyc_bytecode::{self as bc, Opcode};
use pyc_symtable::ScopeId;
use pyc_symtable::flags as sf;

use crate::CodegenError;
use crate::compiler::{Compiler, FBlockDatum, FBlockType};
use crate::instr::{Label, Loc, NO_LOCATION, loc_of};
use crate::unit::ScopeType;

/// `COMP_GENEXP` … `COMP_DICTCOMP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompKind {
    GenExp,
    List,
    Set,
    Dict,
}

/// `_PyCompile_InlinedComprehensionState`.
#[derive(Default)]
struct InlineState {
    pushed_locals: Vec<String>,
    temp_symbols: Vec<(String, Option<u32>)>,
    fast_hidden: Vec<String>,
    cleanup: Option<Label>,
}

impl<'a> Compiler<'a> {
    /// `codegen_comprehension`.
    pub(crate) fn comprehension(
        &mut self,
        e: &'a Expr,
        kind: CompKind,
        name: &str,
        generators: &'a [Comprehension],
        elt: &'a Expr,
        val: Option<&'a Expr>,
    ) -> Result<(), CodegenError> {
        let Some(ste) = self.symtable.expr_scope(e) else {
            return Err(CodegenError::Internal(
                "no symbol table for comprehension".into(),
            ));
        };
        let entry = self.symtable.scope(ste);
        let is_async_comprehension = entry.coroutine;
        let is_inlined = entry.comp_inlined;
        let loc = loc_of(e.loc);
        let outermost = &generators[0];
        // 3.14.10 evaluates the outermost iterable and its GET_ITER / GET_AITER in the
        // enclosing scope.
        let get_iter = if outermost.is_async {
            Opcode::GET_AITER
        } else {
            Opcode::GET_ITER
        };
        let mut state = None;
        if is_inlined {
            self.expr(&outermost.iter)?;
            self.addop(get_iter, loc_of(outermost.iter.loc));
            state = Some(self.push_inlined_comprehension_state(loc, ste)?);
        } else {
            self.enter_scope(
                name,
                ScopeType::Comprehension,
                ste,
                e.loc.lineno as i32,
                None,
                1,
                0,
                0,
            )?;
        }
        if kind != CompKind::GenExp {
            let op = match kind {
                CompKind::List => Opcode::BUILD_LIST,
                CompKind::Set => Opcode::BUILD_SET,
                _ => Opcode::BUILD_MAP,
            };
            self.addop_i(op, 0, loc);
            if is_inlined {
                self.addop_i(Opcode::SWAP, 2, loc);
            }
        }
        self.comprehension_generator(loc, generators, 0, 0, elt, val, kind, is_inlined)?;
        if let Some(state) = state {
            return self.pop_inlined_comprehension_state(loc, state);
        }
        if kind == CompKind::GenExp {
            self.wrap_in_stopiteration_handler()?;
        } else {
            self.addop(Opcode::RETURN_VALUE, loc);
        }
        self.u.unit.ast_key = Some(std::ptr::from_ref(e) as usize);
        let idx = self.exit_scope(true);
        self.make_closure(loc, idx, 0)?;
        self.expr(&outermost.iter)?;
        self.addop(get_iter, loc_of(outermost.iter.loc));
        self.addop_i(Opcode::CALL, 0, loc);
        if is_async_comprehension && kind != CompKind::GenExp {
            self.addop_i(Opcode::GET_AWAITABLE, 0, loc);
            self.load_const_value(ConstValue::None, loc);
            self.add_yield_from(loc, true)?;
        }
        Ok(())
    }

    /// `codegen_comprehension_generator`: dispatches on the clause's `async`.
    #[allow(clippy::too_many_arguments)]
    fn comprehension_generator(
        &mut self,
        loc: Loc,
        generators: &'a [Comprehension],
        gen_index: usize,
        depth: u32,
        elt: &'a Expr,
        val: Option<&'a Expr>,
        kind: CompKind,
        iter_on_stack: bool,
    ) -> Result<(), CodegenError> {
        if generators[gen_index].is_async {
            self.async_comprehension_generator(
                loc,
                generators,
                gen_index,
                depth,
                elt,
                val,
                kind,
                iter_on_stack,
            )
        } else {
            self.sync_comprehension_generator(
                loc,
                generators,
                gen_index,
                depth,
                elt,
                val,
                kind,
                iter_on_stack,
            )
        }
    }

    /// The innermost clause's element: yield, append, add or map-add it.
    fn comprehension_element(
        &mut self,
        depth: u32,
        elt: &'a Expr,
        val: Option<&'a Expr>,
        kind: CompKind,
    ) -> Result<Loc, CodegenError> {
        let mut elt_loc = loc_of(elt.loc);
        match kind {
            CompKind::GenExp => {
                self.expr(elt)?;
                self.addop_yield(elt_loc);
                self.addop(Opcode::POP_TOP, elt_loc);
            }
            CompKind::List => {
                self.expr(elt)?;
                self.addop_i(Opcode::LIST_APPEND, depth + 1, elt_loc);
            }
            CompKind::Set => {
                self.expr(elt)?;
                self.addop_i(Opcode::SET_ADD, depth + 1, elt_loc);
            }
            CompKind::Dict => {
                self.expr(elt)?;
                let Some(val) = val else {
                    return Err(CodegenError::Internal(
                        "dict comprehension without value".into(),
                    ));
                };
                self.expr(val)?;
                elt_loc = Loc::new(
                    elt.loc.lineno as i32,
                    val.loc.end_lineno as i32,
                    elt.loc.col_offset as i32,
                    val.loc.end_col_offset as i32,
                );
                self.addop_i(Opcode::MAP_ADD, depth + 1, elt_loc);
            }
        }
        Ok(elt_loc)
    }

    /// `codegen_async_comprehension_generator`.
    #[allow(clippy::too_many_arguments)]
    fn async_comprehension_generator(
        &mut self,
        loc: Loc,
        generators: &'a [Comprehension],
        gen_index: usize,
        mut depth: u32,
        elt: &'a Expr,
        val: Option<&'a Expr>,
        kind: CompKind,
        iter_on_stack: bool,
    ) -> Result<(), CodegenError> {
        let generator = &generators[gen_index];
        let start = self.new_label();
        let send = self.new_label();
        let except = self.new_label();
        let if_cleanup = self.new_label();
        if !iter_on_stack {
            if gen_index == 0 {
                self.addop_i(Opcode::LOAD_FAST, 0, loc);
            } else {
                self.expr(&generator.iter)?;
                self.addop(Opcode::GET_AITER, loc_of(generator.iter.loc));
            }
        }
        self.use_label(start)?;
        self.push_fblock(
            loc,
            FBlockType::AsyncComprehensionGenerator,
            start,
            Label::NONE,
            FBlockDatum::None,
        )?;
        self.addop_jump(Opcode::SETUP_FINALLY, except, loc);
        self.addop(Opcode::GET_ANEXT, loc);
        self.load_const_value(ConstValue::None, loc);
        self.use_label(send)?;
        self.add_yield_from(loc, true)?;
        self.addop(Opcode::POP_BLOCK, loc);
        self.expr(&generator.target)?;
        for cond in &generator.ifs {
            self.jump_if(cond, if_cleanup, false)?;
        }
        depth += 1;
        if gen_index + 1 < generators.len() {
            self.comprehension_generator(
                loc,
                generators,
                gen_index + 1,
                depth,
                elt,
                val,
                kind,
                false,
            )?;
        }
        let elt_loc = if gen_index + 1 >= generators.len() {
            self.comprehension_element(depth, elt, val, kind)?
        } else {
            loc_of(elt.loc)
        };
        self.use_label(if_cleanup)?;
        self.addop_jump(Opcode::JUMP, start, elt_loc);
        self.pop_fblock(FBlockType::AsyncComprehensionGenerator);
        self.use_label(except)?;
        self.addop_jump(Opcode::END_ASYNC_FOR, send, loc);
        Ok(())
    }

    /// `codegen_sync_comprehension_generator`.
    #[allow(clippy::too_many_arguments)]
    fn sync_comprehension_generator(
        &mut self,
        loc: Loc,
        generators: &'a [Comprehension],
        gen_index: usize,
        mut depth: u32,
        elt: &'a Expr,
        val: Option<&'a Expr>,
        kind: CompKind,
        iter_on_stack: bool,
    ) -> Result<(), CodegenError> {
        let generator = &generators[gen_index];
        let mut start = Some(self.new_label());
        let if_cleanup = self.new_label();
        let anchor = self.new_label();
        if !iter_on_stack {
            if gen_index == 0 {
                self.addop_i(Opcode::LOAD_FAST, 0, loc);
            } else {
                // Fast path for the temporary variable assignment idiom `for y in [f(x)]`.
                let elts = match &generator.iter.kind {
                    ExprKind::List { elts, .. } | ExprKind::Tuple { elts, .. } => Some(elts),
                    _ => None,
                };
                if let Some(elts) = elts
                    && elts.len() == 1
                    && !matches!(elts[0].kind, ExprKind::Starred { .. })
                {
                    self.expr(&elts[0])?;
                    start = None;
                }
                if start.is_some() {
                    self.expr(&generator.iter)?;
                }
            }
        }
        let iloc = loc_of(generator.iter.loc);
        if let Some(start) = start {
            depth += 1;
            if gen_index > 0 {
                self.addop(Opcode::GET_ITER, iloc);
            }
            self.use_label(start)?;
            self.addop_jump(Opcode::FOR_ITER, anchor, iloc);
        }
        self.expr(&generator.target)?;
        for cond in &generator.ifs {
            self.jump_if(cond, if_cleanup, false)?;
        }
        if gen_index + 1 < generators.len() {
            self.comprehension_generator(
                loc,
                generators,
                gen_index + 1,
                depth,
                elt,
                val,
                kind,
                false,
            )?;
        }
        let elt_loc = if gen_index + 1 >= generators.len() {
            self.comprehension_element(depth, elt, val, kind)?
        } else {
            loc_of(elt.loc)
        };
        self.use_label(if_cleanup)?;
        if let Some(start) = start {
            self.addop_jump(Opcode::JUMP, start, elt_loc);
            self.use_label(anchor)?;
            self.addop(Opcode::END_FOR, NO_LOCATION);
            self.addop(Opcode::POP_ITER, NO_LOCATION);
        }
        Ok(())
    }

    /// `push_inlined_comprehension_state`: `_PyCompile_TweakInlinedComprehensionScopes`
    /// then `codegen_push_inlined_comprehension_locals`.
    fn push_inlined_comprehension_state(
        &mut self,
        loc: Loc,
        comp: ScopeId,
    ) -> Result<InlineState, CodegenError> {
        let mut state = InlineState::default();
        let outer_is_class = self.ste().block_type == pyc_symtable::BlockType::Class;
        let in_class_block = outer_is_class && self.u.in_inlined_comp == 0;
        self.u.in_inlined_comp += 1;
        let function_like = self.ste().is_function_like();
        let comp_symbols: Vec<(String, u32)> = self
            .symtable
            .scope(comp)
            .symbols
            .iter()
            .map(|s| (s.name.clone(), s.flags))
            .collect();
        for (k, symbol) in &comp_symbols {
            let scope = sf::symbol_to_scope(*symbol);
            let outsymbol = self.sym_flags(k);
            let outsc = sf::symbol_to_scope(outsymbol);
            if (scope != outsc && scope != sf::FREE && !(scope == sf::CELL && outsc == sf::FREE))
                || in_class_block
            {
                let previous = self.u.symbol_overlay.insert(k.clone(), *symbol);
                state.temp_symbols.push((k.clone(), previous));
            }
            if ((symbol & sf::DEF_LOCAL != 0 && symbol & sf::DEF_NONLOCAL == 0) || in_class_block)
                && !function_like
                && self.u.unit.fasthidden.get(k).copied() != Some(true)
            {
                self.u.unit.fasthidden.insert(k.clone(), true);
                state.fast_hidden.push(k.clone());
            }
        }
        // codegen_push_inlined_comprehension_locals (in_class_block is false here:
        // the unit is now inside an inlined comprehension).
        for (k, symbol) in &comp_symbols {
            let scope = sf::symbol_to_scope(*symbol);
            let outsc = sf::symbol_to_scope(self.sym_flags(k));
            if symbol & sf::DEF_LOCAL != 0 && symbol & sf::DEF_NONLOCAL == 0 {
                let mangled = self.maybe_mangle(k).into_owned();
                let idx = self.u.unit.varnames.add(&mangled) as u32;
                self.addop_i(Opcode::LOAD_FAST_AND_CLEAR, idx, loc);
                if scope == sf::CELL {
                    let arg = if outsc == sf::FREE {
                        self.freevar_arg(&mangled)
                    } else {
                        self.u.unit.cellvars.add(&mangled) as u32
                    };
                    self.addop_i(Opcode::MAKE_CELL, arg, loc);
                }
                state.pushed_locals.push(k.clone());
            }
        }
        if !state.pushed_locals.is_empty() {
            self.addop_i(Opcode::SWAP, state.pushed_locals.len() as u32 + 1, loc);
            let cleanup = self.new_label();
            self.addop_jump(Opcode::SETUP_FINALLY, cleanup, loc);
            state.cleanup = Some(cleanup);
        }
        Ok(state)
    }

    /// `restore_inlined_comprehension_locals`.
    fn restore_inlined_comprehension_locals(&mut self, loc: Loc, state: &InlineState) {
        let n = state.pushed_locals.len() as u32;
        self.addop_i(Opcode::SWAP, n + 1, loc);
        for k in state.pushed_locals.iter().rev() {
            let mangled = self.maybe_mangle(k).into_owned();
            let idx = self.u.unit.varnames.add(&mangled) as u32;
            self.addop_i(Opcode::STORE_FAST_MAYBE_NULL, idx, loc);
        }
    }

    /// `pop_inlined_comprehension_state`.
    fn pop_inlined_comprehension_state(
        &mut self,
        loc: Loc,
        state: InlineState,
    ) -> Result<(), CodegenError> {
        if let Some(cleanup) = state.cleanup {
            self.addop(Opcode::POP_BLOCK, NO_LOCATION);
            let end = self.new_label();
            self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
            self.use_label(cleanup)?;
            self.addop_i(Opcode::SWAP, 2, NO_LOCATION);
            self.addop(Opcode::POP_TOP, NO_LOCATION);
            self.restore_inlined_comprehension_locals(loc, &state);
            self.addop_i(Opcode::RERAISE, 0, NO_LOCATION);
            self.use_label(end)?;
            self.restore_inlined_comprehension_locals(loc, &state);
        }
        // _PyCompile_RevertInlinedComprehensionScopes
        self.u.in_inlined_comp -= 1;
        for (k, previous) in state.temp_symbols.into_iter().rev() {
            match previous {
                Some(v) => {
                    self.u.symbol_overlay.insert(k, v);
                }
                None => {
                    self.u.symbol_overlay.remove(&k);
                }
            }
        }
        for k in state.fast_hidden {
            self.u.unit.fasthidden.insert(k, false);
        }
        Ok(())
    }

    /// `maybe_optimize_function_call`: `all(genexp)`, `any(genexp)` and `tuple(genexp)`
    /// get an inline loop guarded by an identity check of the builtin. Returns the
    /// label after the normal call when the fast path was emitted.
    pub(crate) fn maybe_optimize_function_call(
        &mut self,
        func: &'a Expr,
        args: &'a [Expr],
        end: Label,
    ) -> Result<bool, CodegenError> {
        let ExprKind::Name { id, .. } = &func.kind else {
            return Ok(false);
        };
        if args.len() != 1 || !matches!(args[0].kind, ExprKind::GeneratorExp { .. }) {
            return Ok(false);
        }
        // An async generator expression (`all(await x for x in y)`) is not iterable
        // with FOR_ITER: no fast path.
        if self
            .symtable
            .expr_scope(&args[0])
            .is_some_and(|ste| self.symtable.scope(ste).coroutine)
        {
            return Ok(false);
        }
        let loc = loc_of(func.loc);
        let skip = self.new_label();
        let (const_oparg, initial, continue_jump) = match id.as_str() {
            "all" => (
                bc::CONSTANT_BUILTIN_ALL,
                Some(true),
                Opcode::POP_JUMP_IF_TRUE,
            ),
            "any" => (
                bc::CONSTANT_BUILTIN_ANY,
                Some(false),
                Opcode::POP_JUMP_IF_FALSE,
            ),
            "tuple" => (bc::CONSTANT_BUILTIN_TUPLE, None, Opcode::NOP),
            _ => {
                self.use_label(skip)?;
                return Ok(false);
            }
        };
        self.addop_i(Opcode::COPY, 1, loc);
        self.addop_i(Opcode::LOAD_COMMON_CONSTANT, const_oparg, loc);
        self.addop_i(Opcode::IS_OP, 0, loc);
        self.addop_jump(Opcode::POP_JUMP_IF_FALSE, skip, loc);
        self.addop(Opcode::POP_TOP, loc);
        if initial.is_none() {
            self.addop_i(Opcode::BUILD_LIST, 0, loc);
        }
        self.expr(&args[0])?;
        let loop_ = self.new_label();
        let cleanup = self.new_label();
        self.use_label(loop_)?;
        self.addop_jump(Opcode::FOR_ITER, cleanup, loc);
        match initial {
            None => {
                self.addop_i(Opcode::LIST_APPEND, 2, loc);
                self.addop_jump(Opcode::JUMP, loop_, loc);
            }
            Some(_) => {
                self.addop(Opcode::TO_BOOL, loc);
                self.addop_jump(continue_jump, loop_, loc);
            }
        }
        self.addop(Opcode::POP_ITER, NO_LOCATION);
        if let Some(init) = initial {
            self.load_const_value(ConstValue::Bool(!init), loc);
        }
        self.addop_jump(Opcode::JUMP, end, loc);
        self.use_label(cleanup)?;
        self.addop(Opcode::END_FOR, NO_LOCATION);
        self.addop(Opcode::POP_ITER, NO_LOCATION);
        match initial {
            None => self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_LIST_TO_TUPLE, loc),
            Some(init) => self.load_const_value(ConstValue::Bool(init), loc),
        }
        self.addop_jump(Opcode::JUMP, end, loc);
        self.use_label(skip)?;
        Ok(true)
    }
}
