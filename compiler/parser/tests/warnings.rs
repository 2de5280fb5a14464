//! The tokenizer's and parser's `SyntaxWarning`s and the numeric-literal tokenizer errors against
//! the oracle: for each source, CPython's `compile()` (as `py_compile` runs it) and
//! `parse_module_with_warnings` must agree on the warnings (category, message, line, order) or on
//! the rejection (type, message, location, text). The sources trigger no compiler (codegen)
//! warning, so every warning the oracle reports comes from the parser.
#![allow(clippy::unwrap_used)]

use pyc_oracle::{
    CompileOutcome, CompileRequest, InvalidationMode, Pool, PoolConfig, ProvisionOptions,
    find_or_install,
};

fn cases() -> Vec<String> {
    let mut v: Vec<String> = [
        // str / bytes: first invalid escape only, octal escapes, line of multi-line literals.
        r#"x = "\d""#,
        r#"x = "\d\q""#,
        r#"x = "\777" "\400\d" "\377\8""#,
        r#"x = b"\d" b"\777" b"\N{BULLET}" b"\u1234" rb"\d""#,
        r#"x = "\N{BULLET}\x41\u00e9\U0001F600\0\12\d""#,
        r#"x = "\é" "é\d" u"\q" R"\q""#,
        r#"x = "\{" "\}" "\ " "\	""#,
        "x = '''a\nb\\d\nc\\q'''",
        "x = '''\\\n\\\n\\d'''",
        "x = b'''\n\n\\d'''",
        "x = ('\\d'\n     '\\q'\n     '\\x41' if 0 else '\\w')",
        // f/t-strings: literal parts decoded at the end token, format specs at once.
        r#"x = f"\d{y}\q""#,
        r#"x = f"\d{{\q}}\w""#,
        r#"x = f"\d\N{BULLET}\q{y}""#,
        r#"x = f"\{y}\q" f"\{{y}}\q" rf"\{y}\q""#,
        r#"x = f"\w{y:\d}\q" f"{y!r:\d{z:\q}}\w""#,
        r#"x = f"{y:\N{BULLET}\d\N{BULLET}\q}""#,
        r#"x = f"\d{'\q'}\w" "\z""#,
        r#"x = f"{f'\d{y:\q}'}\w""#,
        r#"x = rf"\d{y:\q}" f"\w""#,
        r#"x = t"\d{y:\q}\w" tr"\d""#,
        "x = f'''a\nb\\d{y}\nc\n'''",
        "x = f'''a\nb\\d{y:\n\\q}\nc\n'''",
        "x = f'''\n{y}\n\\d{{\n\\q}}\n'''",
        "x = t'''a\n\\d{y:\\q}\n'''",
        "x = f'''{\ny\n:\\d}\\q'''",
        r#"x = f"{y=}\d" f"{y=:\q}""#,
        // Numeric literals glued to keywords (the tokenizer's warning comes when the token is
        // produced, before an enclosing f-string's parts are decoded).
        "x = 1if y else 2",
        "x = 0x1or y",
        "x = 0x1for y",
        "x = 1and y",
        "x = 1.5if y else 0o7",
        "x = 1in y",
        "x = 1not in y",
        "x = 0b1and y",
        "x = 0o7if y else 1",
        "x = 1jif y else 2",
        "x = 1e5if y else 2",
        "x = 1 if y else 1else 2",
        "x = .5if y else 2",
        "x = 0if y else 1",
        "x = 1.if y else 2",
        "x = [0for y in z]",
        r#"x = f"\d{1if y else 2}""#,
        r#"x = f"\d{1if y else 2:\q}""#,
        r#"x = f"{y:{1if z else 2}\d}""#,
        "x = '\\d' if 1else '\\q'",
        "x = 1if y else 2\r\nz = '\\d'\r\nw = '''\r\n\\q'''\r\n",
        "def f():\n    '''\\d'''\n    return f'\\q{1if f else 2}'\n",
        // Numeric literals CPython's tokenizer rejects.
        "x = 0or y",
        "while n>0or m:\n    pass",
        "x = 0b1and2",
        "x = 1_if y else 2",
        "x = 1__0",
        "x = 0_if",
        "x = 0o8",
        "x = 0o18",
        "x = 0b12",
        "x = 0xg",
        "x = 0x_",
        "x = 1or2",
        "x = 1e+x",
        "x = 1ex",
        "x = 1jx",
        "x = 1.x",
        "x = 1._5",
        "x = 1.__class__",
        "x = 012",
        "x = 00_12",
        "x = 1.5_",
        "x = 1e_5",
        "x = 09",
        "é = 'é' + 0b1x",
        "x = (\ny = 0or 1",
        "x = 1 +\ny = 0or 1",
        "x = f'{0or 1}'",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Every pair of escapes in every kind of literal.
    let escapes = [
        r"\d",
        r"\777",
        r"\8",
        r"\N{BULLET}",
        r"\x41",
        r"\\",
        "\\\n",
        r"\é",
        r"\{",
    ];
    for prefix in ["", "b", "f", "t", "rf"] {
        for a in escapes {
            for b in escapes {
                let bytes = prefix == "b";
                if bytes
                    && (a.contains('é') || b.contains('é') || a.contains('N') || b.contains('N'))
                {
                    continue;
                }
                // In f/t-strings, `\{` is followed by a replacement field.
                let field = |e: &str| {
                    if e == r"\{" && !prefix.is_empty() {
                        r"\{y}".to_owned()
                    } else {
                        e.to_owned()
                    }
                };
                let (a, b) = (field(a), field(b));
                v.push(format!("x = {prefix}'{a}z{b}'"));
                v.push(format!("x = {prefix}'''\n{a}\n{b}'''"));
            }
        }
    }
    v
}

#[test]
fn parser_warnings_match_cpython() {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let pool = Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap();
    let mut failures = Vec::new();
    let all = cases();
    let mut warned = 0;
    for src in &all {
        let request = CompileRequest {
            source: src.as_bytes().to_vec(),
            filename: "x.py".into(),
            optimize: -1,
            invalidation_mode: InvalidationMode::Timestamp,
            mtime: 0,
            source_size: None,
        };
        let oracle = pool.compile(request).unwrap().value;
        let ours = pyc_parser::parse_module_with_warnings(src.as_bytes(), "x.py");
        let show = src.escape_debug().to_string();
        match (oracle, ours) {
            (CompileOutcome::Ok { warnings, .. }, Ok(parsed)) => {
                let theirs: Vec<(String, String, i64)> = warnings
                    .into_iter()
                    .map(|w| (w.category, w.message, w.lineno))
                    .collect();
                let mine: Vec<(String, String, i64)> = parsed
                    .warnings
                    .into_iter()
                    .map(|w| (w.category.to_owned(), w.message, i64::from(w.lineno)))
                    .collect();
                warned += usize::from(!theirs.is_empty());
                if mine != theirs {
                    failures.push(format!(
                        "{show}: warnings differ\n  ours:   {mine:?}\n  oracle: {theirs:?}"
                    ));
                }
            }
            (CompileOutcome::Ok { .. }, Err(e)) => {
                failures.push(format!("{show}: we reject ({e:?}), CPython accepts"));
            }
            (CompileOutcome::Error { exception, .. }, Ok(_)) => failures.push(format!(
                "{show}: we accept, CPython rejects {}",
                exception.message
            )),
            (CompileOutcome::Error { exception: ex, .. }, Err(e)) => {
                let theirs = (
                    ex.type_name.clone(),
                    ex.message.clone(),
                    ex.lineno,
                    ex.offset,
                    ex.end_lineno,
                    ex.end_offset,
                );
                let mine = (
                    e.kind.type_name().to_owned(),
                    e.message.clone(),
                    e.lineno,
                    e.offset,
                    e.end_lineno,
                    e.end_offset,
                );
                if mine != theirs {
                    failures.push(format!("{show}:\n  ours:   {mine:?}\n  oracle: {theirs:?}"));
                }
            }
        }
    }
    for f in &failures {
        eprintln!("{f}\n");
    }
    eprintln!(
        "parser warnings: {} cases ({warned} with warnings), {} failures",
        all.len(),
        failures.len()
    );
    assert!(warned > 100);
    assert!(failures.is_empty());
}
