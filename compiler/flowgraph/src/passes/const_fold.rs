//! Constant folding on basic blocks (Python/flowgraph.c): LOAD_SMALL_INT,
//! constant conditions, tuples, list/set displays, binary and unary
//! operators, and `remove_unused_consts`.

use pyc_ast::ConstValue;
use pyc_bytecode::{self as bc, Opcode};

use crate::cfg::{BlockId, Cfg, CfgInstr};
use crate::consts::ConstTable;
use crate::error::{FlowgraphError, Result};
use crate::fold::{self, UnaryOp};
use crate::location::NO_LOCATION;

/// `_PY_STACK_USE_GUIDELINE`.
const STACK_USE_GUIDELINE: i32 = 30;
/// `MIN_CONST_SEQUENCE_SIZE`.
const MIN_CONST_SEQUENCE_SIZE: i32 = 3;

/// `loads_const`: `OPCODE_HAS_CONST` or LOAD_SMALL_INT.
pub(crate) fn loads_const(op: Opcode) -> bool {
    op.has_const() || op == Opcode::LOAD_SMALL_INT
}

// CPython: flowgraph.c get_const_value
pub(crate) fn get_const_value(
    opcode: Opcode,
    oparg: i32,
    consts: &[ConstValue],
) -> Result<ConstValue> {
    match opcode {
        Opcode::LOAD_CONST => usize::try_from(oparg)
            .ok()
            .and_then(|i| consts.get(i))
            .cloned()
            .ok_or(FlowgraphError::ConstIndexOutOfRange {
                opcode,
                index: oparg,
                len: consts.len(),
            }),
        Opcode::LOAD_SMALL_INT => Ok(ConstValue::int(i64::from(oparg))),
        _ => Err(FlowgraphError::UnknownConstOpcode { opcode }),
    }
}

// CPython: flowgraph.c get_const_loading_instrs
/// Walks back from `start` over NOPs, collecting `size` constant loads
/// (earliest first). `None` if a non-constant instruction comes first.
fn get_const_loading_instrs(g: &Cfg, bb: BlockId, start: isize, size: usize) -> Option<Vec<usize>> {
    let instrs = &g.block(bb).instrs;
    let mut out = vec![0usize; size];
    let mut remaining = size;
    let mut pos = start;
    while pos >= 0 && remaining > 0 {
        let idx = pos as usize;
        let instr = instrs.get(idx)?;
        pos -= 1;
        if instr.opcode == Opcode::NOP {
            continue;
        }
        if !loads_const(instr.opcode) {
            return None;
        }
        remaining -= 1;
        out[remaining] = idx;
    }
    (remaining == 0).then_some(out)
}

// CPython: flowgraph.c nop_out
fn nop_out(g: &mut Cfg, bb: BlockId, idxs: &[usize]) {
    for &i in idxs {
        let instr = &mut g.b(bb).instrs[i];
        instr.set_op0(Opcode::NOP);
        instr.loc = NO_LOCATION;
    }
}

/// `_PY_IS_SMALL_INT` of an exact int: the value if it is in `0..256`.
fn small_int(c: &ConstValue) -> Option<i32> {
    match c {
        ConstValue::Int(i) => i
            .as_i64()
            .filter(|v| (0..256).contains(v))
            .map(|v| v as i32),
        _ => None,
    }
}

// CPython: flowgraph.c maybe_instr_make_load_smallint
fn maybe_instr_make_load_smallint(instr: &mut CfgInstr, newconst: &ConstValue) -> bool {
    if let Some(v) = small_int(newconst) {
        instr.set_op1(Opcode::LOAD_SMALL_INT, v);
        return true;
    }
    false
}

// CPython: flowgraph.c instr_make_load_const
fn instr_make_load_const(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    newconst: ConstValue,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    instr_make_load_const_same_as(g, bb, i, newconst, None, consts)
}

/// [`instr_make_load_const`] for a result that may be the very object of an
/// existing constant (`same_as`: its index).
fn instr_make_load_const_same_as(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    newconst: ConstValue,
    same_as: Option<usize>,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    if maybe_instr_make_load_smallint(&mut g.b(bb).instrs[i], &newconst) {
        return Ok(());
    }
    let oparg = consts.add_const_same_as(newconst, same_as)?;
    g.b(bb).instrs[i].set_op1(Opcode::LOAD_CONST, oparg);
    Ok(())
}

/// The constant index an operand instruction loads, if it is a LOAD_CONST.
fn loaded_index(g: &Cfg, bb: BlockId, i: usize) -> Option<usize> {
    let ins = g.block(bb).instrs[i];
    (ins.opcode == Opcode::LOAD_CONST)
        .then(|| usize::try_from(ins.oparg).ok())
        .flatten()
}

fn const_values(
    g: &Cfg,
    bb: BlockId,
    idxs: &[usize],
    consts: &[ConstValue],
) -> Result<Vec<ConstValue>> {
    idxs.iter()
        .map(|&i| {
            let ins = g.block(bb).instrs[i];
            get_const_value(ins.opcode, ins.oparg, consts)
        })
        .collect()
}

// CPython: flowgraph.c fold_tuple_of_constants
/// `LOAD_CONST c1 ... LOAD_CONST cn; BUILD_TUPLE n` -> `LOAD_CONST (c1, ..., cn)`.
pub(crate) fn fold_tuple_of_constants(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    let seq_size = g.block(bb).instrs[i].oparg;
    if seq_size > STACK_USE_GUIDELINE {
        return Ok(());
    }
    let Some(const_instrs) = get_const_loading_instrs(g, bb, i as isize - 1, seq_size as usize)
    else {
        return Ok(());
    };
    let items = const_values(g, bb, &const_instrs, consts.consts)?;
    nop_out(g, bb, &const_instrs);
    instr_make_load_const(g, bb, i, ConstValue::Tuple(items), consts)
}

// CPython: flowgraph.c fold_constant_intrinsic_list_to_tuple
/// `BUILD_LIST 0; (LOAD_CONST c; LIST_APPEND 1)*; CALL_INTRINSIC_1
/// INTRINSIC_LIST_TO_TUPLE` -> `LOAD_CONST (c, ...)`.
pub(crate) fn fold_constant_intrinsic_list_to_tuple(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    let mut consts_found = 0usize;
    let mut expect_append = true;
    let mut pos = i as isize - 1;
    while pos >= 0 {
        let instr = g.block(bb).instrs[pos as usize];
        let (opcode, oparg) = (instr.opcode, instr.oparg);
        if opcode == Opcode::NOP {
            pos -= 1;
            continue;
        }
        if opcode == Opcode::BUILD_LIST && oparg == 0 {
            if !expect_append {
                // Not a sequence start.
                return Ok(());
            }
            // Sequence start, we are done.
            let mut items = vec![ConstValue::None; consts_found];
            let mut newpos = i as isize - 1;
            while newpos >= pos {
                let p = newpos as usize;
                let ins = g.block(bb).instrs[p];
                newpos -= 1;
                if ins.opcode == Opcode::NOP {
                    continue;
                }
                if loads_const(ins.opcode) {
                    let c = get_const_value(ins.opcode, ins.oparg, consts.consts)?;
                    consts_found -= 1;
                    items[consts_found] = c;
                }
                nop_out(g, bb, &[p]);
            }
            return instr_make_load_const(g, bb, i, ConstValue::Tuple(items), consts);
        }
        if expect_append {
            if opcode != Opcode::LIST_APPEND || oparg != 1 {
                return Ok(());
            }
        } else {
            if !loads_const(opcode) {
                return Ok(());
            }
            consts_found += 1;
        }
        expect_append = !expect_append;
        pos -= 1;
    }
    // Did not find sequence start.
    Ok(())
}

/// Walks back from `i` over `LOAD_CONST c; <append_op> 1` pairs (skipping
/// NOPs) to a `<build_op> 0`: the index of that build instruction and the
/// constants in order, or `None` if the run is not all constants.
fn appended_consts(
    g: &Cfg,
    bb: BlockId,
    i: usize,
    build_op: Opcode,
    append_op: Opcode,
    consts: &[ConstValue],
) -> Result<Option<(usize, Vec<ConstValue>)>> {
    let mut expect_append = true;
    let mut found = Vec::new();
    let mut pos = i as isize - 1;
    while pos >= 0 {
        let instr = g.block(bb).instrs[pos as usize];
        if instr.opcode == Opcode::NOP {
            pos -= 1;
            continue;
        }
        if instr.opcode == build_op && instr.oparg == 0 {
            if !expect_append {
                return Ok(None);
            }
            found.reverse();
            return Ok(Some((pos as usize, found)));
        }
        if expect_append {
            if instr.opcode != append_op || instr.oparg != 1 {
                return Ok(None);
            }
        } else {
            if !loads_const(instr.opcode) {
                return Ok(None);
            }
            found.push(get_const_value(instr.opcode, instr.oparg, consts)?);
        }
        expect_append = !expect_append;
        pos -= 1;
    }
    Ok(None)
}

/// `for x in [c1, ..., cN]` / `x in {c1, ..., cN}` with more items than
/// fit on the stack: codegen builds the display with `BUILD_LIST 0` (or
/// `BUILD_SET 0`) and one `LIST_APPEND 1` (`SET_ADD 1`) per item. When
/// GET_ITER or CONTAINS_OP consumes it and every item is a constant, the
/// whole run becomes `LOAD_CONST tuple` (or frozenset), written into the
/// instruction just before the consumer (its location is kept, which is
/// `NO_LOCATION` unless that slot was already a NOP).
///
/// Not in flowgraph.c at commit 35541b9; reconstructed from the CPython
/// 3.14.10 oracle (the successor of the AST optimizer's `fold_iter`).
pub(crate) fn fold_constant_list_or_set_for_iter(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    if i == 0 {
        return Ok(());
    }
    let (build_op, append_op) = match g.block(bb).instrs[..i]
        .iter()
        .rev()
        .find(|x| x.opcode != Opcode::NOP)
    {
        Some(x) if x.opcode == Opcode::LIST_APPEND => (Opcode::BUILD_LIST, Opcode::LIST_APPEND),
        Some(x) if x.opcode == Opcode::SET_ADD => (Opcode::BUILD_SET, Opcode::SET_ADD),
        _ => return Ok(()),
    };
    let Some((start, items)) = appended_consts(g, bb, i, build_op, append_op, consts.consts)?
    else {
        return Ok(());
    };
    let newconst = if build_op == Opcode::BUILD_SET {
        fold::make_frozenset(items)
    } else {
        ConstValue::Tuple(items)
    };
    let index = consts.add_const(newconst)?;
    let to_nop: Vec<usize> = (start..i)
        .filter(|&p| g.block(bb).instrs[p].opcode != Opcode::NOP)
        .collect();
    nop_out(g, bb, &to_nop);
    g.b(bb).instrs[i - 1].set_op1(Opcode::LOAD_CONST, index);
    Ok(())
}

// CPython: flowgraph.c optimize_lists_and_sets
/// Lists and sets of constants: a tuple/frozenset constant for `in`, `for`
/// and comprehensions, else `BUILD_LIST 0; LOAD_CONST t; LIST_EXTEND 1`
/// (or `BUILD_SET`/`SET_UPDATE`) from three items on.
pub(crate) fn optimize_lists_and_sets(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    nextop: Option<Opcode>,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    let instr = g.block(bb).instrs[i];
    let contains_or_iter = matches!(nextop, Some(Opcode::GET_ITER | Opcode::CONTAINS_OP));
    let seq_size = instr.oparg;
    if seq_size > STACK_USE_GUIDELINE || (seq_size < MIN_CONST_SEQUENCE_SIZE && !contains_or_iter) {
        return Ok(());
    }
    let Some(const_instrs) = get_const_loading_instrs(g, bb, i as isize - 1, seq_size as usize)
    else {
        // not a const sequence
        if contains_or_iter && instr.opcode == Opcode::BUILD_LIST {
            // iterate over a tuple instead of list
            g.b(bb).instrs[i].set_op1(Opcode::BUILD_TUPLE, instr.oparg);
        }
        return Ok(());
    };
    let items = const_values(g, bb, &const_instrs, consts.consts)?;
    let const_result = if instr.opcode == Opcode::BUILD_SET {
        fold::make_frozenset(items)
    } else {
        ConstValue::Tuple(items)
    };
    let index = consts.add_const(const_result)?;
    nop_out(g, bb, &const_instrs);
    if contains_or_iter {
        g.b(bb).instrs[i].set_op1(Opcode::LOAD_CONST, index);
    } else {
        let instrs = &mut g.b(bb).instrs;
        let build_op = instrs[i].opcode;
        instrs[i - 2].loc = instrs[i].loc;
        instrs[i - 2].set_op1(build_op, 0);
        instrs[i - 1].set_op1(Opcode::LOAD_CONST, index);
        let ext = if build_op == Opcode::BUILD_LIST {
            Opcode::LIST_EXTEND
        } else {
            Opcode::SET_UPDATE
        };
        instrs[i].set_op1(ext, 1);
    }
    Ok(())
}

// CPython: flowgraph.c fold_const_binop
pub(crate) fn fold_const_binop(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    let Some(operands) = get_const_loading_instrs(g, bb, i as isize - 1, 2) else {
        return Ok(());
    };
    let vals = const_values(g, bb, &operands, consts.consts)?;
    let op = g.block(bb).instrs[i].oparg;
    let Ok(op) = u32::try_from(op) else {
        return Ok(());
    };
    let Some((newconst, identity)) = fold::eval_binop_with_identity(&vals[0], op, &vals[1]) else {
        return Ok(());
    };
    let same_as = identity.and_then(|k| loaded_index(g, bb, operands[k]));
    nop_out(g, bb, &operands);
    instr_make_load_const_same_as(g, bb, i, newconst, same_as, consts)
}

// CPython: flowgraph.c fold_const_unaryop
pub(crate) fn fold_const_unaryop(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    let Some(operand) = get_const_loading_instrs(g, bb, i as isize - 1, 1) else {
        return Ok(());
    };
    let vals = const_values(g, bb, &operand, consts.consts)?;
    let instr = g.block(bb).instrs[i];
    let op = match instr.opcode {
        Opcode::UNARY_NEGATIVE => UnaryOp::Negative,
        Opcode::UNARY_INVERT => UnaryOp::Invert,
        Opcode::UNARY_NOT => UnaryOp::Not,
        Opcode::CALL_INTRINSIC_1 if instr.oparg as u32 == bc::INTRINSIC_UNARY_POSITIVE => {
            UnaryOp::Positive
        }
        _ => return Ok(()),
    };
    let Some((newconst, identity)) = fold::eval_unaryop_with_identity(&vals[0], op) else {
        return Ok(());
    };
    let same_as = identity.then(|| loaded_index(g, bb, operand[0])).flatten();
    nop_out(g, bb, &operand);
    instr_make_load_const_same_as(g, bb, i, newconst, same_as, consts)
}

// CPython: flowgraph.c basicblock_optimize_load_const
fn basicblock_optimize_load_const(
    g: &mut Cfg,
    bb: BlockId,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    let mut opcode: Option<Opcode> = None;
    let mut oparg = 0;
    let mut i = 0;
    while i < g.block(bb).instrs.len() {
        let inst = g.block(bb).instrs[i];
        if inst.opcode == Opcode::LOAD_CONST {
            let constant = get_const_value(inst.opcode, inst.oparg, consts.consts)?;
            maybe_instr_make_load_smallint(&mut g.b(bb).instrs[i], &constant);
        }
        let inst = g.block(bb).instrs[i];
        let is_copy_of_load_const =
            opcode == Some(Opcode::LOAD_CONST) && inst.opcode == Opcode::COPY && inst.oparg == 1;
        if !is_copy_of_load_const {
            opcode = Some(inst.opcode);
            oparg = inst.oparg;
        }
        let cur_op = match opcode {
            Some(op @ (Opcode::LOAD_CONST | Opcode::LOAD_SMALL_INT)) => op,
            _ => {
                i += 1;
                continue;
            }
        };
        let len = g.block(bb).instrs.len();
        let nextop = g.block(bb).instrs.get(i + 1).map(|n| n.opcode);
        match nextop {
            Some(
                next @ (Opcode::POP_JUMP_IF_FALSE
                | Opcode::POP_JUMP_IF_TRUE
                | Opcode::JUMP_IF_FALSE
                | Opcode::JUMP_IF_TRUE),
            ) => {
                // Remove LOAD_CONST const; conditional jump
                let cnt = get_const_value(cur_op, oparg, consts.consts)?;
                let is_true = fold::is_true(&cnt);
                if matches!(next, Opcode::POP_JUMP_IF_FALSE | Opcode::POP_JUMP_IF_TRUE) {
                    g.b(bb).instrs[i].set_op0(Opcode::NOP);
                }
                let jump_if_true = matches!(next, Opcode::POP_JUMP_IF_TRUE | Opcode::JUMP_IF_TRUE);
                if is_true == jump_if_true {
                    g.b(bb).instrs[i + 1].opcode = Opcode::JUMP;
                } else {
                    g.b(bb).instrs[i + 1].set_op0(Opcode::NOP);
                }
            }
            Some(Opcode::IS_OP) => {
                // Fold LOAD_CONST(None) IS_OP [TO_BOOL] POP_JUMP_IF_* to
                // POP_JUMP_IF_NONE / POP_JUMP_IF_NOT_NONE.
                let cnt = get_const_value(cur_op, oparg, consts.consts)?;
                if cnt == ConstValue::None && len > i + 2 {
                    let is_instr = g.block(bb).instrs[i + 1];
                    let mut jump_idx = i + 2;
                    let mut proceed = true;
                    if g.block(bb).instrs[jump_idx].opcode == Opcode::TO_BOOL {
                        g.b(bb).instrs[jump_idx].set_op0(Opcode::NOP);
                        if len <= i + 3 {
                            proceed = false;
                        } else {
                            jump_idx = i + 3;
                        }
                    }
                    if proceed {
                        let mut invert = is_instr.oparg != 0;
                        let jop = g.block(bb).instrs[jump_idx].opcode;
                        let ok = if jop == Opcode::POP_JUMP_IF_FALSE {
                            invert = !invert;
                            true
                        } else {
                            jop == Opcode::POP_JUMP_IF_TRUE
                        };
                        if ok {
                            g.b(bb).instrs[i].set_op0(Opcode::NOP);
                            g.b(bb).instrs[i + 1].set_op0(Opcode::NOP);
                            g.b(bb).instrs[jump_idx].opcode = if invert {
                                Opcode::POP_JUMP_IF_NOT_NONE
                            } else {
                                Opcode::POP_JUMP_IF_NONE
                            };
                        }
                    }
                }
            }
            Some(Opcode::TO_BOOL) => {
                let cnt = get_const_value(cur_op, oparg, consts.consts)?;
                let is_true = fold::is_true(&cnt);
                let index = consts.add_const(ConstValue::Bool(is_true))?;
                g.b(bb).instrs[i].set_op0(Opcode::NOP);
                g.b(bb).instrs[i + 1].set_op1(Opcode::LOAD_CONST, index);
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

// CPython: flowgraph.c optimize_load_const
pub(crate) fn optimize_load_const(g: &mut Cfg, consts: &mut ConstTable<'_>) -> Result<()> {
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        basicblock_optimize_load_const(g, b, consts)?;
        cur = g.block(b).next;
    }
    Ok(())
}

// CPython: flowgraph.c remove_unused_consts
/// Drops the constants no instruction loads (index 0, a possible docstring,
/// is always kept) and renumbers the loads.
pub(crate) fn remove_unused_consts(g: &mut Cfg, consts: &mut Vec<ConstValue>) -> Result<()> {
    let nconsts = consts.len();
    if nconsts == 0 {
        return Ok(());
    }
    let mut used = vec![false; nconsts];
    used[0] = true;
    let order = g.block_order();
    for &b in &order {
        for instr in &g.block(b).instrs {
            if instr.opcode.has_const() {
                let idx = usize::try_from(instr.oparg)
                    .ok()
                    .filter(|&i| i < nconsts)
                    .ok_or(FlowgraphError::ConstIndexOutOfRange {
                        opcode: instr.opcode,
                        index: instr.oparg,
                        len: nconsts,
                    })?;
                used[idx] = true;
            }
        }
    }
    if used.iter().all(|&u| u) {
        return Ok(());
    }
    let mut reverse_index_map = vec![-1i32; nconsts];
    let mut n_used = 0usize;
    let old = std::mem::take(consts);
    for (i, c) in old.into_iter().enumerate() {
        if used[i] {
            reverse_index_map[i] = n_used as i32;
            consts.push(c);
            n_used += 1;
        }
    }
    for &b in &order {
        for instr in &mut g.b(b).instrs {
            if instr.opcode.has_const() {
                instr.oparg = reverse_index_map[instr.oparg as usize];
            }
        }
    }
    Ok(())
}
