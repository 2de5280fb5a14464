//! A real headless browser (Chromium) loading the dashboard from disk: the DOM after the
//! pages' scripts ran, every console message, and screenshots. Used by
//! `pyc-parity dashboard --check` and by the dashboard tests.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Errors driving the browser.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// No browser found.
    #[error(
        "no headless browser found: set PYC_CHROMIUM, or install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`); looked for {0}"
    )]
    NotFound(String),
    /// The browser could not be started.
    #[error("cannot start {path}: {source}")]
    Spawn {
        /// The browser.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The browser did not finish in time.
    #[error("{path} did not finish loading {page} within {seconds} s")]
    Timeout {
        /// The browser.
        path: PathBuf,
        /// The page.
        page: String,
        /// The limit.
        seconds: u64,
    },
    /// The browser failed.
    #[error("{path} failed on {page} ({status}): {stderr}")]
    Failed {
        /// The browser.
        path: PathBuf,
        /// The page.
        page: String,
        /// Exit status.
        status: String,
        /// The end of its error output.
        stderr: String,
    },
    /// A temporary folder, or the page's path.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The names tried on `PATH`, in order (after `PYC_CHROMIUM`).
pub const BROWSER_NAMES: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
];

/// What one page load showed.
#[derive(Debug, Clone)]
pub struct PageLoad {
    /// The page (`file://` URL).
    pub url: String,
    /// The serialized DOM after the page's scripts ran.
    pub dom: String,
    /// Every console message the page produced (`console.*`, uncaught exceptions).
    pub console: Vec<String>,
    /// The script errors the page's own error catcher listed in `#js-errors`.
    pub script_errors: Vec<String>,
    /// Whether the page's script ran to its end (`<html data-js="ok">`).
    pub script_finished: bool,
}

impl PageLoad {
    /// Whether the page loaded without any console message or script error and its
    /// script finished.
    pub fn is_clean(&self) -> bool {
        self.console.is_empty() && self.script_errors.is_empty() && self.script_finished
    }

    /// One line per problem.
    pub fn problems(&self) -> Vec<String> {
        let mut p: Vec<String> = self
            .console
            .iter()
            .map(|c| format!("console: {c}"))
            .collect();
        p.extend(self.script_errors.iter().map(|e| format!("script: {e}")));
        if !self.script_finished {
            p.push("the page's script did not finish (no data-js=\"ok\")".into());
        }
        p
    }
}

/// A headless Chromium.
#[derive(Debug, Clone)]
pub struct Browser {
    /// The executable.
    pub path: PathBuf,
    /// Per-page time limit.
    pub timeout: Duration,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The `file://` URL of a local file (made absolute; characters outside the URL's safe
/// set percent-encoded).
pub fn file_url(path: &Path) -> std::io::Result<String> {
    let abs = std::fs::canonicalize(path)?;
    let mut url = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(url)
}

/// The `CONSOLE` lines of Chromium's log (`--enable-logging=stderr`), e.g.
/// `[..:INFO:CONSOLE:12] "Uncaught ReferenceError: x", source: file:///… (12)`.
pub fn console_messages(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let at = l.find(":CONSOLE")?;
            let rest = &l[at..];
            let msg = rest.split_once("] ").map_or(rest, |(_, m)| m);
            Some(msg.trim().to_owned())
        })
        .collect()
}

/// The `<li class="js-error">` texts of a DOM dump.
fn script_errors(dom: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(i) = rest.find(r#"class="js-error">"#) {
        rest = &rest[i + r#"class="js-error">"#.len()..];
        let end = rest.find("</li>").unwrap_or(rest.len());
        out.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    out
}

impl Browser {
    /// `PYC_CHROMIUM`, else the first of [`BROWSER_NAMES`] on `PATH`.
    pub fn find() -> Result<Browser, BrowserError> {
        let found = match std::env::var_os("PYC_CHROMIUM") {
            Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
            _ => BROWSER_NAMES.iter().find_map(|n| on_path(n)),
        };
        found
            .map(|path| Browser {
                path,
                timeout: Duration::from_secs(90),
            })
            .ok_or_else(|| {
                BrowserError::NotFound(format!("PYC_CHROMIUM, {}", BROWSER_NAMES.join(", ")))
            })
    }

    /// Runs the browser headless on one page with extra arguments; returns (stdout, stderr).
    fn run(&self, url: &str, extra: &[String]) -> Result<(String, String), BrowserError> {
        let profile = tempfile::Builder::new()
            .prefix("pyc-parity-chromium-")
            .tempdir()?;
        let mut child = Command::new(&self.path)
            .args([
                "--headless",
                // Containers and root: Chromium's sandbox needs user namespaces.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--enable-logging=stderr",
                "--v=0",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| BrowserError::Spawn {
                path: self.path.clone(),
                source,
            })?;
        let mut out_pipe = child.stdout.take();
        let mut err_pipe = child.stderr.take();
        let out_thread = std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(p) = out_pipe.as_mut() {
                let _ = p.read_to_end(&mut v);
            }
            v
        });
        let err_thread = std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(p) = err_pipe.as_mut() {
                let _ = p.read_to_end(&mut v);
            }
            v
        });
        let started = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait()? {
                break st;
            }
            if started.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Err(BrowserError::Timeout {
                    path: self.path.clone(),
                    page: url.to_owned(),
                    seconds: self.timeout.as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = String::from_utf8_lossy(&out_thread.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
        if !status.success() {
            let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
            return Err(BrowserError::Failed {
                path: self.path.clone(),
                page: url.to_owned(),
                status: status.to_string(),
                stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
            });
        }
        Ok((stdout, stderr))
    }

    /// Loads a page from disk and returns its DOM (after its scripts ran) and every
    /// console message and script error.
    pub fn load(&self, page: &Path) -> Result<PageLoad, BrowserError> {
        self.load_url(&file_url(page)?)
    }

    /// [`Browser::load`] of a URL (e.g. a `file://` URL with a `#fragment`).
    pub fn load_url(&self, url: &str) -> Result<PageLoad, BrowserError> {
        let url = url.to_owned();
        let (dom, stderr) = self.run(&url, &["--dump-dom".to_owned()])?;
        Ok(PageLoad {
            console: console_messages(&stderr),
            script_errors: script_errors(&dom),
            script_finished: dom.contains(r#"data-js="ok""#),
            url,
            dom,
        })
    }

    /// Loads a page and saves a PNG screenshot of the top `width`×`height` pixels;
    /// returns the console messages of that load.
    pub fn screenshot(
        &self,
        page: &Path,
        png: &Path,
        width: u32,
        height: u32,
    ) -> Result<Vec<String>, BrowserError> {
        let url = file_url(page)?;
        if let Some(d) = png.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d)?;
        }
        // Chromium writes the file itself: write next to the target, then rename.
        let tmp = tempfile::Builder::new()
            .prefix(".screenshot-")
            .suffix(".png")
            .tempfile_in(
                png.parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new(".")),
            )?;
        let (_, stderr) = self.run(
            &url,
            &[
                format!("--screenshot={}", tmp.path().display()),
                format!("--window-size={width},{height}"),
            ],
        )?;
        let bytes = std::fs::read(tmp.path())?;
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(BrowserError::Failed {
                path: self.path.clone(),
                page: url,
                status: "no PNG written".into(),
                stderr: stderr.lines().rev().take(5).collect::<Vec<_>>().join("\n"),
            });
        }
        tmp.persist(png).map_err(|e| e.error)?;
        // An image to publish, not a private temporary file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(png, std::fs::Permissions::from_mode(0o644))?;
        }
        Ok(console_messages(&stderr))
    }
}

/// Loads every page of a site (`pages`, relative to `site`) and returns each load.
pub fn check_pages(
    browser: &Browser,
    site: &Path,
    pages: &[String],
) -> Result<Vec<PageLoad>, BrowserError> {
    pages.iter().map(|p| browser.load(&site.join(p))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_lines_are_found() {
        let log = "[1:1:1207/004517.685541:INFO:CONSOLE:1] \"logged\", source: file:///a.html (1)\n\
                   [1:2:1207/004516.450426:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n\
                   [1:1:1207/004517.687098:INFO:CONSOLE(3)] \"Uncaught ReferenceError: f is not defined\", source: file:///a.html (3)\n";
        let m = console_messages(log);
        assert_eq!(m.len(), 2);
        assert!(m[1].starts_with("\"Uncaught ReferenceError"));
    }

    #[test]
    fn script_errors_are_found() {
        let dom = r#"<ul id="js-errors"><li class="js-error">script error: x</li><li class="js-error">y</li></ul>"#;
        assert_eq!(script_errors(dom), vec!["script error: x", "y"]);
        assert!(script_errors("<ul id=\"js-errors\"></ul>").is_empty());
    }
}
