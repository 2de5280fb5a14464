//! Finding, installing and verifying the CPython 3.14 oracle interpreter.
//!
//! Search order (first hit wins, each candidate is verified before use):
//! 1. `PYC_ORACLE_PYTHON` (an explicit interpreter path);
//! 2. `python3.14` on `PATH`;
//! 3. `uv python find 3.14`, when `uv` is installed;
//! 4. on Debian/Ubuntu amd64, a private install under the cache directory
//!    (`PYC_ORACLE_CACHE`, default `$XDG_CACHE_HOME/pyc-parity/oracle` or
//!    `~/.cache/pyc-parity/oracle`), made from Debian `sid` binary packages with
//!    `apt-get download` + `dpkg-deb -x`, never touching the system's apt state.
//!
//! The private install is concurrency-safe: an exclusive file lock serialises
//! installers (threads or processes), the packages are unpacked into a temporary
//! directory and renamed into place, and a `READY` marker is written last.

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

/// The magic number CPython 3.14 writes into `.pyc` headers (`2b 0e 0d 0a`).
pub const EXPECTED_MAGIC: u16 = 3627;

/// The Debian packages that make a complete, self-contained 3.14 with its test suite.
pub const DEBIAN_PACKAGES: &[&str] = &[
    "python3.14-minimal",
    "libpython3.14-minimal",
    "libpython3.14-stdlib",
    "libpython3.14-testsuite",
    "libc6",
    "zlib1g",
    "libexpat1",
];

/// Name of the private install directory inside the cache directory.
const DEBIAN_DIR: &str = "debian-sid";
const READY_MARKER: &str = "READY";
const LOCK_FILE: &str = "install.lock";
const DEFAULT_KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";

/// How the interpreter was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OracleSource {
    /// `PYC_ORACLE_PYTHON`.
    EnvVar,
    /// `python3.14` on `PATH`.
    Path,
    /// `uv python find 3.14`.
    Uv,
    /// The private Debian install in the cache directory.
    DebianCache,
}

/// A verified CPython 3.14 interpreter and how to start it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OracleInterpreter {
    /// The program to execute (the interpreter, or the dynamic loader for a private install).
    pub program: PathBuf,
    /// Arguments that must precede the interpreter's own arguments.
    pub prefix_args: Vec<OsString>,
    /// How it was found.
    pub source: OracleSource,
    /// `sys.version` (first word), e.g. `3.14.10`.
    pub version: String,
    /// Magic number from `importlib.util.MAGIC_NUMBER`.
    pub magic: u16,
    /// `sysconfig.get_path("stdlib")`: the `Lib/` directory.
    pub stdlib_dir: PathBuf,
    /// Whether `Lib/test/` is present (the corpus needs it).
    pub has_test_suite: bool,
    /// Whether `_testinternalcapi` imports (needed for the `stages` request).
    pub has_testinternalcapi: bool,
}

impl OracleInterpreter {
    /// A `Command` that runs this interpreter with the given arguments, with an
    /// empty environment apart from what the oracle needs.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.prefix_args);
        cmd.env_clear();
        // Keep a PATH so that anything the interpreter spawns (nothing, normally) resolves.
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd
    }

    /// Human-readable one-line description.
    pub fn describe(&self) -> String {
        let prefix: Vec<String> = self
            .prefix_args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        format!(
            "CPython {} (magic {}) via {:?}: {}{}{}",
            self.version,
            self.magic,
            self.source,
            self.program.display(),
            if prefix.is_empty() { "" } else { " " },
            prefix.join(" ")
        )
    }
}

/// Where to look and what is allowed. [`ProvisionOptions::from_env`] gives the defaults.
#[derive(Debug, Clone)]
pub struct ProvisionOptions {
    /// An explicit interpreter (`PYC_ORACLE_PYTHON`): used alone, never falls back.
    pub explicit_python: Option<PathBuf>,
    /// Look for `python3.14` on `PATH`.
    pub search_path: bool,
    /// Ask `uv python find 3.14`.
    pub search_uv: bool,
    /// Install from Debian packages when nothing else is found.
    pub allow_install: bool,
    /// Cache directory for the private install.
    pub cache_dir: PathBuf,
    /// Debian mirror URL; `None` means: take it from the system's apt sources.
    pub debian_mirror: Option<String>,
}

impl ProvisionOptions {
    /// Options from the environment: `PYC_ORACLE_PYTHON`, `PYC_ORACLE_CACHE`,
    /// `PYC_ORACLE_DEBIAN_MIRROR`, `PYC_ORACLE_NO_INSTALL`.
    pub fn from_env() -> Self {
        let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        Self {
            explicit_python: non_empty("PYC_ORACLE_PYTHON").map(PathBuf::from),
            search_path: true,
            search_uv: true,
            allow_install: non_empty("PYC_ORACLE_NO_INSTALL").is_none(),
            cache_dir: non_empty("PYC_ORACLE_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(default_cache_dir),
            debian_mirror: non_empty("PYC_ORACLE_DEBIAN_MIRROR")
                .map(|s| s.to_string_lossy().into_owned()),
        }
    }

    /// Options that only use (or create) the private install in `cache_dir`.
    pub fn private_install_only(cache_dir: impl Into<PathBuf>) -> Self {
        Self {
            explicit_python: None,
            search_path: false,
            search_uv: false,
            allow_install: true,
            cache_dir: cache_dir.into(),
            debian_mirror: std::env::var("PYC_ORACLE_DEBIAN_MIRROR").ok(),
        }
    }
}

/// `$XDG_CACHE_HOME/pyc-parity/oracle`, else `~/.cache/pyc-parity/oracle`.
pub fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("pyc-parity").join("oracle")
}

/// Why no oracle could be had. Every variant says what was tried.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// A candidate ran but is not CPython 3.14 with magic 3627.
    #[error("{candidate} is not a usable CPython 3.14 oracle: {reason}")]
    Refused {
        /// What was run.
        candidate: String,
        /// Why it was refused.
        reason: String,
    },
    /// Nothing was found and installing was not possible.
    #[error(
        "no CPython 3.14 oracle found.\nTried:\n{tried}\nFix: set PYC_ORACLE_PYTHON=/path/to/python3.14, put python3.14 on PATH, or (Debian/Ubuntu amd64) let pyc-parity install one into {cache} (needs apt-get and dpkg-deb)."
    )]
    NotFound {
        /// One line per attempt.
        tried: String,
        /// The cache directory an install would use.
        cache: String,
    },
    /// The private install failed.
    #[error("installing CPython 3.14 into {dir} failed: {reason}")]
    Install {
        /// Target directory.
        dir: String,
        /// What went wrong (including the failing command's output).
        reason: String,
    },
    /// Filesystem error.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ProvisionError {
    let context = context.into();
    move |source| ProvisionError::Io { context, source }
}

/// Finds (or installs) and verifies the oracle according to `opts`.
pub fn find_or_install(opts: &ProvisionOptions) -> Result<OracleInterpreter, ProvisionError> {
    if let Some(explicit) = &opts.explicit_python {
        // An explicit choice is never silently replaced by another interpreter.
        return verify(explicit.clone(), Vec::new(), OracleSource::EnvVar);
    }
    let mut tried = Vec::new();
    if opts.search_path {
        match find_on_path("python3.14") {
            Some(p) => match verify(p.clone(), Vec::new(), OracleSource::Path) {
                Ok(i) => return Ok(i),
                Err(e) => tried.push(format!("  - python3.14 on PATH ({}): {e}", p.display())),
            },
            None => tried.push("  - python3.14 on PATH: not found".to_owned()),
        }
    }
    if opts.search_uv {
        match find_on_path("uv") {
            Some(uv) => match uv_find(&uv) {
                Some(p) => match verify(p.clone(), Vec::new(), OracleSource::Uv) {
                    Ok(i) => return Ok(i),
                    Err(e) => tried.push(format!("  - uv python find 3.14 ({}): {e}", p.display())),
                },
                None => tried.push("  - uv python find 3.14: no 3.14 known to uv".to_owned()),
            },
            None => tried.push("  - uv python find 3.14: uv not installed".to_owned()),
        }
    }
    if opts.allow_install {
        let root = ensure_debian_install(&opts.cache_dir, opts.debian_mirror.as_deref())?;
        let (program, prefix) = debian_invocation(&root);
        return verify(program, prefix, OracleSource::DebianCache);
    }
    tried.push("  - private Debian install: disabled (PYC_ORACLE_NO_INSTALL)".to_owned());
    Err(ProvisionError::NotFound {
        tried: tried.join("\n"),
        cache: opts.cache_dir.display().to_string(),
    })
}

/// The program and prefix arguments that run a private install's interpreter
/// through its own dynamic loader (so its own glibc is used).
pub fn debian_invocation(root: &Path) -> (PathBuf, Vec<OsString>) {
    let lib = root.join("usr/lib/x86_64-linux-gnu");
    let loader = lib.join("ld-linux-x86-64.so.2");
    let prefix = vec![
        OsString::from("--library-path"),
        lib.into_os_string(),
        root.join("usr/bin/python3.14").into_os_string(),
    ];
    (loader, prefix)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn uv_find(uv: &Path) -> Option<PathBuf> {
    let out = Command::new(uv)
        .args(["python", "find", "3.14"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    let p = PathBuf::from(s.trim());
    p.is_file().then_some(p)
}

/// The probe run inside a candidate interpreter. Prints one JSON object.
const PROBE: &str = r#"
import sys, json, sysconfig, os
import importlib.util as u
stdlib = sysconfig.get_path("stdlib")
try:
    import _testinternalcapi
    tic = True
except ImportError:
    tic = False
print(json.dumps({
    "impl": sys.implementation.name,
    "version_info": list(sys.version_info[:3]),
    "version": sys.version.split()[0],
    "magic": int.from_bytes(u.MAGIC_NUMBER[:2], "little"),
    "magic_tail": u.MAGIC_NUMBER[2:].hex(),
    "stdlib": stdlib,
    "has_test_suite": os.path.isdir(os.path.join(stdlib, "test")),
    "has_testinternalcapi": tic,
}))
"#;

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "impl")]
    implementation: String,
    version_info: Vec<u32>,
    version: String,
    magic: u16,
    magic_tail: String,
    stdlib: PathBuf,
    has_test_suite: bool,
    has_testinternalcapi: bool,
}

/// Runs the probe in a candidate and checks it is CPython 3.14 with magic 3627.
pub fn verify(
    program: PathBuf,
    prefix_args: Vec<OsString>,
    source: OracleSource,
) -> Result<OracleInterpreter, ProvisionError> {
    let mut interp = OracleInterpreter {
        program,
        prefix_args,
        source,
        version: String::new(),
        magic: 0,
        stdlib_dir: PathBuf::new(),
        has_test_suite: false,
        has_testinternalcapi: false,
    };
    let candidate = interp.describe();
    let refused = |reason: String| ProvisionError::Refused {
        candidate: candidate.clone(),
        reason,
    };
    let out = interp
        .command()
        .args(["-E", "-s", "-c", PROBE])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| refused(format!("cannot run it: {e}")))?;
    if !out.status.success() {
        return Err(refused(format!(
            "probe exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let probe: Probe = serde_json::from_slice(&out.stdout).map_err(|e| {
        refused(format!(
            "unexpected probe output ({e}): {}",
            String::from_utf8_lossy(&out.stdout).trim()
        ))
    })?;
    if probe.implementation != "cpython" {
        return Err(refused(format!(
            "implementation is {}, need cpython",
            probe.implementation
        )));
    }
    if probe.version_info.get(..2) != Some(&[3, 14]) {
        return Err(refused(format!(
            "version is {}, need 3.14.x",
            probe.version
        )));
    }
    if probe.magic != EXPECTED_MAGIC || probe.magic_tail != "0d0a" {
        return Err(refused(format!(
            "magic number is {} ({}), need {EXPECTED_MAGIC} (a pre-release or patched 3.14?)",
            probe.magic, probe.magic_tail
        )));
    }
    interp.version = probe.version;
    interp.magic = probe.magic;
    interp.stdlib_dir = probe.stdlib;
    interp.has_test_suite = probe.has_test_suite;
    interp.has_testinternalcapi = probe.has_testinternalcapi;
    Ok(interp)
}

/// Ensures a private Debian install exists in `cache_dir`, installing it if needed.
/// Returns its root (the directory holding `usr/`). Safe under concurrent use by
/// threads and processes.
pub fn ensure_debian_install(
    cache_dir: &Path,
    mirror: Option<&str>,
) -> Result<PathBuf, ProvisionError> {
    let root = cache_dir.join(DEBIAN_DIR);
    if root.join(READY_MARKER).is_file() {
        return Ok(root);
    }
    fs::create_dir_all(cache_dir).map_err(io_err(format!("creating {}", cache_dir.display())))?;
    let lock_path = cache_dir.join(LOCK_FILE);
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(format!("opening lock file {}", lock_path.display())))?;
    lock.lock()
        .map_err(io_err(format!("locking {}", lock_path.display())))?;
    // Another installer may have finished while we waited for the lock.
    if root.join(READY_MARKER).is_file() {
        return Ok(root);
    }
    let result = install_debian_locked(cache_dir, &root, mirror);
    drop(lock);
    result.map(|()| root)
}

fn install_debian_locked(
    cache_dir: &Path,
    root: &Path,
    mirror: Option<&str>,
) -> Result<(), ProvisionError> {
    let install_err = |reason: String| ProvisionError::Install {
        dir: root.display().to_string(),
        reason,
    };
    if std::env::consts::ARCH != "x86_64" || std::env::consts::OS != "linux" {
        return Err(install_err(format!(
            "the private install supports Linux x86_64 only (this is {} {})",
            std::env::consts::OS,
            std::env::consts::ARCH
        )));
    }
    for tool in ["apt-get", "dpkg-deb"] {
        if find_on_path(tool).is_none() {
            return Err(install_err(format!(
                "`{tool}` is not on PATH (Debian/Ubuntu only)"
            )));
        }
    }
    let mirror = match mirror {
        Some(m) => m.trim_end_matches('/').to_owned(),
        None => system_debian_mirror().ok_or_else(|| {
            install_err(
                "no Debian mirror found in the system's apt sources; set PYC_ORACLE_DEBIAN_MIRROR to a Debian mirror URL (the directory holding dists/ and pool/)".to_owned(),
            )
        })?,
    };
    let keyring = Path::new(DEFAULT_KEYRING);
    if !keyring.is_file() {
        return Err(install_err(format!(
            "{DEFAULT_KEYRING} is missing: install the `debian-archive-keyring` package"
        )));
    }

    // Work in a fresh temporary directory beside the final one, so the final
    // rename is atomic and a crash leaves no half-made install behind.
    let work = cache_dir.join(format!("tmp-install-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    let apt = work.join("apt");
    let debs = work.join("debs");
    let new_root = work.join("root");
    for d in [
        apt.join("lists/partial"),
        apt.join("cache/archives/partial"),
        debs.clone(),
        new_root.clone(),
    ] {
        fs::create_dir_all(&d).map_err(io_err(format!("creating {}", d.display())))?;
    }
    let sources = apt.join("sources.list");
    fs::write(
        &sources,
        format!("deb [signed-by={}] {mirror} sid main\n", keyring.display()),
    )
    .map_err(io_err("writing private sources.list"))?;
    let apt_opts: Vec<String> = vec![
        format!("Dir::Etc::SourceList={}", sources.display()),
        "Dir::Etc::SourceParts=/dev/null".to_owned(),
        format!("Dir::State::Lists={}", apt.join("lists").display()),
        format!("Dir::Cache={}", apt.join("cache").display()),
        "Acquire::Languages=none".to_owned(),
        "Debug::NoLocking=true".to_owned(),
    ];
    let run_apt = |args: &[&str], cwd: &Path| -> Result<(), ProvisionError> {
        let mut cmd = Command::new("apt-get");
        for o in &apt_opts {
            cmd.arg("-o").arg(o);
        }
        cmd.args(["-q", "-y"]).args(args).current_dir(cwd);
        if is_root() {
            // Our private dirs are not readable by apt's `_apt` sandbox user.
            cmd.args(["-o", "APT::Sandbox::User=root"]);
        }
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| install_err(format!("cannot run apt-get: {e}")))?;
        if !out.status.success() {
            return Err(install_err(format!(
                "`apt-get {}` failed ({}):\n{}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    };
    run_apt(&["update"], &work)?;
    let mut download = vec!["download"];
    download.extend_from_slice(DEBIAN_PACKAGES);
    run_apt(&download, &debs)?;

    let mut deb_files: Vec<PathBuf> = fs::read_dir(&debs)
        .map_err(io_err("listing downloaded packages"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    deb_files.sort();
    if deb_files.len() != DEBIAN_PACKAGES.len() {
        return Err(install_err(format!(
            "expected {} packages, downloaded {}: {:?}",
            DEBIAN_PACKAGES.len(),
            deb_files.len(),
            deb_files
        )));
    }
    for deb in &deb_files {
        let out = Command::new("dpkg-deb")
            .arg("-x")
            .arg(deb)
            .arg(&new_root)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| install_err(format!("cannot run dpkg-deb: {e}")))?;
        if !out.status.success() {
            return Err(install_err(format!(
                "dpkg-deb -x {} failed: {}",
                deb.display(),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
    }
    let manifest: Vec<String> = deb_files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();

    // Check the interpreter works before publishing it.
    let (program, prefix) = debian_invocation(&new_root);
    let interp = verify(program, prefix, OracleSource::DebianCache)?;

    let _ = fs::remove_dir_all(root);
    fs::rename(&new_root, root).map_err(io_err(format!(
        "moving {} to {}",
        new_root.display(),
        root.display()
    )))?;
    let mut marker =
        fs::File::create(root.join(READY_MARKER)).map_err(io_err("writing READY marker"))?;
    writeln!(
        marker,
        "CPython {} from Debian sid ({mirror})\n{}",
        interp.version,
        manifest.join("\n")
    )
    .map_err(io_err("writing READY marker"))?;
    let _ = fs::remove_dir_all(&work);
    Ok(())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid() == 0
    }
}

/// The first Debian archive URI in the system's apt sources (one-line and deb822
/// formats), so the private install uses the same mirror (and proxy settings) the
/// machine already uses.
pub fn system_debian_mirror() -> Option<String> {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(rd) = fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        more.sort();
        files.extend(more);
    }
    for f in files {
        let is_sources = f.extension().is_some_and(|x| x == "sources");
        let is_list = f.extension().is_some_and(|x| x == "list") || f.ends_with("sources.list");
        if !(is_sources || is_list) {
            continue;
        }
        let Ok(text) = fs::read_to_string(&f) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            let uris: Vec<&str> = if let Some(rest) = line.strip_prefix("URIs:") {
                rest.split_whitespace().collect()
            } else if line.starts_with("deb ") {
                line.split_whitespace()
                    .filter(|w| w.contains("://"))
                    .take(1)
                    .collect()
            } else {
                Vec::new()
            };
            if let Some(u) = uris.into_iter().find(|u| is_debian_archive(u)) {
                return Some(u.trim_end_matches('/').to_owned());
            }
        }
    }
    None
}

fn is_debian_archive(uri: &str) -> bool {
    let u = uri.trim_end_matches('/');
    u.ends_with("/debian") && !u.contains("security")
}

impl OracleInterpreter {
    /// Every `.py` file of the oracle's own `Lib/` (including `Lib/test/`), sorted by
    /// path, as `(relative path with '/' separators, absolute path)`. Skips
    /// `site-packages`, `dist-packages` and `__pycache__`.
    pub fn stdlib_corpus(&self) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut out = Vec::new();
        let mut stack = vec![self.stdlib_dir.clone()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                let mut ft = entry.file_type()?;
                if ft.is_symlink() {
                    // Follow links that resolve (Debian links a few files); skip dangling ones.
                    match fs::metadata(&path) {
                        Ok(m) => ft = m.file_type(),
                        Err(_) => continue,
                    }
                }
                if ft.is_dir() {
                    let name = entry.file_name();
                    if !matches!(
                        name.to_str(),
                        Some("site-packages" | "dist-packages" | "__pycache__")
                    ) {
                        stack.push(path);
                    }
                } else if ft.is_file() && path.extension().is_some_and(|x| x == "py") {
                    let rel = path
                        .strip_prefix(&self.stdlib_dir)
                        .unwrap_or(&path)
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/");
                    out.push((rel, path));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_archive_uris() {
        assert!(is_debian_archive("http://mirror.example/debian/"));
        assert!(!is_debian_archive("http://mirror.example/debian-security"));
        assert!(!is_debian_archive("http://mirror.example/ubuntu"));
    }

    #[test]
    fn invocation_uses_private_loader() {
        let (p, args) = debian_invocation(Path::new("/x"));
        assert_eq!(
            p,
            Path::new("/x/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        );
        assert_eq!(args.len(), 3);
    }
}
