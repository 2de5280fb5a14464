//! Fuzzing: the generators and the per-input checks behind the `cargo fuzz` targets of
//! `fuzz/` (which are one-line wrappers around [`fuzz_one`]).
//!
//! * `pyc_diff` ([`Target::PycDiff`]): fuzzer bytes → a valid Python program
//!   ([`pygen`], rendered with layout variety by [`pysource`], constructs chosen by
//!   [`Features`]) → [`crate::compare_source`]. Anything but `match`, `both_rejected` or
//!   `poisoned` is a finding (oracle errors are logged, never findings; a "not supported
//!   yet" answer only counts when every enabled feature is supported).
//! * `pyc_source` ([`Target::PycSource`]): the bytes are the source. Findings: our
//!   compiler panics or fails internally, or it disagrees with CPython on accept vs
//!   reject (exception type, message, line, offset). Hangs are libFuzzer's `-timeout`.
//! * `marshal_roundtrip` ([`Target::MarshalRoundtrip`]): bytes → a value graph
//!   ([`marshal_gen`]) → our writer → our reader (must read it back, rewrite the same
//!   bytes, same shape) and the oracle's `marshal.loads` + `marshal.dumps`, which must
//!   equal our writer on the graph CPython loaded ([`marshal_gen::as_loaded`]).
//!
//! A finding is printed (the harness's layered report), written atomically to
//! `reports/fuzz/<signature-slug>-<hash>/{report.md,report.json,source.py|input.marshal}`
//! and then the process panics (libFuzzer saves the crash artifact);
//! `pyc-parity reproduce ARTIFACT` replays an artifact and prints the same report.
//!
//! The oracle pool is made once per process ([`FuzzContext::global`]); libFuzzer's
//! `-fork=N`/`-jobs=N` children each make their own.

pub mod artifacts;
pub mod features;
pub mod marshal_gen;
pub mod pygen;
pub mod pysource;
mod targets;
pub mod tree;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use pyc_oracle::{Pool, PoolConfig, ProvisionOptions, find_or_install};

pub use features::{Feature, FeatureError, Features};
pub use pygen::{GenLimits, generate, generate_source};
pub use targets::{Finding, Verdict, run_target};

use crate::compare::FileRecord;

/// The fuzz targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum Target {
    /// Generated valid programs, byte parity.
    PycDiff,
    /// Raw or mutated source bytes: no panic, same accept/reject.
    PycSource,
    /// Arbitrary marshal values: our writer and reader against CPython's marshal.
    MarshalRoundtrip,
}

impl Target {
    /// All targets.
    pub const ALL: [Target; 3] = [Target::PycDiff, Target::PycSource, Target::MarshalRoundtrip];

    /// The `cargo fuzz` target name.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::PycDiff => "pyc_diff",
            Target::PycSource => "pyc_source",
            Target::MarshalRoundtrip => "marshal_roundtrip",
        }
    }

    /// The target whose name is `s`.
    pub fn from_name(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The target of an artifact or corpus file, from its path: a path component named
    /// like a target (`fuzz/artifacts/pyc_diff/crash-…`, `fuzz/corpus/pyc_source/…`).
    pub fn from_path(path: &Path) -> Option<Target> {
        path.components()
            .rev()
            .skip(1)
            .find_map(|c| c.as_os_str().to_str().and_then(Target::from_name))
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of the fuzzing entry points.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// No oracle.
    #[error("cannot get the CPython 3.14 oracle: {0}")]
    Oracle(#[from] pyc_oracle::OracleError),
    /// No oracle interpreter.
    #[error("cannot get the CPython 3.14 oracle: {0}")]
    Provision(#[from] pyc_oracle::ProvisionError),
    /// `PYC_FUZZ_FEATURES` or `--features` is not a valid spec.
    #[error(transparent)]
    Features(#[from] FeatureError),
    /// Filesystem.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// The target of an artifact cannot be told from its path.
    #[error(
        "{0}: cannot tell the fuzz target from the path (expected a folder named pyc_diff, pyc_source or marshal_roundtrip, e.g. fuzz/artifacts/pyc_diff/crash-…); pass --target"
    )]
    UnknownTarget(PathBuf),
    /// The artifact's target has no Python source (marshal_roundtrip).
    #[error("{0}: a {1} input is not a Python source")]
    NotSource(PathBuf, Target),
}

/// Settings of a fuzzing process, from the environment.
#[derive(Debug, Clone)]
pub struct FuzzSettings {
    /// Generator features of `pyc_diff` (`PYC_FUZZ_FEATURES`, default: what the compiler
    /// supports).
    pub features: Features,
    /// Generator limits.
    pub limits: GenLimits,
    /// Where findings are written (`PYC_FUZZ_REPORTS`, default `reports/fuzz` under the
    /// repository root).
    pub reports_dir: PathBuf,
    /// Signatures listed in `corpus/known-mismatches.txt` (not findings).
    pub known: Vec<String>,
    /// `PYC_FUZZ_SKIP_REPORTED=1`: a finding whose signature already has a report folder
    /// under `reports_dir` (from this run's other processes or an earlier run) is counted
    /// as `reported before` instead of stopping the process: long `-fork=N` runs then
    /// spend their time on new signatures rather than restarting on the same one.
    pub skip_reported: bool,
    /// **Tests only**: hooks passed to [`crate::compare_source`] (e.g. a perturbation
    /// that forces a finding); `TestHooks::default()` otherwise.
    pub hooks: crate::compare::TestHooks,
}

impl FuzzSettings {
    /// Reads `PYC_FUZZ_FEATURES`, `PYC_FUZZ_REPORTS` and `PYC_FUZZ_SKIP_REPORTED`.
    pub fn from_env() -> Result<Self, FuzzError> {
        let features = match std::env::var("PYC_FUZZ_FEATURES") {
            Ok(spec) => Features::parse(&spec)?,
            Err(_) => Features::default(),
        };
        // Outside a checkout (a ClusterFuzzLite runner sees only the fuzzers' folder,
        // where .clusterfuzzlite/build.sh puts a copy of the known list): the list next
        // to the executable, reports under the current directory.
        let root = crate::corpus::repo_root();
        let in_checkout = root.join("corpus").is_dir();
        let reports_dir = std::env::var_os("PYC_FUZZ_REPORTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                if in_checkout {
                    root.join("reports/fuzz")
                } else {
                    PathBuf::from("reports/fuzz")
                }
            });
        let known_list = if in_checkout {
            root.join("corpus/known-mismatches.txt")
        } else {
            beside_executable("known-mismatches.txt").unwrap_or_default()
        };
        Ok(Self {
            features,
            limits: GenLimits::default(),
            reports_dir,
            known: known_signatures(&known_list),
            skip_reported: std::env::var("PYC_FUZZ_SKIP_REPORTED").is_ok_and(|v| v == "1"),
            hooks: crate::compare::TestHooks::default(),
        })
    }

    /// With [`FuzzSettings::skip_reported`]: whether `f`'s signature already has its
    /// report folder (then it does not stop the process again).
    pub fn reported_before(&self, f: &Finding) -> bool {
        self.skip_reported && f.folder(&self.reports_dir).is_dir()
    }

    /// Whether `signature` is a known mismatch: equal to a listed signature, or one
    /// that continues it after a `:`. A reject signature where one side compiled is never
    /// known here: it names only the other side's message (`reject:ours SyntaxError:
    /// invalid syntax | cpython compiled` covers every parser bug), so the generator
    /// avoids the listed ones instead (feature `known_bugs`).
    pub fn is_known(&self, signature: &str) -> bool {
        !(signature.starts_with("reject:") && signature.contains("compiled"))
            && self.known.iter().any(|k| {
                signature == k
                    || signature
                        .strip_prefix(k.as_str())
                        .is_some_and(|rest| rest.starts_with(':'))
            })
    }
}

/// The signatures of a known-mismatches list ([`crate::known`]); empty when the file
/// is missing or malformed (then every mismatch is a finding).
pub fn known_signatures(path: &Path) -> Vec<String> {
    crate::known::KnownList::load(path)
        .map(|l| l.entries.into_iter().map(|e| e.signature).collect())
        .unwrap_or_default()
}

/// One fuzzing process's oracle pool and settings.
#[derive(Debug)]
pub struct FuzzContext {
    /// The oracle (one fork-server worker: libFuzzer runs one input at a time).
    pub pool: Pool,
    /// The settings.
    pub settings: FuzzSettings,
}

impl FuzzContext {
    /// Makes a context: finds the oracle, starts its worker, reads the settings.
    ///
    /// Where the oracle comes from: as everywhere (`PYC_ORACLE_PYTHON`, `PATH`, `uv`,
    /// the private install), except that a `pyc-oracle/` folder next to the fuzzer's
    /// executable (how `.clusterfuzzlite/build.sh` ships it) is the private-install cache
    /// when neither `PYC_ORACLE_PYTHON` nor `PYC_ORACLE_CACHE` is set.
    pub fn new(settings: FuzzSettings) -> Result<Self, FuzzError> {
        let mut opts = ProvisionOptions::from_env();
        let shipped = beside_executable("pyc-oracle").filter(|d| d.is_dir());
        if let Some(dir) = shipped
            && opts.explicit_python.is_none()
            && std::env::var_os("PYC_ORACLE_CACHE").is_none()
        {
            // An existing install there is used as is (no download).
            opts.cache_dir = dir;
        }
        let interp = find_or_install(&opts)?;
        let pool = Pool::new(
            interp,
            &opts.cache_dir,
            PoolConfig {
                workers: 1,
                request_timeout: Duration::from_secs(30),
                ..PoolConfig::default()
            },
        )?;
        pool.warm_up()?;
        Ok(Self { pool, settings })
    }

    /// The process-wide context, made on first use. A process that cannot get the oracle
    /// prints why and exits with status 2 (that is not a finding).
    pub fn global() -> &'static FuzzContext {
        static CONTEXT: OnceLock<FuzzContext> = OnceLock::new();
        CONTEXT.get_or_init(
            || match FuzzSettings::from_env().and_then(FuzzContext::new) {
                Ok(c) => {
                    eprintln!(
                        "pyc-parity fuzzing: oracle {} ({}), pyc_diff features: {}, {} known signatures, findings to {}",
                        c.pool.interpreter().describe(),
                        c.pool.stamp().mode,
                        c.settings.features,
                        c.settings.known.len(),
                        c.settings.reports_dir.display()
                    );
                    c
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(2);
                }
            },
        )
    }
}

/// Per-process counters, printed now and then (what the inputs turned out to be).
static COUNTS: [AtomicU64; 7] = [const { AtomicU64::new(0) }; 7];
const COUNT_NAMES: [&str; 7] = [
    "inputs",
    "parity",
    "skipped",
    "oracle errors",
    "known",
    "findings",
    "reported before",
];

fn count(i: usize) {
    COUNTS[i].fetch_add(1, Ordering::Relaxed);
}

/// The whole per-input step of a fuzz target: run the check, and on a finding print
/// the report, write it under the reports folder and panic (the deliberate abort that
/// makes libFuzzer save the input). Oracle infrastructure errors are logged only.
pub fn fuzz_one(target: Target, data: &[u8]) {
    let ctx = FuzzContext::global();
    count(0);
    match run_target(ctx, target, data) {
        Verdict::Parity => count(1),
        Verdict::Skipped(_) => count(2),
        Verdict::OracleError(msg) => {
            count(3);
            eprintln!("pyc-parity fuzzing: oracle error (not a finding): {msg}");
        }
        Verdict::Known(_) => count(4),
        Verdict::Finding(f) if ctx.settings.reported_before(&f) => count(6),
        Verdict::Finding(f) => {
            count(5);
            eprintln!("{}", f.text);
            match f.write(&ctx.settings.reports_dir) {
                Ok(dir) => eprintln!("report written to {}", dir.display()),
                Err(e) => eprintln!("warning: cannot write the report: {e}"),
            }
            panic!("pyc-parity {target} finding: {}", f.signature);
        }
    }
    let n = COUNTS[0].load(Ordering::Relaxed);
    if (n.is_power_of_two() && n >= 1024) || n.is_multiple_of(100_000) {
        let parts: Vec<String> = COUNT_NAMES
            .iter()
            .zip(&COUNTS)
            .map(|(name, c)| format!("{name} {}", c.load(Ordering::Relaxed)))
            .collect();
        eprintln!("pyc-parity {target}: {}", parts.join(", "));
    }
}

/// Installs what a fuzz target's `init` needs: the panic hook that lets the harness
/// catch panics of our compiler (to classify and report them) while every other panic
/// still aborts through libFuzzer's hook.
pub fn init_fuzz_target() {
    crate::compare::install_quiet_compiler_panic_hook();
}

/// The Python source a `pyc_diff` or `pyc_source` artifact stands for (the generated
/// program, or the bytes themselves), with the generator settings of `settings`.
pub fn artifact_source(
    path: &Path,
    target: Option<Target>,
    settings: &FuzzSettings,
) -> Result<Vec<u8>, FuzzError> {
    let target = resolve_target(path, target)?;
    let data = read(path)?;
    match target {
        Target::PycDiff => Ok(generate_source(&data, settings.features, settings.limits)),
        Target::PycSource => Ok(data),
        Target::MarshalRoundtrip => Err(FuzzError::NotSource(path.to_path_buf(), target)),
    }
}

/// Replays a `pyc_diff`/`pyc_source` artifact through [`crate::compare_source`] and
/// returns its record (with the layered report on a difference): what `triage` groups
/// by signature. The record's `name` is the artifact's path.
pub fn replay_artifact(
    pool: &Pool,
    path: &Path,
    target: Option<Target>,
    settings: &FuzzSettings,
) -> Result<FileRecord, FuzzError> {
    let source = artifact_source(path, target, settings)?;
    Ok(targets::compare(
        pool,
        &source,
        &path.to_string_lossy(),
        true,
        &settings.hooks,
    ))
}

/// Replays any artifact (all three targets) and returns the verdict, report included.
pub fn reproduce(
    ctx: &FuzzContext,
    path: &Path,
    target: Option<Target>,
) -> Result<(Target, Verdict), FuzzError> {
    let target = resolve_target(path, target)?;
    let data = read(path)?;
    Ok((target, run_target(ctx, target, &data)))
}

fn resolve_target(path: &Path, target: Option<Target>) -> Result<Target, FuzzError> {
    target
        .or_else(|| Target::from_path(path))
        .ok_or_else(|| FuzzError::UnknownTarget(path.to_path_buf()))
}

fn read(path: &Path) -> Result<Vec<u8>, FuzzError> {
    std::fs::read(path).map_err(io_error(path))
}

/// Turns an I/O error on `path` into [`FuzzError::Io`] (for `map_err`).
pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> FuzzError + use<> {
    let path = path.to_path_buf();
    move |source| FuzzError::Io { path, source }
}

/// `name` in the folder of the running executable (where `.clusterfuzzlite/build.sh`
/// puts the oracle and the known list beside the fuzz targets).
fn beside_executable(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(name))
}

/// What `pyc-parity fuzz-seed` wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedSummary {
    /// Files written per target.
    pub written: Vec<(Target, usize)>,
}

/// Fills `fuzz/corpus/<target>/` from `corpus/fixtures` and `corpus/regressions` (all
/// three targets: for `pyc_diff` and `marshal_roundtrip` the files are just generator
/// bytes) and, for `pyc_source`, the oracle's own `Lib/` files up to `max_stdlib_bytes`.
/// `pyc_source` gets no file listed in `corpus/known-mismatches.txt` (it would be a
/// finding at once). Files are named by a hash of their content (re-running adds
/// nothing twice).
pub fn seed_corpus(
    repo_root: &Path,
    out: &Path,
    stdlib: &[(String, PathBuf)],
    max_stdlib_bytes: usize,
) -> Result<SeedSummary, FuzzError> {
    let mut own = Vec::new();
    for dir in ["corpus/fixtures", "corpus/regressions"] {
        let files = crate::corpus::python_files(&repo_root.join(dir), "seed", dir)
            .map_err(io_error(&repo_root.join(dir)))?;
        own.extend(files.into_iter().map(|f| f.path));
    }
    let mut summary = SeedSummary::default();
    for target in Target::ALL {
        let dir = out.join(target.as_str());
        std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let mut n = 0;
        let mut paths: Vec<&Path> = own.iter().map(PathBuf::as_path).collect();
        if target == Target::PycSource {
            let known =
                crate::known::KnownList::load(&repo_root.join("corpus/known-mismatches.txt"))
                    .unwrap_or_default();
            paths.retain(|p| {
                let rel = p.strip_prefix(repo_root).unwrap_or(p).to_string_lossy();
                known.get(&rel).is_none()
            });
            paths.extend(
                stdlib
                    .iter()
                    .filter(|(rel, _)| known.get(&format!("Lib/{rel}")).is_none())
                    .map(|(_, p)| p.as_path()),
            );
        }
        for p in paths {
            let data = read(p)?;
            if target == Target::PycSource && data.len() > max_stdlib_bytes {
                continue;
            }
            let name = dir.join(format!("seed-{:016x}", fnv64(&data)));
            if !name.exists() {
                crate::write_atomic(&name, &data).map_err(io_error(&name))?;
                n += 1;
            }
        }
        summary.written.push((target, n));
    }
    Ok(summary)
}

fn fnv64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_from_paths() {
        let p = Path::new("fuzz/artifacts/pyc_diff/crash-0123");
        assert_eq!(Target::from_path(p), Some(Target::PycDiff));
        let p = Path::new("/x/fuzz/corpus/marshal_roundtrip/abc");
        assert_eq!(Target::from_path(p), Some(Target::MarshalRoundtrip));
        assert_eq!(Target::from_path(Path::new("crash-0123")), None);
        // The file's own name never counts.
        assert_eq!(Target::from_path(Path::new("dir/pyc_source")), None);
    }

    #[test]
    fn known_signatures_match_exactly_or_as_a_prefix() {
        let s = FuzzSettings {
            features: Features::default(),
            limits: GenLimits::default(),
            reports_dir: PathBuf::from("r"),
            known: vec!["marshal:ref-only:frozenset".into()],
            skip_reported: false,
            hooks: crate::compare::TestHooks::default(),
        };
        assert!(s.is_known("marshal:ref-only:frozenset"));
        assert!(s.is_known("marshal:ref-only:frozenset:extra-flag"));
        assert!(!s.is_known("marshal:ref-only:frozensets"));
        assert!(!s.is_known("fields:function:co_consts"));
        let r = FuzzSettings {
            known: vec!["reject:ours SyntaxError: invalid syntax | cpython compiled".into()],
            ..s
        };
        assert!(!r.is_known("reject:ours SyntaxError: invalid syntax | cpython compiled"));
    }
}
