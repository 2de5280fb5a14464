//! The locals-plus layout: `build_cellfixedoffsets`,
//! `insert_prefix_instructions`, `fix_cell_offsets`, `prepare_localsplus`.

use pyc_bytecode::{CO_ASYNC_GENERATOR, CO_COROUTINE, CO_GENERATOR, Opcode};

use crate::cfg::{Cfg, CfgInstr};
use crate::error::{FlowgraphError, Result};
use crate::location::{NO_LOCATION, SrcLocation};
use crate::metadata::CodeUnitMetadata;

/// `IS_GENERATOR`.
pub(crate) fn is_generator(code_flags: u32) -> bool {
    code_flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR) != 0
}

fn meta_err(why: impl Into<String>) -> FlowgraphError {
    FlowgraphError::Metadata { why: why.into() }
}

// CPython: flowgraph.c build_cellfixedoffsets
/// For each cell/free offset, its final slot: `nlocals + i`, or the slot of
/// the argument a cell variable shares.
fn build_cellfixedoffsets(umd: &CodeUnitMetadata) -> Result<Vec<i32>> {
    let nlocals = umd.varnames.len() as i32;
    let noffsets = umd.cellvars.len() + umd.freevars.len();
    let mut fixed: Vec<i32> = (0..noffsets as i32).map(|i| nlocals + i).collect();
    for (varname, cellindex) in umd.cellvars.iter() {
        let Some(argoffset) = umd.varnames.get(varname) else {
            continue;
        };
        let slot = usize::try_from(cellindex)
            .ok()
            .and_then(|c| fixed.get_mut(c))
            .ok_or_else(|| meta_err(format!("cell {varname:?} has index {cellindex}")))?;
        *slot = argoffset;
    }
    Ok(fixed)
}

// CPython: flowgraph.c insert_prefix_instructions
/// RETURN_GENERATOR + POP_TOP for generators, MAKE_CELL for every cell (in
/// slot order) and COPY_FREE_VARS.
fn insert_prefix_instructions(
    umd: &CodeUnitMetadata,
    g: &mut Cfg,
    fixed: &[i32],
    nfreevars: usize,
    code_flags: u32,
) -> Result<()> {
    if umd.firstlineno <= 0 {
        return Err(meta_err("firstlineno must be positive"));
    }
    let entry = g.entry;
    if is_generator(code_flags) {
        // RETURN_GENERATOR + POP_TOP have a net stack effect of 0.
        let loc = SrcLocation::new(umd.firstlineno, umd.firstlineno, -1, -1);
        let blk = g.b(entry);
        blk.insert_copy(0, CfgInstr::new(Opcode::RETURN_GENERATOR, 0, loc));
        blk.insert_copy(1, CfgInstr::new(Opcode::POP_TOP, 0, loc));
    }
    let ncellvars = umd.cellvars.len();
    if ncellvars > 0 {
        // Cells out of order are sorted by their final slot (arg cells
        // first).
        let nvars = ncellvars + umd.varnames.len();
        let mut sorted = vec![0usize; nvars];
        for (i, &f) in fixed.iter().take(ncellvars).enumerate() {
            let slot = usize::try_from(f)
                .ok()
                .and_then(|f| sorted.get_mut(f))
                .ok_or_else(|| meta_err("cell slot out of range"))?;
            *slot = i + 1;
        }
        let mut ncellsused = 0;
        for &s in &sorted {
            if ncellsused >= ncellvars {
                break;
            }
            if s == 0 {
                continue;
            }
            let oldindex = (s - 1) as i32;
            // This will get fixed in fix_cell_offsets().
            g.b(entry).insert_copy(
                ncellsused,
                CfgInstr::new(Opcode::MAKE_CELL, oldindex, NO_LOCATION),
            );
            ncellsused += 1;
        }
        if ncellsused < ncellvars {
            return Err(meta_err("two cells share one slot"));
        }
    }
    if nfreevars > 0 {
        g.b(entry).insert_copy(
            0,
            CfgInstr::new(Opcode::COPY_FREE_VARS, nfreevars as i32, NO_LOCATION),
        );
    }
    Ok(())
}

// CPython: flowgraph.c fix_cell_offsets
/// Rewrites the opargs of cell/free opcodes to their final slots; returns
/// the number of cells dropped because they share an argument's slot.
fn fix_cell_offsets(umd: &CodeUnitMetadata, g: &mut Cfg, fixedmap: &mut [i32]) -> Result<i32> {
    let nlocals = umd.varnames.len() as i32;
    // First deal with duplicates (arg cells).
    let mut numdropped = 0;
    for (i, f) in fixedmap.iter_mut().enumerate() {
        if *f == i as i32 + nlocals {
            *f -= numdropped;
        } else {
            // It was a duplicate (cell/arg).
            numdropped += 1;
        }
    }
    // Then update offsets, either relative to locals or by cell2arg.
    for b in g.block_order() {
        for inst in &mut g.b(b).instrs {
            if matches!(
                inst.opcode,
                Opcode::MAKE_CELL
                    | Opcode::LOAD_CLOSURE
                    | Opcode::LOAD_DEREF
                    | Opcode::STORE_DEREF
                    | Opcode::DELETE_DEREF
                    | Opcode::LOAD_FROM_DICT_OR_DEREF
            ) {
                let new = usize::try_from(inst.oparg)
                    .ok()
                    .and_then(|o| fixedmap.get(o))
                    .copied()
                    .ok_or(FlowgraphError::InvalidOparg {
                        opcode: inst.opcode,
                        oparg: inst.oparg,
                        why: "no such cell or free variable",
                    })?;
                inst.oparg = new;
            }
        }
    }
    Ok(numdropped)
}

// CPython: flowgraph.c prepare_localsplus
/// Inserts the prefix instructions and fixes cell offsets; returns
/// `nlocalsplus`.
pub(crate) fn prepare_localsplus(
    umd: &CodeUnitMetadata,
    g: &mut Cfg,
    code_flags: u32,
) -> Result<i32> {
    let nlocals = umd.varnames.len();
    let ncellvars = umd.cellvars.len();
    let nfreevars = umd.freevars.len();
    let nlocalsplus =
        i32::try_from(nlocals + ncellvars + nfreevars).map_err(|_| meta_err("too many locals"))?;
    let mut cellfixedoffsets = build_cellfixedoffsets(umd)?;
    // This must be called before fix_cell_offsets().
    insert_prefix_instructions(umd, g, &cellfixedoffsets, nfreevars, code_flags)?;
    let numdropped = fix_cell_offsets(umd, g, &mut cellfixedoffsets)?;
    Ok(nlocalsplus - numdropped)
}
