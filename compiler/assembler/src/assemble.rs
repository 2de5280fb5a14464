//! `_PyAssemble_MakeCodeObject` (Python/assemble.c): jump resolution, the
//! bytecode with EXTENDED_ARG prefixes and inline caches, the location and
//! exception tables, and the code object fields (`makecode`).

use pyc_ast::ConstValue;
use pyc_bytecode::{CO_VARARGS, CO_VARKEYWORDS, Opcode};
use pyc_flowgraph::{
    CodeUnitMetadata, ExceptHandlerInfo, InstrSequence, NEXT_LOCATION, NO_LOCATION, SrcLocation,
};

use crate::error::{AssembleError, Result};
use crate::exceptiontable::{ExceptionTableEntry, write_exception_table_entry};
use crate::linetable::LineTableWriter;

/// `CO_FAST_ARG_POS`.
pub const CO_FAST_ARG_POS: u8 = 0x02;
/// `CO_FAST_ARG_KW`.
pub const CO_FAST_ARG_KW: u8 = 0x04;
/// `CO_FAST_ARG_VAR`.
pub const CO_FAST_ARG_VAR: u8 = 0x08;
/// `CO_FAST_HIDDEN`.
pub const CO_FAST_HIDDEN: u8 = 0x10;
/// `CO_FAST_LOCAL`.
pub const CO_FAST_LOCAL: u8 = 0x20;
/// `CO_FAST_CELL`.
pub const CO_FAST_CELL: u8 = 0x40;
/// `CO_FAST_FREE`.
pub const CO_FAST_FREE: u8 = 0x80;

/// `END_SEND_OFFSET`: code units from the SEND to its END_SEND in a
/// `yield from` / `await` loop (END_ASYNC_FOR's oparg is relative to it).
const END_SEND_OFFSET: i64 = 5;

/// A code object's fields as plain values (the driver builds the marshal
/// object graph, merges and interns).
#[derive(Debug, Clone, PartialEq)]
pub struct AssembledCode {
    /// `co_argcount` (positional-only + positional-or-keyword).
    pub argcount: u32,
    /// `co_posonlyargcount`.
    pub posonlyargcount: u32,
    /// `co_kwonlyargcount`.
    pub kwonlyargcount: u32,
    /// `co_stacksize`.
    pub stacksize: i32,
    /// `co_flags`.
    pub flags: u32,
    /// `co_code`.
    pub code: Vec<u8>,
    /// `co_consts`.
    pub consts: Vec<ConstValue>,
    /// `co_names`.
    pub names: Vec<String>,
    /// `co_localsplusnames`.
    pub localsplusnames: Vec<String>,
    /// `co_localspluskinds`.
    pub localspluskinds: Vec<u8>,
    /// `co_filename`.
    pub filename: String,
    /// `co_name`.
    pub name: String,
    /// `co_qualname`.
    pub qualname: String,
    /// `co_firstlineno`.
    pub firstlineno: i32,
    /// `co_linetable`.
    pub linetable: Vec<u8>,
    /// `co_exceptiontable`.
    pub exceptiontable: Vec<u8>,
}

impl AssembledCode {
    fn names_of_kind(&self, pred: impl Fn(u8) -> bool) -> Vec<String> {
        self.localsplusnames
            .iter()
            .zip(&self.localspluskinds)
            .filter(|&(_, k)| pred(*k))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// `co_varnames`: the locals-plus names of kind CO_FAST_LOCAL.
    pub fn varnames(&self) -> Vec<String> {
        self.names_of_kind(|k| k & CO_FAST_LOCAL != 0)
    }

    /// `co_cellvars`: cells (including argument cells).
    pub fn cellvars(&self) -> Vec<String> {
        self.names_of_kind(|k| k & CO_FAST_CELL != 0)
    }

    /// `co_freevars`.
    pub fn freevars(&self) -> Vec<String> {
        self.names_of_kind(|k| k & CO_FAST_FREE != 0)
    }

    /// `co_nlocals`.
    pub fn nlocals(&self) -> usize {
        self.localspluskinds
            .iter()
            .filter(|&&k| k & CO_FAST_LOCAL != 0)
            .count()
    }
}

fn check_target(index: usize, target: i32, len: usize) -> Result<usize> {
    usize::try_from(target)
        .ok()
        .filter(|&t| t < len)
        .ok_or(AssembleError::TargetOutOfRange { index, target, len })
}

fn oparg_u32(opcode: Opcode, oparg: i32) -> Result<u32> {
    u32::try_from(oparg).map_err(|_| AssembleError::NegativeOparg { opcode, oparg })
}

/// `_PyCompile_InstrSize`.
fn instr_size(opcode: Opcode, oparg: i32) -> Result<usize> {
    Ok(opcode.instr_size(oparg_u32(opcode, oparg)?))
}

// CPython: assemble.c resolve_unconditional_jumps
/// JUMP and JUMP_NO_INTERRUPT become forward or backward jumps.
fn resolve_unconditional_jumps(instrs: &mut InstrSequence) -> Result<()> {
    for (i, instr) in instrs.instrs_mut().iter_mut().enumerate() {
        let is_forward = i64::from(instr.oparg) > i as i64;
        match instr.opcode {
            Opcode::JUMP => {
                instr.opcode = if is_forward {
                    Opcode::JUMP_FORWARD
                } else {
                    Opcode::JUMP_BACKWARD
                };
            }
            Opcode::JUMP_NO_INTERRUPT => {
                instr.opcode = if is_forward {
                    Opcode::JUMP_FORWARD
                } else {
                    Opcode::JUMP_BACKWARD_NO_INTERRUPT
                };
            }
            op if op.has_jump() && op.is_pseudo() => {
                return Err(AssembleError::PseudoInstruction { opcode: op });
            }
            _ => {}
        }
    }
    Ok(())
}

// CPython: assemble.c resolve_jump_offsets
/// Replaces jump targets (instruction indices) by relative offsets in code
/// units, growing EXTENDED_ARG prefixes until sizes are stable. Returns the
/// offset of every instruction.
fn resolve_jump_offsets(instrs: &mut InstrSequence) -> Result<Vec<usize>> {
    let len = instrs.len();
    let mut targets = vec![usize::MAX; len];
    for (i, instr) in instrs.instrs().iter().enumerate() {
        if instr.opcode.has_jump() {
            targets[i] = check_target(i, instr.oparg, len)?;
        }
    }
    let mut offsets = vec![0usize; len];
    loop {
        let mut totsize = 0;
        for (i, instr) in instrs.instrs().iter().enumerate() {
            offsets[i] = totsize;
            totsize += instr_size(instr.opcode, instr.oparg)?;
        }
        let mut extended_arg_recompile = false;
        let mut offset: i64 = 0;
        for (i, instr) in instrs.instrs_mut().iter_mut().enumerate() {
            let isize = instr_size(instr.opcode, instr.oparg)?;
            // Jump offsets are relative to the instruction after the jump.
            offset += isize as i64;
            if instr.opcode.has_jump() {
                let target = offsets[targets[i]] as i64;
                let arg = if instr.opcode == Opcode::END_ASYNC_FOR {
                    // sys.monitoring finds the matching END_SEND, but the
                    // target is the SEND.
                    offset - target - END_SEND_OFFSET
                } else if target < offset {
                    if !instr.opcode.is_backwards_jump() {
                        return Err(AssembleError::JumpDirection {
                            opcode: instr.opcode,
                            index: i,
                        });
                    }
                    offset - target
                } else {
                    if instr.opcode.is_backwards_jump() {
                        return Err(AssembleError::JumpDirection {
                            opcode: instr.opcode,
                            index: i,
                        });
                    }
                    target - offset
                };
                instr.oparg = i32::try_from(arg).map_err(|_| AssembleError::NegativeOparg {
                    opcode: instr.opcode,
                    oparg: i32::MIN,
                })?;
                if instr_size(instr.opcode, instr.oparg)? != isize {
                    extended_arg_recompile = true;
                }
            }
        }
        if !extended_arg_recompile {
            return Ok(offsets);
        }
    }
}

// CPython: assemble.c write_instr / assemble_emit_instr
fn assemble_code(instrs: &InstrSequence) -> Result<Vec<u8>> {
    let mut code = Vec::new();
    for instr in instrs.instrs() {
        let arg = oparg_u32(instr.opcode, instr.oparg)?;
        instr
            .opcode
            .write_instr(arg, &mut code)
            .ok_or(AssembleError::PseudoInstruction {
                opcode: instr.opcode,
            })?;
    }
    Ok(code)
}

// CPython: assemble.c assemble_location_info
fn assemble_location_info(instrs: &mut InstrSequence, firstlineno: i32) -> Result<Vec<u8>> {
    // Resolve NEXT_LOCATION, from the end.
    let list = instrs.instrs_mut();
    for i in (0..list.len()).rev() {
        if list[i].loc == NEXT_LOCATION {
            if list[i].opcode.is_terminator() {
                list[i].loc = NO_LOCATION;
            } else {
                list[i].loc = list.get(i + 1).ok_or(AssembleError::NextLocationAtEnd)?.loc;
            }
        }
    }
    let mut w = LineTableWriter::new(firstlineno);
    let mut loc: SrcLocation = NO_LOCATION;
    let mut size = 0;
    for instr in instrs.instrs() {
        if instr.loc != loc {
            w.emit(loc, size);
            loc = instr.loc;
            size = 0;
        }
        size += instr_size(instr.opcode, instr.oparg)?;
    }
    w.emit(loc, size);
    Ok(w.finish())
}

// CPython: assemble.c assemble_exception_table
fn assemble_exception_table(instrs: &InstrSequence, offsets: &[usize]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let len = instrs.len();
    let emit = |out: &mut Vec<u8>, start: usize, end: usize, h: &ExceptHandlerInfo| -> Result<()> {
        let target = offsets[check_target(start, h.label, len)?];
        let mut depth = i64::from(h.start_depth) - 1;
        if h.preserve_lasti {
            depth -= 1;
        }
        if depth < 0 || end <= start {
            return Err(AssembleError::HandlerDepth {
                handler: h.label,
                depth: h.start_depth,
            });
        }
        let to_u32 =
            |v: usize| u32::try_from(v).map_err(|_| AssembleError::ExceptionTableValue(v as i64));
        write_exception_table_entry(
            out,
            &ExceptionTableEntry {
                start: to_u32(start)?,
                end: to_u32(end)?,
                target: to_u32(target)?,
                depth: depth as u32,
                lasti: h.preserve_lasti,
            },
        )
    };
    let mut ioffset = 0;
    let mut handler: Option<ExceptHandlerInfo> = None;
    let mut start = 0;
    let label_of =
        |h: &Option<ExceptHandlerInfo>| h.map_or(-1, |h| if h.label >= 0 { h.label } else { -1 });
    for instr in instrs.instrs() {
        let h = instr.except_handler.filter(|h| h.label >= 0);
        if label_of(&h) != label_of(&handler) {
            if let Some(prev) = &handler {
                emit(&mut out, start, ioffset, prev)?;
            }
            start = ioffset;
            handler = h;
        }
        ioffset += instr_size(instr.opcode, instr.oparg)?;
    }
    if let Some(prev) = &handler {
        emit(&mut out, start, ioffset, prev)?;
    }
    Ok(out)
}

// CPython: assemble.c dict_keys_inorder
fn dict_keys_inorder(map: &pyc_flowgraph::NameMap, offset: i32) -> Result<Vec<String>> {
    let mut out: Vec<Option<String>> = vec![None; map.len()];
    for (name, i) in map.iter() {
        let slot = usize::try_from(i - offset)
            .ok()
            .and_then(|s| out.get_mut(s))
            .ok_or_else(|| AssembleError::LocalsPlus(format!("name {name:?} has index {i}")))?;
        *slot = Some(name.to_owned());
    }
    out.into_iter()
        .map(|n| n.ok_or_else(|| AssembleError::LocalsPlus("duplicate name index".into())))
        .collect()
}

// CPython: assemble.c compute_localsplus_info
fn compute_localsplus_info(
    umd: &CodeUnitMetadata,
    nlocalsplus: usize,
    flags: u32,
) -> Result<(Vec<String>, Vec<u8>)> {
    let mut names: Vec<Option<String>> = vec![None; nlocalsplus];
    let mut kinds = vec![0u8; nlocalsplus];
    let mut set = |offset: i64, name: &str, kind: u8| -> Result<()> {
        let o = usize::try_from(offset)
            .ok()
            .filter(|&o| o < nlocalsplus)
            .ok_or_else(|| {
                AssembleError::LocalsPlus(format!("{name:?} at slot {offset} of {nlocalsplus}"))
            })?;
        names[o] = Some(name.to_owned());
        kinds[o] = kind;
        Ok(())
    };
    // Set the locals kinds. Arg vars fill the first portion of the list.
    let argvarkinds: [(Option<usize>, u8); 6] = [
        (Some(umd.posonlyargcount as usize), CO_FAST_ARG_POS),
        (
            Some(umd.argcount as usize),
            CO_FAST_ARG_POS | CO_FAST_ARG_KW,
        ),
        (Some(umd.kwonlyargcount as usize), CO_FAST_ARG_KW),
        (
            Some(usize::from(flags & CO_VARARGS != 0)),
            CO_FAST_ARG_VAR | CO_FAST_ARG_POS,
        ),
        (
            Some(usize::from(flags & CO_VARKEYWORDS != 0)),
            CO_FAST_ARG_VAR | CO_FAST_ARG_KW,
        ),
        (None, 0), // the remaining local vars
    ];
    let mut varnames = umd.varnames.iter();
    let mut pos = 0usize;
    let mut max = 0usize;
    for (count, argkind) in argvarkinds {
        max = match count {
            Some(c) => max.saturating_add(c),
            None => usize::MAX,
        };
        while pos < max {
            let Some((k, v)) = varnames.next() else {
                break;
            };
            pos += 1;
            let mut kind = CO_FAST_LOCAL | argkind;
            if umd.fasthidden.contains_key(k) {
                kind |= CO_FAST_HIDDEN;
            }
            if umd.cellvars.contains(k) {
                kind |= CO_FAST_CELL;
            }
            set(i64::from(v), k, kind)?;
        }
    }
    let nlocals = umd.varnames.len() as i64;
    // This counter mirrors the fix done in fix_cell_offsets().
    let mut numdropped = 0i64;
    for (k, v) in umd.cellvars.iter() {
        if umd.varnames.contains(k) {
            // Skip cells that are already covered by locals.
            numdropped += 1;
            continue;
        }
        set(i64::from(v) + nlocals - numdropped, k, CO_FAST_CELL)?;
    }
    for (k, v) in umd.freevars.iter() {
        set(i64::from(v) + nlocals - numdropped, k, CO_FAST_FREE)?;
    }
    let names = names
        .into_iter()
        .enumerate()
        .map(|(i, n)| n.ok_or_else(|| AssembleError::LocalsPlus(format!("slot {i} is not filled"))))
        .collect::<Result<Vec<_>>>()?;
    Ok((names, kinds))
}

/// `_PyAssemble_MakeCodeObject`: assembles the final instruction sequence of
/// a code unit (from `optimized_cfg_to_instruction_sequence`) into the
/// fields of a code object.
pub fn make_code_object(
    umd: &CodeUnitMetadata,
    consts: Vec<ConstValue>,
    stackdepth: i32,
    mut instrs: InstrSequence,
    nlocalsplus: i32,
    code_flags: u32,
    filename: &str,
) -> Result<AssembledCode> {
    instrs.apply_label_map()?;
    resolve_unconditional_jumps(&mut instrs)?;
    let offsets = resolve_jump_offsets(&mut instrs)?;
    // assemble_emit
    let code = assemble_code(&instrs)?;
    let linetable = assemble_location_info(&mut instrs, umd.firstlineno)?;
    let exceptiontable = assemble_exception_table(&instrs, &offsets)?;
    // makecode
    let names = dict_keys_inorder(&umd.names, 0)?;
    let nlocalsplus = usize::try_from(nlocalsplus)
        .map_err(|_| AssembleError::LocalsPlus(format!("nlocalsplus {nlocalsplus}")))?;
    let (localsplusnames, localspluskinds) = compute_localsplus_info(umd, nlocalsplus, code_flags)?;
    let co = AssembledCode {
        argcount: umd.posonlyargcount + umd.argcount,
        posonlyargcount: umd.posonlyargcount,
        kwonlyargcount: umd.kwonlyargcount,
        // CPython 3.14.10 never produces co_stacksize 0 (measured: an
        // infinite `while True: pass` gets 1).
        stacksize: stackdepth.max(1),
        flags: code_flags,
        code,
        consts,
        names,
        localsplusnames,
        localspluskinds,
        filename: filename.to_owned(),
        name: umd.name.clone(),
        qualname: umd.qualname.clone().unwrap_or_else(|| umd.name.clone()),
        firstlineno: umd.firstlineno,
        linetable,
        exceptiontable,
    };
    validate(&co)?;
    Ok(co)
}

// CPython: codeobject.c _PyCode_Validate
fn validate(co: &AssembledCode) -> Result<()> {
    if co.argcount < co.posonlyargcount || co.stacksize < 0 || (co.flags as i32) < 0 {
        return Err(AssembleError::Invalid(
            "bad argument counts, stack size or flags",
        ));
    }
    if !co.code.len().is_multiple_of(2) || co.code.len() > i32::MAX as usize {
        return Err(AssembleError::Invalid("co_code is malformed"));
    }
    let nplainlocals = co.nlocals() as i64
        - i64::from(co.argcount)
        - i64::from(co.kwonlyargcount)
        - i64::from(co.flags & CO_VARARGS != 0)
        - i64::from(co.flags & CO_VARKEYWORDS != 0);
    if nplainlocals < 0 {
        return Err(AssembleError::Invalid("co_varnames is too small"));
    }
    Ok(())
}
