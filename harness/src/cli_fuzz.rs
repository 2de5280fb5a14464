//! `pyc-parity reproduce` and `pyc-parity fuzz-seed`: the command-line side of
//! `pyc_parity::fuzzing` (the `cargo fuzz` targets of `fuzz/`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use pyc_parity::fuzzing::{self, Features, FuzzContext, FuzzSettings, Target, Verdict};

#[derive(clap::Args, Debug)]
pub struct ReproduceArgs {
    /// A libFuzzer input (crash artifact or corpus file), e.g.
    /// fuzz/artifacts/pyc_diff/crash-0a1b….
    pub artifact: PathBuf,
    /// The fuzz target (default: from the artifact's path, a folder named pyc_diff,
    /// pyc_source or marshal_roundtrip).
    #[arg(long, value_enum)]
    pub target: Option<Target>,
    /// pyc_diff generator features, as the fuzzer used them (default: PYC_FUZZ_FEATURES,
    /// else what the compiler supports), e.g. `default,+match`.
    #[arg(long)]
    pub features: Option<String>,
    /// Print only the Python source the artifact stands for (pyc_diff: the generated
    /// program; pyc_source: the bytes) and exit.
    #[arg(long)]
    pub source: bool,
    /// Also write the report folder under this directory (like the fuzzer does).
    #[arg(long)]
    pub write_report: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct FuzzSeedArgs {
    /// The fuzz corpus root (one folder per target is filled).
    #[arg(long, default_value = "fuzz/corpus")]
    pub out: PathBuf,
    /// Largest stdlib file (bytes) copied into the pyc_source corpus.
    #[arg(long, default_value_t = 65_536)]
    pub max_stdlib_bytes: usize,
    /// Do not copy the oracle's Lib/ files into the pyc_source corpus.
    #[arg(long)]
    pub no_stdlib: bool,
}

fn settings(features: Option<&str>) -> Result<FuzzSettings> {
    let mut s = FuzzSettings::from_env()?;
    if let Some(spec) = features {
        s.features = Features::parse(spec)?;
    }
    Ok(s)
}

/// Exit status: 0 when the artifact no longer shows a finding, 1 when it does, 2 when
/// it could not run.
pub fn reproduce(args: ReproduceArgs) -> Result<ExitCode> {
    let settings = settings(args.features.as_deref())?;
    if args.source {
        let src = fuzzing::artifact_source(&args.artifact, args.target, &settings)?;
        use std::io::Write as _;
        std::io::stdout().write_all(&src)?;
        return Ok(ExitCode::SUCCESS);
    }
    let ctx = FuzzContext::new(settings).context("cannot start the oracle")?;
    pyc_parity::compare::install_quiet_compiler_panic_hook();
    let (target, verdict) = fuzzing::reproduce(&ctx, &args.artifact, args.target)?;
    match verdict {
        Verdict::Finding(f) => {
            println!("{}", f.text);
            if let Some(dir) = &args.write_report {
                let folder = f.write(dir)?;
                eprintln!("report written to {}", folder.display());
            }
            Ok(ExitCode::from(1))
        }
        Verdict::Parity => {
            println!("{target}: parity (no finding)");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Known(sig) => {
            println!("{target}: known mismatch {sig} (listed in corpus/known-mismatches.txt)");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Skipped(why) => {
            println!("{target}: not a finding ({why})");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::OracleError(e) => {
            anyhow::bail!("the oracle failed on this input: {e}")
        }
    }
}

pub fn fuzz_seed(args: FuzzSeedArgs) -> Result<ExitCode> {
    let root = pyc_parity::corpus::repo_root();
    let stdlib = if args.no_stdlib {
        Vec::new()
    } else {
        let interp = pyc_oracle::find_or_install(&pyc_oracle::ProvisionOptions::from_env())
            .context("cannot get the CPython 3.14 oracle (its Lib/ seeds pyc_source; --no-stdlib skips it)")?;
        interp.stdlib_corpus()?
    };
    let out = if args.out.is_absolute() {
        args.out.clone()
    } else {
        root.join(&args.out)
    };
    let summary = fuzzing::seed_corpus(&root, &out, &stdlib, args.max_stdlib_bytes)?;
    for (target, n) in &summary.written {
        println!(
            "{:<18} {n} new file(s) in {}",
            target.as_str(),
            out.join(target.as_str()).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
