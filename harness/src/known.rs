//! `corpus/known-mismatches.txt`: what is still wrong on purpose.
//!
//! One entry per line: `path  signature  one-line cause`, the fields separated by two or
//! more spaces or a tab (a signature may contain single spaces, e.g. a reject signature);
//! `#` starts a comment line. Paths are `Lib/...` for the oracle's stdlib and
//! `corpus/regressions/...` for minimized cases. Signatures are the harness's, exactly
//! as `pyc-parity diff`/`run` print them.

use std::path::{Path, PathBuf};

/// One entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownEntry {
    /// `Lib/...` or `corpus/regressions/...`.
    pub path: String,
    /// The exact signature the file shows.
    pub signature: String,
    /// Why (one line).
    pub cause: String,
    /// 1-based line in the file.
    pub line: usize,
}

/// The whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownList {
    /// Entries in file order.
    pub entries: Vec<KnownEntry>,
}

/// A malformed list.
#[derive(Debug, thiserror::Error)]
pub enum KnownError {
    /// Cannot read or write the file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line without a signature, or a path listed twice.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Splits at the first run of two or more spaces or a tab.
fn split_field(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\t' || (b[i] == b' ' && b.get(i + 1).is_some_and(|&c| c == b' ' || c == b'\t'))
        {
            let mut j = i;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            return (&s[..i], &s[j..]);
        }
        i += 1;
    }
    (s, "")
}

impl KnownList {
    /// Parses the text of a list (`origin` names it in errors).
    pub fn parse(text: &str, origin: &Path) -> Result<KnownList, KnownError> {
        let mut entries: Vec<KnownEntry> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let err = |message: String| KnownError::Syntax {
                path: origin.to_path_buf(),
                line: i + 1,
                message,
            };
            // The path never holds spaces: it ends at the first whitespace.
            let path_end = trimmed
                .find(|c: char| c.is_whitespace())
                .unwrap_or(trimmed.len());
            let path = &trimmed[..path_end];
            let rest = trimmed[path_end..].trim_start();
            let (signature, cause) = split_field(rest);
            let signature = signature.trim();
            if signature.is_empty() {
                return Err(err(format!("no signature after the path {path:?}")));
            }
            if entries.iter().any(|e| e.path == path) {
                return Err(err(format!("{path} is listed twice")));
            }
            entries.push(KnownEntry {
                path: path.to_owned(),
                signature: signature.to_owned(),
                cause: cause.trim().to_owned(),
                line: i + 1,
            });
        }
        Ok(KnownList { entries })
    }

    /// Reads a list.
    pub fn load(path: &Path) -> Result<KnownList, KnownError> {
        let text = std::fs::read_to_string(path).map_err(|source| KnownError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        KnownList::parse(&text, path)
    }

    /// The entry of `path`, if listed.
    pub fn get(&self, path: &str) -> Option<&KnownEntry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// Whether some entry has this signature.
    pub fn has_signature(&self, signature: &str) -> bool {
        self.entries.iter().any(|e| e.signature == signature)
    }
}

/// The repository's list: `corpus/known-mismatches.txt`.
pub fn default_path() -> PathBuf {
    crate::corpus::repo_root().join("corpus/known-mismatches.txt")
}

/// One line of the list (the cause flattened to one line).
pub fn format_entry(path: &str, signature: &str, cause: &str) -> String {
    let cause: String = cause.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{path}  {signature}  {cause}\n")
}

/// Appends an entry (atomically: the whole file is rewritten). Refuses a path that is
/// already listed.
pub fn append(
    list_path: &Path,
    path: &str,
    signature: &str,
    cause: &str,
) -> Result<(), KnownError> {
    let mut text = match std::fs::read_to_string(list_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(KnownError::Io {
                path: list_path.to_path_buf(),
                source,
            });
        }
    };
    let list = KnownList::parse(&text, list_path)?;
    if let Some(e) = list.get(path) {
        return Err(KnownError::Syntax {
            path: list_path.to_path_buf(),
            line: e.line,
            message: format!("{path} is already listed"),
        });
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format_entry(path, signature, cause));
    crate::write_atomic(list_path, text.as_bytes()).map_err(|source| KnownError::Io {
        path: list_path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_separated_by_two_spaces_or_tabs() {
        let text = "# comment\n\nLib/a.py  marshal:ref-only:module:co_consts:str:extra-flag  a cause  with spaces\ncorpus/regressions/r.py\treject:ours compiled | cpython SyntaxError: bad\tcause\nLib/b.py sig-after-one-space\n";
        let l = KnownList::parse(text, Path::new("k.txt")).expect("parses");
        assert_eq!(l.entries.len(), 3);
        assert_eq!(
            l.entries[0].signature,
            "marshal:ref-only:module:co_consts:str:extra-flag"
        );
        assert_eq!(l.entries[0].cause, "a cause  with spaces");
        assert_eq!(
            l.entries[1].signature,
            "reject:ours compiled | cpython SyntaxError: bad"
        );
        assert_eq!(l.entries[1].cause, "cause");
        assert_eq!(l.entries[2].signature, "sig-after-one-space");
        assert_eq!(l.entries[2].line, 5);
        assert!(KnownList::parse("Lib/a.py\n", Path::new("k")).is_err());
        assert!(KnownList::parse("a x\na y\n", Path::new("k")).is_err());
    }

    #[test]
    fn append_adds_one_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("known.txt");
        std::fs::write(&p, "# header\nLib/a.py  s  c").expect("write");
        append(
            &p,
            "corpus/regressions/x.py",
            "fields:module:co_linetable:x",
            "why\nnot",
        )
        .expect("append");
        let l = KnownList::load(&p).expect("load");
        assert_eq!(l.entries.len(), 2);
        assert_eq!(l.entries[1].cause, "why not");
        assert!(append(&p, "Lib/a.py", "s", "c").is_err());
    }
}
