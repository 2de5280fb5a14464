//! Comparing one source file: our compiler (in-process) against the oracle.
//!
//! The cheapest, most complete signal first: the `.pyc` bytes (and the warnings). Only
//! when they differ does [`compare_source`] re-run the oracle (to rule out a poisoned
//! oracle) and bisect through the layers — marshal bytes, code-object fields,
//! instruction stream, `dis` text — recording every layer's verdict in a
//! [`LayerReport`] and classifying the file with one [`Outcome`] and a normalized
//! signature. `fuzz/` reuses [`compare_source`] as is.

mod fields;
mod instructions;
mod layers;
mod marshal;
mod stages;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use pyc_compiler::{CompileError, Options};
use pyc_file::PycHeader;
use pyc_oracle::{CompileOutcome, CompileRequest, OracleError, Pool, Stamped};
use serde::{Deserialize, Serialize};

use crate::outcome::{
    CompilerErrorKind, ExceptionInfo, Outcome, SideResult, compiler_error_reason, reject_signature,
};
use crate::perturb::Perturbation;
use crate::slices::{Slice, source_slices};

pub use layers::{LayerReport, LayerVerdict, StagesReport, Status};

/// How to compare.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Optimization level for both sides (`-1` = the interpreter's, i.e. 0).
    pub optimize: i32,
    /// Ask the oracle for the codegen/CFG stages when the instruction stream differs.
    pub stages: bool,
    /// Test-only hooks (see [`TestHooks`]); `TestHooks::default()` in normal runs.
    pub hooks: TestHooks,
    /// Work out the language slices the source uses ([`FileRecord::slices`]): a second
    /// parse, needed by corpus runs' per-slice tables, not by the fuzzers.
    pub slices: bool,
    /// Ask the oracle on a second thread while our compiler runs, so one file's latency
    /// is the slower side instead of the sum (the fuzz targets, which see one input at a
    /// time). The oracle is then asked even when our compiler fails; corpus runs, which
    /// are parallel across files anyway, leave this off.
    pub overlap_oracle: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            optimize: -1,
            stages: true,
            hooks: TestHooks::default(),
            slices: true,
            overlap_oracle: false,
        }
    }
}

/// **For tests only.** Deliberate faults that prove each layer and class is detected.
#[derive(Debug, Clone, Default)]
pub struct TestHooks {
    /// Perturb our `.pyc` after compiling (see [`crate::perturb`]).
    pub perturb: Option<Perturbation>,
    /// Substitute a different oracle result on the re-run that checks the oracle
    /// against itself (one header byte flipped): forces [`Outcome::Poisoned`] whenever
    /// the first comparison differs. No natural case is known: the fork-server and fresh
    /// modes agree on the whole stdlib.
    pub poison_rerun: bool,
    /// Pretend our compiler rejected the source with this exception (to exercise
    /// [`Outcome::RejectMismatch`] on demand).
    pub force_reject: Option<ExceptionInfo>,
    /// Pretend our compiler answered "not supported yet" with this message (to exercise
    /// [`Outcome::CompilerError`] now that every 3.14 construct is supported).
    pub force_not_supported: Option<String>,
}

/// Where the time went for one file, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    /// Our compiler (parse + compile), in-process.
    pub ours_us: u64,
    /// The oracle's `compile` (and the re-run on a difference).
    pub oracle_us: u64,
    /// Layer analysis (oracle `layers`/`marshal_refs`/`stages` and our diffs).
    pub analysis_us: u64,
    /// Computing the language slices (a second parse).
    pub slices_us: u64,
}

/// A warning as both sides report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningInfo {
    /// `SyntaxWarning`, ...
    pub category: String,
    /// The text.
    pub message: String,
    /// Line.
    pub lineno: i64,
}

/// The result of comparing one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRecord {
    /// Corpus name (`stdlib`, `fixtures`, `regressions`, `paths`; empty from
    /// [`compare_source`] until the caller sets it).
    pub corpus: String,
    /// The file's name, also `co_filename` on both sides.
    pub name: String,
    /// Source size in bytes.
    pub source_bytes: usize,
    /// The classification.
    pub outcome: Outcome,
    /// The normalized signature of a parity bug (`Mismatch`, `RejectMismatch`), or the
    /// normalized reason of a `CompilerError`.
    pub signature: Option<String>,
    /// The language slices the file needs (`None` when our parser rejects it).
    pub slices: Option<Vec<Slice>>,
    /// The highest of them.
    pub highest_slice: Option<Slice>,
    /// Time spent.
    pub timing: Timing,
    /// The full layered report (only for differences; not written into summary.json).
    #[serde(skip)]
    pub report: Option<Box<LayerReport>>,
}

/// What our compiler did (in-process, or an external build: see [`compare_external`]).
#[derive(Debug, Clone)]
pub enum Ours {
    /// A complete `.pyc` (header + body).
    Compiled {
        /// The bytes.
        pyc: Vec<u8>,
        /// Its warnings; `None` when unknown (taken to be CPython's).
        warnings: Option<Vec<WarningInfo>>,
    },
    /// It rejected the source.
    Rejected(ExceptionInfo),
    /// "Not supported yet", an internal error or a panic.
    Failed {
        /// Which.
        kind: CompilerErrorKind,
        /// The message.
        message: String,
    },
}

thread_local! {
    static IN_OUR_COMPILER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs a panic hook that stays silent for panics inside our compiler (they are
/// caught and classified as [`CompilerErrorKind::Panic`]) and defers to the previous
/// hook for every other panic.
pub fn install_quiet_compiler_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_OUR_COMPILER.with(std::cell::Cell::get) {
            previous(info);
        }
    }));
}

fn micros(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Compiles `source` with our compiler exactly like the oracle's `compile` request does
/// (timestamp header, mtime 0, the source's size), catching panics.
fn compile_ours(source: &[u8], filename: &str, opts: &CompareOptions) -> Ours {
    if let Some(e) = &opts.hooks.force_reject {
        return Ours::Rejected(e.clone());
    }
    if let Some(m) = &opts.hooks.force_not_supported {
        return Ours::Failed {
            kind: CompilerErrorKind::NotSupported,
            message: m.clone(),
        };
    }
    let options = Options {
        filename: filename.to_owned(),
        optimize: opts.optimize,
    };
    IN_OUR_COMPILER.with(|f| f.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| {
        pyc_compiler::compile_module(source, &options)
    }));
    IN_OUR_COMPILER.with(|f| f.set(false));
    match result {
        Ok(Ok(compiled)) => {
            let header = PycHeader::timestamp(0, pyc_file::size_field(source.len() as u64));
            let mut pyc = compiled.pyc(&header);
            if let Some(p) = opts.hooks.perturb {
                match crate::perturb::apply(&pyc, p) {
                    Ok((perturbed, _)) => pyc = perturbed,
                    Err(e) => {
                        return Ours::Failed {
                            kind: CompilerErrorKind::Internal,
                            message: format!("internal compiler error in perturb hook: {e}"),
                        };
                    }
                }
            }
            Ours::Compiled {
                pyc,
                warnings: Some(
                    compiled
                        .warnings
                        .into_iter()
                        .map(|w| WarningInfo {
                            category: w.category,
                            message: w.message,
                            lineno: w.lineno,
                        })
                        .collect(),
                ),
            }
        }
        Ok(Err(CompileError::Rejected(e))) => Ours::Rejected(ExceptionInfo {
            type_name: e.type_name,
            message: e.message,
            lineno: e.lineno,
            offset: e.offset,
            end_lineno: e.end_lineno,
            end_offset: e.end_offset,
        }),
        Ok(Err(CompileError::NotSupported(message))) => Ours::Failed {
            kind: CompilerErrorKind::NotSupported,
            message,
        },
        Ok(Err(e @ CompileError::Internal { .. })) => Ours::Failed {
            kind: CompilerErrorKind::Internal,
            message: e.to_string(),
        },
        Err(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic payload)".to_owned());
            Ours::Failed {
                kind: CompilerErrorKind::Panic,
                message: format!("panic: {text}"),
            }
        }
    }
}

fn oracle_request(source: &[u8], filename: &str, opts: &CompareOptions) -> CompileRequest {
    let mut req = CompileRequest::new(source.to_vec(), filename);
    req.optimize = opts.optimize;
    req
}

fn exception_info(e: &pyc_oracle::CompileException) -> ExceptionInfo {
    ExceptionInfo {
        type_name: e.type_name.clone(),
        message: e.message.clone(),
        lineno: e.lineno,
        offset: e.offset,
        end_lineno: e.end_lineno,
        end_offset: e.end_offset,
    }
}

fn oracle_warnings(ws: &[pyc_oracle::CompileWarning]) -> Vec<WarningInfo> {
    ws.iter()
        .map(|w| WarningInfo {
            category: w.category.clone(),
            message: w.message.clone(),
            lineno: w.lineno,
        })
        .collect()
}

/// Whether an oracle error means the oracle cannot run at all (rather than failing on
/// this one file).
pub fn is_fatal_oracle_error(e: &OracleError) -> bool {
    matches!(e, OracleError::Spawn { .. } | OracleError::Provision(_))
}

/// Marker prefix of [`Outcome::OracleError`] messages for errors after which a run
/// cannot go on (the oracle does not start).
pub const FATAL_ORACLE_PREFIX: &str = "fatal: ";

/// Compares one source: our compiler against the oracle, bisecting layers on a
/// difference. Never panics on bad input; oracle failures become
/// [`Outcome::OracleError`].
pub fn compare_source(
    pool: &Pool,
    source: &[u8],
    filename: &str,
    opts: &CompareOptions,
) -> FileRecord {
    let mut timing = Timing::default();
    let t = Instant::now();
    let slices = slices_of(source, filename, opts);
    timing.slices_us = micros(t);
    if !opts.overlap_oracle {
        let t = Instant::now();
        let ours = compile_ours(source, filename, opts);
        timing.ours_us = micros(t);
        return compare_ours(pool, source, filename, opts, ours, slices, timing, None);
    }
    let (ours, theirs) = std::thread::scope(|scope| {
        let oracle = scope.spawn(|| ask_oracle(pool, source, filename, opts));
        let t = Instant::now();
        let ours = compile_ours(source, filename, opts);
        timing.ours_us = micros(t);
        // The closure only calls the oracle client, which reports failures as values.
        let theirs = oracle.join().unwrap_or_else(|_| {
            (
                Err(OracleError::Protocol {
                    message: "the oracle thread panicked".to_owned(),
                }),
                0,
            )
        });
        (ours, theirs)
    });
    compare_ours(
        pool,
        source,
        filename,
        opts,
        ours,
        slices,
        timing,
        Some(theirs),
    )
}

/// The oracle's compile of a source and the microseconds it took.
type OracleAnswer = (Result<Stamped<CompileOutcome>, OracleError>, u64);

/// The oracle's compile of `source` ([`OracleAnswer`]).
fn ask_oracle(pool: &Pool, source: &[u8], filename: &str, opts: &CompareOptions) -> OracleAnswer {
    let t = Instant::now();
    let theirs = pool.compile(oracle_request(source, filename, opts));
    (theirs, micros(t))
}

/// The language slices of `source` when `opts.slices` asks for them, `None` otherwise or
/// when our parser rejects it (never panics).
fn slices_of(source: &[u8], filename: &str, opts: &CompareOptions) -> Option<BTreeSet<Slice>> {
    if !opts.slices {
        return None;
    }
    IN_OUR_COMPILER.with(|f| f.set(true));
    let slices = catch_unwind(|| source_slices(source, filename))
        .ok()
        .flatten();
    IN_OUR_COMPILER.with(|f| f.set(false));
    slices
}

/// Like [`compare_source`], with our side's result obtained elsewhere (e.g. the `pycc`
/// of another revision, for `git bisect`). The test hooks do not apply to `ours`.
pub fn compare_external(
    pool: &Pool,
    source: &[u8],
    filename: &str,
    opts: &CompareOptions,
    ours: Ours,
) -> FileRecord {
    let t = Instant::now();
    let slices = slices_of(source, filename, opts);
    let timing = Timing {
        slices_us: micros(t),
        ..Timing::default()
    };
    compare_ours(pool, source, filename, opts, ours, slices, timing, None)
}

/// `theirs`: the oracle's answer when it was asked already (`overlap_oracle`).
#[allow(clippy::too_many_arguments)]
fn compare_ours(
    pool: &Pool,
    source: &[u8],
    filename: &str,
    opts: &CompareOptions,
    ours: Ours,
    slices: Option<BTreeSet<Slice>>,
    timing: Timing,
    theirs: Option<OracleAnswer>,
) -> FileRecord {
    let mut record = FileRecord {
        corpus: String::new(),
        name: filename.to_owned(),
        source_bytes: source.len(),
        outcome: Outcome::Match,
        signature: None,
        highest_slice: slices.as_ref().and_then(|s| s.last().copied()),
        slices: slices.map(|s| s.into_iter().collect()),
        timing,
        report: None,
    };
    // "Not supported yet" or an internal error does not depend on what CPython does
    // with the file: no oracle call (most of a run's time while slices are missing).
    if let Ours::Failed { kind, message } = ours {
        let reason = compiler_error_reason(kind, &message);
        record.signature = Some(reason.clone());
        record.outcome = Outcome::CompilerError {
            kind,
            message,
            reason,
        };
        return record;
    }

    let (theirs, oracle_us) = theirs.unwrap_or_else(|| ask_oracle(pool, source, filename, opts));
    record.timing.oracle_us = oracle_us;
    let theirs = match theirs {
        Ok(s) => s.value,
        Err(e) => {
            let prefix = if is_fatal_oracle_error(&e) {
                FATAL_ORACLE_PREFIX
            } else {
                ""
            };
            record.outcome = Outcome::OracleError {
                message: format!("{prefix}{e}"),
            };
            return record;
        }
    };
    match (ours, theirs) {
        (Ours::Failed { .. }, _) => {} // handled above
        (Ours::Rejected(a), CompileOutcome::Error { exception, .. }) => {
            let b = exception_info(&exception);
            if a.same_rejection(&b) {
                record.outcome = Outcome::BothRejected { exception: b };
            } else {
                set_reject_mismatch(
                    &mut record,
                    SideResult::Rejected { exception: a },
                    SideResult::Rejected { exception: b },
                );
            }
        }
        (Ours::Rejected(a), CompileOutcome::Ok { .. }) => set_reject_mismatch(
            &mut record,
            SideResult::Rejected { exception: a },
            SideResult::Compiled,
        ),
        (Ours::Compiled { .. }, CompileOutcome::Error { exception, .. }) => set_reject_mismatch(
            &mut record,
            SideResult::Compiled,
            SideResult::Rejected {
                exception: exception_info(&exception),
            },
        ),
        (
            Ours::Compiled {
                pyc: ours_pyc,
                warnings: ours_warnings,
            },
            CompileOutcome::Ok { pyc, warnings },
        ) => {
            let theirs_warnings = oracle_warnings(&warnings);
            let ours_warnings = ours_warnings.unwrap_or_else(|| theirs_warnings.clone());
            if ours_pyc == pyc && ours_warnings == theirs_warnings {
                return record;
            }
            // A difference: first make sure the oracle agrees with itself.
            let t = Instant::now();
            let rerun = pool.compile(oracle_request(source, filename, opts));
            record.timing.oracle_us += micros(t);
            match rerun {
                Err(e) => {
                    record.outcome = Outcome::OracleError {
                        message: format!("re-run: {e}"),
                    };
                    return record;
                }
                Ok(s) => {
                    let mut second = s.value;
                    if opts.hooks.poison_rerun
                        && let CompileOutcome::Ok { pyc, .. } = &mut second
                        && pyc.len() > 8
                    {
                        pyc[8] ^= 1;
                    }
                    if let Some(detail) = self_disagreement(&pyc, &warnings, &second) {
                        record.outcome = Outcome::Poisoned { detail };
                        return record;
                    }
                }
            }
            let t = Instant::now();
            let analysis = layers::analyze(
                pool,
                &layers::Input {
                    source,
                    filename,
                    optimize: opts.optimize,
                    stages: opts.stages,
                    ours_pyc: &ours_pyc,
                    theirs_pyc: &pyc,
                    ours_warnings: &ours_warnings,
                    theirs_warnings: &theirs_warnings,
                },
            );
            record.timing.analysis_us = micros(t);
            match analysis {
                Ok(a) => {
                    record.outcome = Outcome::Mismatch {
                        layer: a.layer,
                        code_path: a.code_path,
                        detail: a.detail,
                    };
                    record.signature = Some(a.signature);
                    let mut report = a.report;
                    report.perturbation = opts.hooks.perturb;
                    record.report = Some(Box::new(report));
                }
                Err(e) => {
                    record.outcome = Outcome::OracleError {
                        message: format!("layer analysis: {e}"),
                    }
                }
            }
        }
    }
    record
}

fn set_reject_mismatch(record: &mut FileRecord, ours: SideResult, theirs: SideResult) {
    record.signature = Some(reject_signature(&ours, &theirs));
    // No layer to compare: the outcome holds both sides' errors; the (empty) report
    // makes the file eligible as its signature's representative.
    record.report = Some(Box::default());
    record.outcome = Outcome::RejectMismatch { ours, theirs };
}

/// Describes how a re-run of the oracle differs from its first run, if it does.
fn self_disagreement(
    first_pyc: &[u8],
    first_warnings: &[pyc_oracle::CompileWarning],
    second: &CompileOutcome,
) -> Option<String> {
    match second {
        CompileOutcome::Error { exception, .. } => Some(format!(
            "first run compiled, re-run raised {}: {}",
            exception.type_name, exception.message
        )),
        CompileOutcome::Ok { pyc, warnings } => {
            if pyc != first_pyc {
                let at = first_difference(first_pyc, pyc);
                Some(format!(
                    "the re-run's .pyc differs from the first run's at byte {at} ({} vs {} bytes)",
                    first_pyc.len(),
                    pyc.len()
                ))
            } else if warnings != first_warnings {
                Some("the re-run's warnings differ from the first run's".to_owned())
            } else {
                None
            }
        }
    }
}

/// Offset of the first differing byte (the shorter length if one is a prefix).
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}
