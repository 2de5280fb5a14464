//! The regression corpus and the known-mismatch list against the live oracle:
//! `corpus/regressions/` cases not in `corpus/known-mismatches.txt` must match (a fixed
//! bug stays fixed); listed ones (cases and `Lib/` files) must still show exactly their
//! listed signature (when one starts matching, prune its line). Plus the rules
//! themselves on a temporary corpus.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{pool, repo};
use pyc_parity::compare::{CompareOptions, TestHooks};
use pyc_parity::known::KnownList;
use pyc_parity::perturb::Perturbation;
use pyc_parity::regressions::{self, CaseCheck};

fn problems(checks: &[CaseCheck]) -> Vec<String> {
    checks
        .iter()
        .filter_map(|c| c.problem.as_ref().map(|p| format!("{}: {p}", c.path)))
        .collect()
}

#[test]
fn the_regression_corpus_and_the_known_list_hold() {
    let known = KnownList::load(&repo().join("corpus/known-mismatches.txt")).unwrap();
    let lib = pool().interpreter().stdlib_dir.clone();
    let checks = regressions::check(
        pool(),
        &repo().join(regressions::REGRESSIONS_DIR),
        Some(&lib),
        &known,
        &CompareOptions {
            stages: false,
            ..CompareOptions::default()
        },
    )
    .unwrap();
    let bad = problems(&checks);
    assert!(
        bad.is_empty(),
        "{} of {} checks break the rules (see corpus/README.md):\n{}",
        bad.len(),
        checks.len(),
        bad.join("\n")
    );
    // Every listed entry was checked (cases, and Lib/ files of the oracle).
    for e in &known.entries {
        assert!(
            checks.iter().any(|c| c.path == e.path),
            "{} (line {}) was not checked",
            e.path,
            e.line
        );
    }
}

fn write(dir: &std::path::Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn the_rules_on_a_temporary_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let header = "# signature: fields:module:co_linetable:end_col\n# cause: test\n";
    write(dir, "listed.py", &format!("{header}x = 1\n"));
    write(dir, "unlisted.py", &format!("{header}y = 2\n"));
    write(dir, "no_header.py", "z = 3\n");
    let lt = CompareOptions {
        stages: false,
        hooks: TestHooks {
            perturb: Some(Perturbation::LinetableByte),
            ..TestHooks::default()
        },
        ..CompareOptions::default()
    };
    // The signature the hook gives `listed.py`.
    let sig = pyc_parity::compare_source(
        pool(),
        format!("{header}x = 1\n").as_bytes(),
        "corpus/regressions/listed.py",
        &lt,
    )
    .signature
    .unwrap();
    let known = KnownList::parse(
        &format!(
            "corpus/regressions/listed.py  {sig}  still wrong\ncorpus/regressions/gone.py  {sig}  deleted case\n"
        ),
        std::path::Path::new("known.txt"),
    )
    .unwrap();
    let find = |checks: &[CaseCheck], p: &str| -> Option<String> {
        checks
            .iter()
            .find(|c| c.path == format!("corpus/regressions/{p}"))
            .unwrap_or_else(|| panic!("{p} not checked: {checks:?}"))
            .problem
            .clone()
    };
    // Everything matches: the listed case is stale, the unlisted one is fine.
    let plain = CompareOptions {
        stages: false,
        ..CompareOptions::default()
    };
    let checks = regressions::check(pool(), dir, None, &known, &plain).unwrap();
    assert!(find(&checks, "listed.py").unwrap().contains("now matches"));
    assert_eq!(find(&checks, "unlisted.py"), None);
    assert!(find(&checks, "no_header.py").unwrap().contains("no header"));
    assert!(find(&checks, "gone.py").unwrap().contains("no such file"));
    // Everything mismatches: the listed case is fine, the unlisted one regressed.
    let checks = regressions::check(pool(), dir, None, &known, &lt).unwrap();
    assert_eq!(find(&checks, "listed.py"), None);
    assert!(
        find(&checks, "unlisted.py").unwrap().contains("regressed"),
        "{checks:?}"
    );
    // Listed with another signature.
    let other = KnownList::parse(
        "corpus/regressions/listed.py  fields:module:co_consts:value:int  other\n",
        std::path::Path::new("known.txt"),
    )
    .unwrap();
    let checks = regressions::check(pool(), dir, None, &other, &lt).unwrap();
    assert!(
        find(&checks, "listed.py")
            .unwrap()
            .contains("listed with signature")
    );
}
