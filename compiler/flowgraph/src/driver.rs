//! The entry points: `_PyCfg_OptimizeCodeUnit`,
//! `_PyCfg_OptimizedCfgToInstructionSequence`, `_PyCfg_JumpLabelsToTargets`
//! and the `_testinternalcapi.optimize_cfg` hook (`_PyCompile_OptimizeCfg`).

use pyc_ast::ConstValue;

use crate::cfg::Cfg;
use crate::consts::{ConstMergeMode, ConstTable};
use crate::error::Result;
use crate::instr_sequence::InstrSequence;
use crate::metadata::CodeUnitMetadata;
use crate::passes::{
    cleanup, cold, const_fold, except, lineno, load_fast, locals, localsplus, peephole, pseudo,
    stackdepth,
};

// CPython: flowgraph.c optimize_cfg
/// The optimizations proper. Transformations that shrink code leave NOPs,
/// removed at the end.
fn optimize_cfg(g: &mut Cfg, consts: &mut ConstTable<'_>) -> Result<()> {
    except::check_cfg(g)?;
    cleanup::inline_small_or_no_lineno_blocks(g)?;
    cleanup::remove_unreachable(g);
    lineno::resolve_line_numbers(g)?;
    const_fold::optimize_load_const(g, consts)?;
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        peephole::optimize_basic_block(g, b, consts)?;
        cur = g.block(b).next;
    }
    cleanup::remove_redundant_nops_and_pairs(g);
    cleanup::remove_unreachable(g);
    cleanup::remove_redundant_nops_and_jumps(g)?;
    Ok(())
}

/// `_PyCfg_OptimizeCodeUnit` on a CFG already built from a sequence.
fn optimize_code_unit_cfg(
    g: &mut Cfg,
    consts: &mut Vec<ConstValue>,
    nlocals: usize,
    nparams: usize,
    mode: ConstMergeMode,
) -> Result<()> {
    // Preprocessing: map labels to targets and mark exception handlers.
    except::translate_jump_labels_to_targets(g)?;
    except::mark_except_handlers(g);
    except::label_exception_targets(g)?;
    // Optimization.
    {
        let mut table = ConstTable::new(consts, mode);
        optimize_cfg(g, &mut table)?;
    }
    const_fold::remove_unused_consts(g, consts)?;
    locals::add_checks_for_loads_of_uninitialized_variables(g, nlocals, nparams)?;
    locals::insert_superinstructions(g);
    cold::push_cold_blocks_to_end(g)?;
    lineno::resolve_line_numbers(g)?;
    Ok(())
}

/// `_PyCfg_FromInstructionSequence` + `_PyCfg_OptimizeCodeUnit`: builds the
/// CFG of a code unit and runs every optimization, in CPython's order.
///
/// `consts` is the unit's constants list (`consts_dict_keys_inorder`):
/// folding appends new constants to it and unused ones are removed.
/// `nlocals` is `len(u_varnames)`, `nparams` the number of parameters
/// (`len(ste_varnames)`), used to find loads of possibly unbound locals.
/// `firstlineno` is accepted for fidelity with CPython's signature (3.14
/// does not use it here).
pub fn optimize_code_unit(
    mut seq: InstrSequence,
    consts: &mut Vec<ConstValue>,
    nlocals: usize,
    nparams: usize,
    firstlineno: i32,
) -> Result<Cfg> {
    optimize_code_unit_with(
        &mut seq,
        consts,
        nlocals,
        nparams,
        firstlineno,
        ConstMergeMode::ModuleCache,
    )
}

/// [`optimize_code_unit`] with an explicit constant-merge mode.
pub fn optimize_code_unit_with(
    seq: &mut InstrSequence,
    consts: &mut Vec<ConstValue>,
    nlocals: usize,
    nparams: usize,
    _firstlineno: i32,
    mode: ConstMergeMode,
) -> Result<Cfg> {
    let mut g = Cfg::from_instruction_sequence(seq)?;
    optimize_code_unit_cfg(&mut g, consts, nlocals, nparams, mode)?;
    Ok(g)
}

/// The result of [`optimized_cfg_to_instruction_sequence`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoweredUnit {
    /// The final instruction sequence (jump opargs are instruction indices;
    /// JUMP/JUMP_NO_INTERRUPT are still pseudo, resolved by the assembler).
    pub instrs: InstrSequence,
    /// `co_stacksize`.
    pub stackdepth: i32,
    /// Number of locals-plus slots.
    pub nlocalsplus: i32,
}

/// `_PyCfg_OptimizedCfgToInstructionSequence`: pseudo conditional jumps,
/// stack depth, locals-plus layout and prefix instructions, pseudo ops,
/// jump normalization (NOT_TAKEN), LOAD_FAST_BORROW, then back to a
/// sequence with exception handler information.
pub fn optimized_cfg_to_instruction_sequence(
    mut g: Cfg,
    umd: &CodeUnitMetadata,
    code_flags: u32,
) -> Result<LoweredUnit> {
    pseudo::convert_pseudo_conditional_jumps(&mut g);
    let stackdepth = stackdepth::calculate_stackdepth(&mut g)?;
    let nlocalsplus = localsplus::prepare_localsplus(umd, &mut g, code_flags)?;
    pseudo::convert_pseudo_ops(&mut g)?;
    // Order of basic blocks must have been determined by now.
    pseudo::normalize_jumps(&mut g)?;
    // Can't modify the bytecode after inserting instructions that produce
    // borrowed references.
    load_fast::optimize_load_fast(&mut g)?;
    let instrs = g.to_instruction_sequence()?;
    Ok(LoweredUnit {
        instrs,
        stackdepth,
        nlocalsplus,
    })
}

/// `_PyCfg_JumpLabelsToTargets`: resolves jump targets and exception
/// handlers of a CFG that was not produced by the optimizer (used by the
/// `assemble_code_object` test hook).
pub fn jump_labels_to_targets(g: &mut Cfg) -> Result<()> {
    except::translate_jump_labels_to_targets(g)?;
    except::label_exception_targets(g)
}

/// `_PyCompile_OptimizeCfg`, the `_testinternalcapi.optimize_cfg` hook:
/// optimizes with `nparams = 0`, `firstlineno = 1` and a fresh constant
/// cache, computes stack depths, applies LOAD_FAST_BORROW and converts back
/// to a sequence (no pseudo-op lowering, no locals-plus layout).
pub fn optimize_cfg_for_testing(
    seq: &mut InstrSequence,
    consts: &mut Vec<ConstValue>,
    nlocals: usize,
) -> Result<InstrSequence> {
    let mut g = Cfg::from_instruction_sequence(seq)?;
    optimize_code_unit_cfg(&mut g, consts, nlocals, 0, ConstMergeMode::FreshCache)?;
    stackdepth::calculate_stackdepth(&mut g)?;
    load_fast::optimize_load_fast(&mut g)?;
    g.to_instruction_sequence()
}
