//! Rendering one file's layered comparison for people: a terminal report (`pyc-parity
//! diff`, colored on a TTY) and the Markdown of a signature's `report.md`.

use std::fmt::Write as _;

use crate::compare::{FileRecord, LayerReport, Status};

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colors on or off.
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }

    fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }

    fn red(self, s: &str) -> String {
        self.paint("31", s)
    }

    fn green(self, s: &str) -> String {
        self.paint("32", s)
    }

    fn cyan(self, s: &str) -> String {
        self.paint("36", s)
    }

    fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }

    fn status(self, st: Status) -> String {
        match st {
            Status::Same => self.green(st.as_str()),
            Status::Differs => self.red(st.as_str()),
            Status::Unavailable | Status::NotCompared => self.dim(st.as_str()),
        }
    }

    /// Colors a unified diff line by line.
    pub fn diff(self, diff: &str) -> String {
        if !self.color {
            return diff.to_owned();
        }
        let mut out = String::with_capacity(diff.len() + diff.len() / 8);
        for line in diff.lines() {
            let painted = if line.starts_with("+++") || line.starts_with("---") {
                self.bold(line)
            } else if line.starts_with('+') {
                self.green(line)
            } else if line.starts_with('-') {
                self.red(line)
            } else if line.starts_with("@@") {
                self.cyan(line)
            } else {
                line.to_owned()
            };
            out.push_str(&painted);
            out.push('\n');
        }
        out
    }
}

/// The full layered report of one file, for a terminal.
pub fn render_text(record: &FileRecord, style: Style) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", style.bold(&record.name));
    let headline = record.outcome.describe();
    let headline = if record.outcome.is_parity() {
        style.green(&headline)
    } else {
        style.red(&headline)
    };
    let _ = writeln!(s, "  outcome:   {headline}");
    if let Some(sig) = &record.signature {
        let _ = writeln!(s, "  signature: {sig}");
    }
    let slices = record.slices.as_ref().map_or_else(
        || "unknown (our parser rejects the file)".to_owned(),
        |v| v.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" "),
    );
    let _ = writeln!(s, "  slices:    {slices}");
    let t = record.timing;
    let _ = writeln!(
        s,
        "  time:      ours {:.1} ms, oracle {:.1} ms, analysis {:.1} ms",
        t.ours_us as f64 / 1e3,
        t.oracle_us as f64 / 1e3,
        t.analysis_us as f64 / 1e3
    );
    if let Some(report) = &record.report {
        s.push('\n');
        s.push_str(&render_layers(report, style));
    }
    s
}

/// The per-layer verdicts, stages and dis diff.
pub fn render_layers(report: &LayerReport, style: Style) -> String {
    let mut s = String::new();
    if let Some(p) = report.perturbation {
        let _ = writeln!(s, "(test hook: our output was perturbed: {p:?})");
    }
    if let Some(by) = &report.ours_rendered_by {
        let _ = writeln!(s, "(our code objects rendered by: {by})");
    }
    for v in &report.layers {
        let _ = writeln!(
            s,
            "{} {:<12} {}",
            style.bold("layer"),
            v.layer.as_str(),
            style.status(v.status)
        );
        let _ = writeln!(s, "    {}", v.summary);
        for d in &v.details {
            let _ = writeln!(s, "    {}", style.dim(d));
        }
    }
    if let Some(st) = &report.stages {
        let _ = writeln!(s, "{} {}", style.bold("stages"), st.path);
        let _ = writeln!(s, "    {}", st.verdict);
        if !st.oracle_codegen.is_empty() {
            let _ = writeln!(s, "    CPython codegen stage:");
            for l in &st.oracle_codegen {
                let _ = writeln!(s, "      {l}");
            }
        }
        if let Some(cfg) = &st.oracle_cfg {
            let _ = writeln!(s, "    CPython CFG stage:");
            for l in cfg {
                let _ = writeln!(s, "      {l}");
            }
        }
    }
    if let Some(diff) = &report.dis_diff {
        let _ = writeln!(s, "{} (--- CPython, +++ ours)", style.bold("dis diff"));
        s.push_str(&style.diff(diff));
    }
    s
}

/// `report.md` of one signature: the representative file's layered report.
pub fn render_markdown(
    signature: &str,
    count: usize,
    files: &[String],
    representative: &FileRecord,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# `{signature}`\n");
    let _ = writeln!(
        s,
        "{count} file(s). Representative (smallest): `{}` ({} bytes, copied as `source.py`).\n",
        representative.name, representative.source_bytes
    );
    let _ = writeln!(s, "Outcome: {}\n", representative.outcome.describe());
    if let Some(report) = representative
        .report
        .as_ref()
        .filter(|r| !r.layers.is_empty())
    {
        let _ = writeln!(s, "## Layers\n");
        if let Some(p) = report.perturbation {
            let _ = writeln!(s, "Test hook: our output was perturbed ({p:?}).\n");
        }
        for v in &report.layers {
            let _ = writeln!(
                s,
                "- **{}** — {}: {}",
                v.layer.as_str(),
                v.status.as_str(),
                v.summary
            );
        }
        for v in report.layers.iter().filter(|v| !v.details.is_empty()) {
            let _ = writeln!(s, "\n### {}\n\n```text", v.layer.as_str());
            for d in &v.details {
                let _ = writeln!(s, "{d}");
            }
            let _ = writeln!(s, "```");
        }
        if let Some(st) = &report.stages {
            let _ = writeln!(s, "\n### stages of `{}`\n\n{}\n", st.path, st.verdict);
            if !st.oracle_codegen.is_empty() {
                let _ = writeln!(s, "CPython codegen stage:\n\n```text");
                for l in &st.oracle_codegen {
                    let _ = writeln!(s, "{l}");
                }
                let _ = writeln!(s, "```");
            }
            if let Some(cfg) = &st.oracle_cfg {
                let _ = writeln!(s, "\nCPython CFG stage:\n\n```text");
                for l in cfg {
                    let _ = writeln!(s, "{l}");
                }
                let _ = writeln!(s, "```");
            }
        }
        if let Some(diff) = &report.dis_diff {
            let _ = writeln!(s, "\n### dis diff (`---` CPython, `+++` ours)\n\n```diff");
            s.push_str(diff);
            let _ = writeln!(s, "```");
        }
    }
    let _ = writeln!(s, "\n## Files\n");
    for f in files {
        let _ = writeln!(s, "- `{f}`");
    }
    s
}
