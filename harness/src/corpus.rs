//! Corpus discovery: which source files a run covers, named stably.

use std::path::{Path, PathBuf};

use pyc_oracle::OracleInterpreter;

/// One source file of a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CorpusFile {
    /// Corpus name: `stdlib`, `fixtures`, `regressions` or `paths`.
    pub corpus: String,
    /// Stable display name, also used as `co_filename` on both sides
    /// (e.g. `Lib/argparse.py`, `corpus/fixtures/s1/x.py`).
    pub name: String,
    /// Where to read it.
    pub path: PathBuf,
}

/// The named corpora `pyc-parity run --corpus` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CorpusKind {
    /// The oracle's own `Lib/` and `Lib/test/` (about 1,700 files nobody here wrote).
    Stdlib,
    /// `corpus/fixtures/`: hand-written files by language feature.
    Fixtures,
    /// `corpus/regressions/`: minimized cases of fixed and known mismatches.
    Regressions,
}

/// The repository root (where `corpus/` lives), found from the current directory
/// upwards, falling back to this crate's source location.
pub fn repo_root() -> PathBuf {
    if let Ok(mut dir) = std::env::current_dir() {
        loop {
            if dir.join("corpus").is_dir() && dir.join("Cargo.toml").is_file() {
                return dir;
            }
            if !dir.pop() {
                break;
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// All `.py` files below `dir`, sorted, named `prefix/relative/path.py`.
pub fn python_files(dir: &Path, corpus: &str, prefix: &str) -> std::io::Result<Vec<CorpusFile>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    if dir.is_file() {
        out.push(CorpusFile {
            corpus: corpus.to_owned(),
            name: display_name(dir, prefix),
            path: dir.to_path_buf(),
        });
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            let ft = entry.file_type()?;
            if ft.is_dir() {
                if entry.file_name() != "__pycache__" {
                    stack.push(path);
                }
            } else if ft.is_file() && path.extension().is_some_and(|x| x == "py") {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                out.push(CorpusFile {
                    corpus: corpus.to_owned(),
                    name: join_name(prefix, rel),
                    path,
                });
            }
        }
    }
    out.sort();
    Ok(out)
}

fn display_name(path: &Path, prefix: &str) -> String {
    join_name(
        prefix,
        Path::new(path.file_name().unwrap_or(path.as_os_str())),
    )
}

fn join_name(prefix: &str, rel: &Path) -> String {
    let rel: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if prefix.is_empty() {
        rel.join("/")
    } else {
        format!("{prefix}/{}", rel.join("/"))
    }
}

/// The files of a named corpus.
pub fn corpus_files(
    kind: CorpusKind,
    oracle: &OracleInterpreter,
) -> std::io::Result<Vec<CorpusFile>> {
    match kind {
        CorpusKind::Stdlib => Ok(oracle
            .stdlib_corpus()?
            .into_iter()
            .map(|(rel, path)| CorpusFile {
                corpus: "stdlib".into(),
                name: format!("Lib/{rel}"),
                path,
            })
            .collect()),
        CorpusKind::Fixtures => python_files(
            &repo_root().join("corpus/fixtures"),
            "fixtures",
            "corpus/fixtures",
        ),
        CorpusKind::Regressions => python_files(
            &repo_root().join("corpus/regressions"),
            "regressions",
            "corpus/regressions",
        ),
    }
}

/// Files named on the command line (files or directories), in the `paths` corpus.
pub fn path_files(paths: &[PathBuf]) -> std::io::Result<Vec<CorpusFile>> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: no such file or directory", p.display()),
            ));
        }
        let prefix = if p.is_dir() {
            p.to_string_lossy().trim_end_matches('/').to_owned()
        } else {
            String::new()
        };
        let mut files = python_files(p, "paths", &prefix)?;
        if p.is_file() {
            files[0].name = p.to_string_lossy().into_owned();
        }
        out.extend(files);
    }
    Ok(out)
}
