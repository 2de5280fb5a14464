//! Snapshot tests of small fixtures (tests/fixtures/*.py). Each fixture's dump must also equal the
//! oracle's `ast.dump(..., include_attributes=True)`, so the snapshots are known to be CPython's.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use pyc_oracle::{Pool, PoolConfig, ProvisionOptions, Request, find_or_install};

/// Breaks the one-line dump after each `, ` that precedes a field, so snapshots diff nicely.
fn pretty(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len() * 2);
    let mut depth = 0usize;
    let mut in_str: Option<char> = None;
    let mut prev = '\0';
    for c in dump.chars() {
        if let Some(q) = in_str {
            out.push(c);
            if c == q && prev != '\\' {
                in_str = None;
            }
            prev = if prev == '\\' && c == '\\' { '\0' } else { c };
            continue;
        }
        match c {
            '\'' | '"' => {
                in_str = Some(c);
                out.push(c);
            }
            '(' | '[' => {
                depth += 1;
                out.push(c);
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                out.push(c);
            }
            ' ' if prev == ',' => {
                out.push('\n');
                out.push_str(&"  ".repeat(depth));
            }
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

#[test]
fn fixtures_match_cpython_and_snapshots() {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let pool = Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for path in names {
        let source = std::fs::read(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let module = pyc_parser::parse_module(&source, &name).unwrap();
        let dump = pyc_ast::dump(&module);
        let oracle = pool
            .call(&Request::Ast {
                source: source.clone(),
                filename: name.clone(),
            })
            .unwrap();
        assert_eq!(
            Some(dump.as_str()),
            oracle["dump"].as_str(),
            "{name}: differs from CPython"
        );
        insta::assert_snapshot!(name, pretty(&dump));
    }
}
