//! The dashboard rendered from real runs against the live oracle (a normal run, a run
//! whose output is perturbed so that files stop matching, a normal run again, and a
//! partial run), then loaded from disk in a real headless Chromium.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use common::{pool, repo};
use pyc_parity::browser::{Browser, file_url};
use pyc_parity::compare::{CompareOptions, TestHooks};
use pyc_parity::corpus::{CorpusFile, CorpusKind, corpus_files, python_files};
use pyc_parity::dashboard::{SITE_MARKER, build_site};
use pyc_parity::history::{HistoryArgs, HistoryEntry, Recorded, read_history};
use pyc_parity::perturb::Perturbation;
use pyc_parity::run::{RunConfig, run_to_folder};
use pyc_parity::summary::{RunInputs, RunSummary};

/// Real runs shared by the tests (built once).
struct Runs {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// A normal run, then the same files with perturbed output, then normal again.
    a: RunSummary,
    b: RunSummary,
    c: RunSummary,
    run_b: PathBuf,
    run_c: PathBuf,
    /// A run stopped before any file: `"complete": false`.
    run_partial: PathBuf,
    /// History with A and B; with A, B, C; with A, B, C and the partial run.
    hist_ab: PathBuf,
    hist_abc: PathBuf,
    hist_all: PathBuf,
}

/// 12 S1 fixtures, and the 6 smallest files of the oracle's `Lib/` (without tests) and
/// of its `Lib/test/`: every headline group, quickly.
fn files() -> Vec<CorpusFile> {
    let mut f = python_files(
        &repo().join("corpus/fixtures/s1_straight_line"),
        "fixtures",
        "corpus/fixtures/s1_straight_line",
    )
    .unwrap();
    f.truncate(12);
    let std = corpus_files(CorpusKind::Stdlib, pool().interpreter()).unwrap();
    let size = |c: &CorpusFile| std::fs::metadata(&c.path).map_or(u64::MAX, |m| m.len());
    for test in [false, true] {
        let mut g: Vec<CorpusFile> = std
            .iter()
            .filter(|c| c.name.starts_with("Lib/test/") == test)
            .cloned()
            .collect();
        g.sort_by_key(|c| (size(c), c.name.clone()));
        f.extend(g.into_iter().take(6));
    }
    f
}

fn run(out: &Path, perturb: Option<Perturbation>, stop: bool) -> RunSummary {
    let cfg = RunConfig {
        out: out.to_path_buf(),
        jobs: 3,
        shard: None,
        compare: CompareOptions {
            hooks: TestHooks {
                perturb,
                ..TestHooks::default()
            },
            ..CompareOptions::default()
        },
        inputs: RunInputs {
            corpora: vec!["fixtures".into(), "stdlib".into()],
            ..RunInputs::default()
        },
        show_progress: false,
    };
    run_to_folder(pool(), files(), &cfg, &AtomicBool::new(stop)).unwrap()
}

fn record(history: &Path, run: &Path) {
    let args = HistoryArgs {
        history: Some(history.to_path_buf()),
        no_history: false,
    };
    assert_eq!(
        args.record(run).unwrap(),
        Recorded::Appended(history.to_path_buf())
    );
}

fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let (run_a, run_b, run_c, run_p) = (
            root.join("a"),
            root.join("b"),
            root.join("c"),
            root.join("partial"),
        );
        let a = run(&run_a, None, false);
        let b = run(&run_b, Some(Perturbation::Instruction), false);
        let c = run(&run_c, None, false);
        let p = run(&run_p, None, true);
        assert!(a.complete && b.complete && c.complete);
        assert!(!p.complete, "a run stopped at once is partial");
        let hist_ab = root.join("history-ab.jsonl");
        let hist_abc = root.join("history-abc.jsonl");
        let hist_all = root.join("history-all.jsonl");
        for (h, runs) in [
            (&hist_ab, vec![&run_a, &run_b]),
            (&hist_abc, vec![&run_a, &run_b, &run_c]),
            (&hist_all, vec![&run_a, &run_b, &run_c, &run_p]),
        ] {
            for r in runs {
                record(h, r);
            }
        }
        Runs {
            _dir: dir,
            root,
            a,
            b,
            c,
            run_b,
            run_c,
            run_partial: run_p,
            hist_ab,
            hist_abc,
            hist_all,
        }
    })
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn group_counts(s: &RunSummary, group: &str) -> (usize, usize) {
    let mut n = (0, 0);
    for f in &s.files {
        if pyc_parity::history::group_of(&f.corpus, &f.name) == group {
            n.1 += 1;
            if f.outcome.class() == "match" {
                n.0 += 1;
            }
        }
    }
    n
}

fn card(group: &str, (matched, files): (usize, usize)) -> String {
    format!(r#"data-group="{group}" data-match="{matched}" data-files="{files}""#)
}

fn is_match(s: &RunSummary, name: &str) -> bool {
    s.files
        .iter()
        .any(|f| f.name == name && f.outcome.class() == "match")
}

#[test]
fn history_lines_describe_the_runs() {
    let r = runs();
    let h = read_history(&r.hist_all).unwrap();
    assert!(h.skipped.is_empty(), "{:?}", h.skipped);
    assert_eq!(h.entries.len(), 4);
    let b: &HistoryEntry = &h.entries[1];
    assert!(b.complete);
    assert_eq!(b.totals, r.b.totals);
    assert_eq!(b.per_corpus, r.b.per_corpus);
    assert_eq!(b.per_slice, r.b.per_slice);
    assert_eq!(b.oracle, r.b.oracle);
    assert_eq!(b.git_revision, r.b.compiler.git_revision);
    for g in ["Lib/", "Lib/test/", "fixtures"] {
        let t = &b.per_group[g];
        assert_eq!((t.matched, t.files), group_counts(&r.b, g), "{g}");
    }
    assert_eq!(b.signatures.len(), r.b.signatures.len());
    assert_eq!(
        b.layers.values().sum::<usize>(),
        r.b.totals.mismatch,
        "every mismatch has a layer key"
    );
    assert!(
        b.layers.contains_key("instructions"),
        "the perturbed run has instruction mismatches: {:?}",
        b.layers
    );
    let not_matching = r.b.files.iter().filter(|f| f.outcome.class() != "match");
    assert_eq!(b.not_matching.len(), not_matching.count());
    assert_eq!(h.entries[0].files_digest, b.files_digest, "same files");
    let p = &h.entries[3];
    assert!(!p.complete && p.incomplete_reason.is_some());
    assert_eq!(p.totals.files, 0);
}

#[test]
fn dashboard_pages_show_the_runs() {
    let r = runs();
    let site = r.root.join("site-content");

    // A then B: B's parity bugs are NEW, the files that stopped matching are listed.
    let out = build_site(&r.hist_ab, &r.run_b, &site).unwrap();
    assert!(!out.kept_previous && out.partial_note.is_none());
    assert_eq!(out.shown.summary_digest.len(), 16);
    let index = read(&site.join("index.html"));
    for g in ["Lib/", "Lib/test/", "fixtures"] {
        let n = group_counts(&r.b, g);
        assert!(index.contains(&card(g, n)), "{g} card {n:?}");
        let fig = out.figures.iter().find(|f| f.group == g).unwrap();
        assert_eq!((fig.matched, fig.files), n);
    }
    assert!(index.contains(&card("total", (r.b.totals.matched, r.b.totals.files))));
    assert!(index.contains(&format!("CPython {}", r.b.oracle.python_version)));
    let rev = &r.b.compiler.git_revision;
    assert!(index.contains(&rev[..rev.len().min(10)]));
    assert!(index.contains(r#"id="syntax-card""#));
    assert!(
        !r.b.signatures.is_empty(),
        "the perturbed run has parity bugs"
    );
    for g in &r.b.signatures {
        let row = format!(
            r#"data-status="NEW" data-signature="{}""#,
            pyc_parity_esc(&g.signature)
        );
        assert!(index.contains(&row), "{row}");
        let name = g.report_dir.strip_prefix("signatures/").unwrap();
        let page = read(&site.join("signatures").join(name).join("index.html"));
        assert!(page.contains(&pyc_parity_esc(&g.signature)));
        if g.layer.is_some() {
            assert!(page.contains(r#"class="st-DIFFERS""#), "a layer differs");
        }
        if g.signature.starts_with("instructions:") {
            assert!(page.contains(r#"class="d-add""#) && page.contains(r#"class="d-del""#));
        }
        assert!(
            site.join("run")
                .join(&g.report_dir)
                .join("report.md")
                .is_file()
        );
    }
    assert_eq!(
        index.matches("<svg").count(),
        2,
        "two trend charts, inline SVG"
    );
    assert!(index.contains(r#"data-layer="instructions""#));
    assert!(!index.contains("<script src") && !index.contains("<link"));

    let files = read(&site.join("files.html"));
    for f in &r.b.files {
        assert!(
            files.contains(&format!(
                r#"data-path="{}" data-outcome="{}""#,
                pyc_parity_esc(&f.name.to_lowercase()),
                f.outcome.class()
            )),
            "{}",
            f.name
        );
    }
    let diff = read(&site.join("diff.html"));
    let stopped: Vec<&str> =
        r.b.files
            .iter()
            .filter(|f| is_match(&r.a, &f.name) && f.outcome.class() != "match")
            .map(|f| f.name.as_str())
            .collect();
    assert!(!stopped.is_empty());
    let section = diff
        .split(r#"id="stopped-matching""#)
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    for name in &stopped {
        assert!(
            section.contains(&format!(r#"data-file="{name}""#)),
            "{name}"
        );
    }
    assert_eq!(section.matches("data-file=").count(), stopped.len());
    let marker: serde_json::Value = serde_json::from_str(&read(&site.join(SITE_MARKER))).unwrap();
    assert_eq!(marker["shown_complete"], true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&site), 0o755, "a site is served as is");
        assert_eq!(mode(&site.join("index.html")), 0o644);
        assert_eq!(mode(&site.join("run/summary.json")), 0o644);
    }

    // Then C: B's signatures are FIXED; its files became match again.
    build_site(&r.hist_abc, &r.run_c, &site).unwrap();
    let index = read(&site.join("index.html"));
    for g in &r.b.signatures {
        if !r.c.signatures.iter().any(|x| x.signature == g.signature) {
            let row = format!(
                r#"data-status="FIXED" data-signature="{}""#,
                pyc_parity_esc(&g.signature)
            );
            assert!(index.contains(&row), "{row}");
        }
    }
    let diff = read(&site.join("diff.html"));
    let became = diff
        .split(r#"id="became-match""#)
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    for name in &stopped {
        if is_match(&r.c, name) {
            assert!(became.contains(&format!(r#"data-file="{name}""#)), "{name}");
        }
    }

    // Statuses from `pyc-parity triage` (triage.json in the run folder) win over the history.
    let tri_run = r.root.join("c-triaged");
    copy_dir(&r.run_c, &tri_run);
    let o = Command::new(env!("CARGO_BIN_EXE_pyc-parity"))
        .current_dir(repo())
        .arg("triage")
        .arg(&tri_run)
        .arg("--baseline")
        .arg(&r.run_b)
        .arg("--no-progress")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let triage: serde_json::Value =
        serde_json::from_str(&read(&tri_run.join("triage.json"))).unwrap();
    let entries = triage["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "B's signatures are FIXED in C");
    let tri_site = r.root.join("site-triage");
    build_site(&r.hist_abc, &tri_run, &tri_site).unwrap();
    let index = read(&tri_site.join("index.html"));
    assert!(index.contains("(from triage.json)"));
    for e in entries {
        let row = format!(
            r#"data-status="{}" data-signature="{}""#,
            e["status"].as_str().unwrap(),
            pyc_parity_esc(e["signature"].as_str().unwrap())
        );
        assert!(index.contains(&row), "{row}");
    }

    // A partial run never replaces the complete run the site shows.
    let out = build_site(&r.hist_all, &r.run_partial, &site).unwrap();
    assert!(out.kept_previous);
    assert_eq!(out.shown.totals, r.c.totals);
    let index = read(&site.join("index.html"));
    assert!(index.contains(r#"id="partial-banner""#));
    assert!(
        index.contains("PARTIAL"),
        "the partial run is listed, marked"
    );
    assert!(index.contains(&card("total", (r.c.totals.matched, r.c.totals.files))));
    let marker: serde_json::Value = serde_json::from_str(&read(&site.join(SITE_MARKER))).unwrap();
    assert_eq!(marker["shown_complete"], true);
    assert!(marker["partial_latest"].is_string());

    // With no complete run at all, the partial run is shown and marked on every page.
    let fresh = r.root.join("site-partial-only");
    let out = build_site(&r.hist_all, &r.run_partial, &fresh).unwrap();
    assert!(!out.kept_previous && !out.shown.complete);
    let index = read(&fresh.join("index.html"));
    assert!(index.contains("PARTIAL RUN"));
    assert!(read(&fresh.join("files.html")).contains(r#"id="partial-banner""#));

    // A folder that is not a site is never replaced.
    let precious = r.root.join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("notes.txt"), "mine").unwrap();
    let e = build_site(&r.hist_abc, &r.run_c, &precious).unwrap_err();
    assert!(e.to_string().contains("not a pyc-parity site"), "{e}");
    assert!(precious.join("notes.txt").is_file());

    // Nothing to show: a clear error, no site.
    let e = build_site(
        &r.hist_abc,
        &r.root.join("nowhere"),
        &r.root.join("empty-site"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("nothing to show"), "{e}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The HTML escaping the pages use.
fn pyc_parity_esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Chromium, installed by the test setup when missing (as root on Debian/Ubuntu), else
/// a failure that says how to get it.
fn browser() -> Browser {
    if let Ok(b) = Browser::find() {
        return b;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root && Path::new("/etc/debian_version").exists() {
        eprintln!("test setup: installing chromium with apt-get");
        for args in [
            &["update", "-q"][..],
            &["install", "-y", "-q", "--no-install-recommends", "chromium"][..],
        ] {
            let st = Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .expect("apt-get");
            assert!(st.success(), "apt-get {args:?} failed");
        }
        return Browser::find().expect("chromium installed but not found on PATH");
    }
    panic!(
        "this test loads the dashboard in a real headless browser and none was found: \
         install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set \
         PYC_CHROMIUM=/path/to/chrome"
    );
}

#[test]
fn dashboard_loads_in_a_headless_browser() {
    let r = runs();
    let site = r.root.join("site-browser");
    let out = build_site(&r.hist_abc, &r.run_c, &site).unwrap();
    let browser = browser();

    let index = browser.load(&site.join("index.html")).unwrap();
    assert!(index.is_clean(), "index.html: {:?}", index.problems());
    for g in ["Lib/", "Lib/test/", "fixtures", "total"] {
        let n = if g == "total" {
            (r.c.totals.matched, r.c.totals.files)
        } else {
            group_counts(&r.c, g)
        };
        assert!(index.dom.contains(&card(g, n)), "{g} {n:?}");
        assert!(
            index
                .dom
                .contains(&format!(r#"<div class="big">{} / {}</div>"#, n.0, n.1)),
            "the headline shows {g} {n:?}"
        );
    }
    assert!(
        index
            .dom
            .contains(&format!("CPython {}", r.c.oracle.python_version))
    );
    assert!(index.dom.contains(r#"id="chart-parity""#) && index.dom.contains("<circle"));
    assert!(index.dom.contains(r#"id="signatures""#) && index.dom.contains(r#"id="layers""#));

    // The filters of the file list run in the browser.
    let url = format!(
        "{}#outcome=match",
        file_url(&site.join("files.html")).unwrap()
    );
    let files = browser.load_url(&url).unwrap();
    assert!(files.is_clean(), "files.html: {:?}", files.problems());
    let shown = files
        .dom
        .split(r#"<b id="shown">"#)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        shown,
        r.c.totals.matched.to_string(),
        "rows left by the filter"
    );
    assert_eq!(
        files.dom.matches(r#"class="hidden""#).count(),
        r.c.totals.files - r.c.totals.matched
    );

    // The run diff is computed by the page's script: B → C.
    let url = format!("{}#a=1&b=2", file_url(&site.join("diff.html")).unwrap());
    let diff = browser.load_url(&url).unwrap();
    assert!(diff.is_clean(), "diff.html: {:?}", diff.problems());
    let became = diff
        .dom
        .split(r#"id="became-match""#)
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap()
        .to_owned();
    let expected: Vec<&str> =
        r.c.files
            .iter()
            .filter(|f| f.outcome.class() == "match" && !is_match(&r.b, &f.name))
            .map(|f| f.name.as_str())
            .collect();
    assert!(!expected.is_empty());
    for name in &expected {
        assert!(became.contains(&format!(r#"data-file="{name}""#)), "{name}");
    }

    // One signature page (from run B's history site) with its colored layer diffs.
    let site_b = r.root.join("site-browser-b");
    let out_b = build_site(&r.hist_ab, &r.run_b, &site_b).unwrap();
    let sig_page = out_b
        .pages
        .iter()
        .find(|p| p.starts_with("signatures/"))
        .unwrap();
    let sig = browser.load(&site_b.join(sig_page)).unwrap();
    assert!(sig.is_clean(), "{sig_page}: {:?}", sig.problems());
    assert!(sig.dom.contains("st-DIFFERS"));

    // The screenshot: headline, chart and tables, rendered.
    let png = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-index.png");
    let console = browser.screenshot(&out.index, &png, 1280, 2400).unwrap();
    assert!(console.is_empty(), "{console:?}");
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000);
    eprintln!("screenshot: {}", png.display());
}

#[test]
fn the_binary_records_history_and_renders_the_dashboard() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let hist = d.path().join("h/history.jsonl");
    let bin = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pyc-parity"));
        c.current_dir(repo());
        c
    };
    let o = bin()
        .args([
            "run",
            "corpus/fixtures/s1_straight_line/assign_simple.py",
            "-j",
            "1",
            "--out",
        ])
        .arg(&out)
        .arg("--history")
        .arg(&hist)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("history: appended"));
    assert_eq!(read_history(&hist).unwrap().entries.len(), 1);

    // Not the main job: no line in the repository's history unless asked.
    let o = bin()
        .args([
            "run",
            "corpus/fixtures/s1_straight_line/assign_simple.py",
            "-j",
            "1",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("history: not recorded"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    let site = d.path().join("site");
    let o = bin()
        .arg("dashboard")
        .arg("--history")
        .arg(&hist)
        .arg("--run")
        .arg(&out)
        .arg("--out")
        .arg(&site)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("paths"), "{stdout}");
    assert!(stdout.contains("1 / 1"), "{stdout}");
    assert!(site.join("index.html").is_file() && site.join(SITE_MARKER).is_file());

    // --screenshot only with --check.
    let o = bin()
        .args(["dashboard", "--screenshot", "x.png"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
