//! `pycc`: compile Python 3.14 sources to `.pyc` files byte-identical to CPython's.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pyc_compiler::{CompileError, Options, compile_module};
use pyc_file::{InvalidationMode, PycHeader};
use rayon::prelude::*;

/// Compile Python 3.14 source files to .pyc files that are byte-identical to what
/// CPython 3.14's `py_compile` writes.
///
/// Every construct of Python 3.14 is compiled. A file CPython rejects is reported with
/// CPython's exception, message and position, and no .pyc is written for it; the
/// warnings CPython prints while compiling (SyntaxWarning, ...) are printed to stderr in
/// its format.
#[derive(Parser, Debug)]
#[command(name = "pycc", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile files like `python3.14 -m py_compile`: each FILE.py becomes
    /// __pycache__/FILE.cpython-314[.opt-N].pyc next to it (or OUT with -o), written
    /// atomically (temporary file + rename), with the source file's permissions.
    Compile {
        /// Source files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output path (only with a single FILE).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// PEP 552 invalidation mode. Default: timestamp, or checked-hash when
        /// SOURCE_DATE_EPOCH is set (as py_compile does).
        #[arg(long, value_enum)]
        invalidation_mode: Option<Mode>,
        /// Optimization level (like python -O / -OO).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
        optimize: u8,
    },
    /// Print the code objects of FILE (a .py, compiled first, or a .pyc) as JSON in
    /// the oracle's `layers` schema (see oracle/PROTOCOL.md).
    Dump {
        /// A .py source or a .pyc file.
        file: PathBuf,
        /// Optimization level used when compiling a source.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
        optimize: u8,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Timestamp,
    CheckedHash,
    UncheckedHash,
}

impl From<Mode> for InvalidationMode {
    fn from(m: Mode) -> Self {
        match m {
            Mode::Timestamp => InvalidationMode::Timestamp,
            Mode::CheckedHash => InvalidationMode::CheckedHash,
            Mode::UncheckedHash => InvalidationMode::UncheckedHash,
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pycc: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Compile {
            files,
            output,
            invalidation_mode,
            optimize,
        } => {
            if output.is_some() && files.len() != 1 {
                bail!("-o/--output needs exactly one input file");
            }
            let mode = invalidation_mode.map_or_else(InvalidationMode::from_env, Into::into);
            let results: Vec<(PathBuf, Result<String>)> = files
                .par_iter()
                .map(|f| {
                    let r = compile_one(f, output.as_deref(), mode, optimize);
                    (f.clone(), r)
                })
                .collect();
            let mut failed = 0;
            for (file, r) in results {
                match r {
                    Ok(warnings) => eprint!("{warnings}"),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{}: {e:#}", file.display());
                    }
                }
            }
            if failed > 0 {
                eprintln!("pycc: {failed} of {} files failed", files.len());
                return Ok(ExitCode::from(1));
            }
        }
        Command::Dump { file, optimize } => {
            let data =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let pyc = if file.extension().is_some_and(|x| x == "pyc") {
                data
            } else {
                let opts = Options {
                    filename: file.to_string_lossy().into_owned(),
                    optimize: i32::from(optimize),
                };
                let compiled = compile_module(&data, &opts).map_err(|e| anyhow::anyhow!("{e}"))?;
                compiled.pyc(&PycHeader::timestamp(0, data.len() as u32))
            };
            let layers = pyc_compiler::dump::dump_layers(&pyc, true)?;
            println!("{}", serde_json::to_string_pretty(&layers)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Compiles `file` and writes its .pyc atomically; returns the warnings as CPython prints
/// them.
fn compile_one(
    file: &Path,
    output: Option<&Path>,
    mode: InvalidationMode,
    optimize: u8,
) -> Result<String> {
    let source = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot stat {}", file.display()))?;
    let opts = Options {
        filename: file.to_string_lossy().into_owned(),
        optimize: i32::from(optimize),
    };
    let compiled = compile_module(&source, &opts).map_err(|e| match e {
        CompileError::Rejected(x) => anyhow::anyhow!(
            "{}: {} (line {}, column {})",
            x.type_name,
            x.message,
            x.lineno.unwrap_or(0),
            x.offset.unwrap_or(0)
        ),
        other => anyhow::anyhow!("{other}"),
    })?;
    let header = PycHeader::for_source(mode, &source, &meta);
    let pyc = compiled.pyc(&header);
    let target = match output {
        Some(o) => o.to_path_buf(),
        None => pyc_file::cache_path(file, optimize),
    };
    pyc_file::write_pyc_atomic_with_mode(&target, &pyc, pyc_file::source_file_mode(file))
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(format_warnings(&compiled.warnings, &opts.filename, &source))
}

/// The warnings as CPython's `warnings.formatwarning` prints them:
/// `FILE:LINE: CATEGORY: MESSAGE`, then the source line, stripped, indented by two.
fn format_warnings(
    warnings: &[pyc_compiler::CompileWarning],
    filename: &str,
    source: &[u8],
) -> String {
    let text = String::from_utf8_lossy(source);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for w in warnings {
        out.push_str(&format!(
            "{filename}:{}: {}: {}\n",
            w.lineno, w.category, w.message
        ));
        let line = usize::try_from(w.lineno)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| lines.get(i))
            .map(|l| l.trim())
            .unwrap_or_default();
        if !line.is_empty() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}
