//! PEP 263 decoding against the oracle: for each source, either both CPython and we accept it with the
//! same AST, or both reject it with the same message and location (`lineno`, `offset`, `end_lineno`,
//! `end_offset`, `text`).
#![allow(clippy::unwrap_used)]

use pyc_oracle::{Pool, PoolConfig, ProvisionOptions, Request, find_or_install};

fn cases() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = vec![
        // Plain UTF-8, BOM, newlines.
        b"x = 1\n".to_vec(),
        b"x = 1".to_vec(),
        b"".to_vec(),
        b"\n".to_vec(),
        b"\xef\xbb\xbf".to_vec(),
        b"\xef\xbb\xbfx = '\xc3\xa9'\n".to_vec(),
        b"x = 1\r\ny = '\xc3\xa9'\r\n".to_vec(),
        b"x = 1\ry = 2\r".to_vec(),
        b"s = '''a\r\nb\rc'''\n".to_vec(),
        // Invalid UTF-8 without a cookie.
        b"x = 1\n\xff\n".to_vec(),
        b"x = '\xc3\x28'\n".to_vec(),
        b"# comment\nx = '\xe9'\n".to_vec(),
        b"\xc3\xa9 = '\xff'\n".to_vec(),
        b"x = 1 # \xff\n".to_vec(),
        b"x = 1\n\n\n  y = '\xed\xa0\x80'".to_vec(),
        b"\xef\xbb\xbf\xff".to_vec(),
        b"\xef\xbb".to_vec(),
        b"x = 1\r\n\xff".to_vec(),
        b"x = = 1\n\xff\n".to_vec(),
        b"x = 1\n'''\n\xff\n'''".to_vec(),
        b"\xef\xbb\xbfx='\xe9'\n".to_vec(),
        b"x = '\xf0\x9f\x98'\n".to_vec(),
        b"x = '\xf4\x90\x80\x80'\n".to_vec(),
        b"x = '\xc0\xaf'\n".to_vec(),
        // Cookies.
        b"# -*- coding: latin-1 -*-\nx='\xe9'\n".to_vec(),
        b"#!/usr/bin/python\n# vim: set fileencoding=iso-8859-15 :\nx='\xa4'\n".to_vec(),
        b"x=1\n# coding: latin-1\nx='\xe9'\n".to_vec(),
        b"  # coding: latin-1\nx='\xe9'\n".to_vec(),
        b"\x0c# coding: latin-1\nx='\xe9'\n".to_vec(),
        b"# coding: utf8\nx='\xe9'\n".to_vec(),
        b"# coding: utf8\nx=1\n\xe2\x82".to_vec(),
        b"# coding: UTF8\nx='\xe9'".to_vec(),
        b"# coding: utf-8\nx='\xe9'".to_vec(),
        b"# coding: utf_8\nx='\xe9'".to_vec(),
        b"# coding: utf-8-sig\nx='\xe9'".to_vec(),
        b"# coding: utf-8-foo\nx='\xe9'".to_vec(),
        b"# coding: UTF-8\nx=1".to_vec(),
        b"# coding: cp1252\nx='\x80'\n".to_vec(),
        b"# coding: cp1252\nx='\x81'\n".to_vec(),
        b"# coding: ascii\nx='\xe9'\n".to_vec(),
        b"# coding: ascii\r\nx=1\r\n\xff".to_vec(),
        b"# coding: us-ascii\nx=1\n".to_vec(),
        b"\n\n# coding: latin-1\nx='\xe9'\n".to_vec(),
        b"\n# coding: latin-1\nx='\xe9'\n".to_vec(),
        b"'''\n# coding: latin-1\n'''\n".to_vec(),
        b"\\\n# coding: latin-1\nx='\xe9'".to_vec(),
        b"# coding=latin_1\nx='\xe9'".to_vec(),
        b"#coding=  latin-1\nx='\xe9'".to_vec(),
        b"# codingg: latin-1\nx='\xe9'".to_vec(),
        b"# xcoding: latin-1 -*- \nx='\xe9'".to_vec(),
        b"#\xff coding: latin-1\nx='\xe9'".to_vec(),
        b"x = 1 # coding: latin-1\n'\xe9'".to_vec(),
        b"#!/x\n#!/y\n# coding: latin-1\nx='\xe9'".to_vec(),
        b"# coding: latin-1\n# coding: utf-8\nx='\xe9'".to_vec(),
        b"# coding: latin1\nx='\xe9'".to_vec(),
        b"# coding: iso-latin-1\nx='\xe9'".to_vec(),
        b"# coding: latin-1-foo\nx='\xe9'".to_vec(),
        b"# -*- coding: ISO_8859-1 -*-\nx='\xe9'\n".to_vec(),
        b"# coding: iso-8859-15\nx='\xa4'".to_vec(),
        b"# coding: koi8-r\nx='\xc1'".to_vec(),
        b"# coding: cp437\nx='\x80\xb0'".to_vec(),
        b"# coding: mac-roman\nx='\x80'".to_vec(),
        b"# coding: cp1251\nx='\xc0'".to_vec(),
        b"# coding: latin-1\r\nx='\xe9'\r\n".to_vec(),
        b"# coding: latin-1\rx='\xe9'\r".to_vec(),
        b"# coding: latin-1\n\xef\xbb\xbfx=1".to_vec(),
        // Unknown / non-text encodings.
        b"# -*- coding: foobar -*-\nx=1\n".to_vec(),
        b"# coding: FooBar\n".to_vec(),
        b"# coding: foo_bar\n".to_vec(),
        b"# coding: rot13\nx=1".to_vec(),
        b"# coding: hex\nx=1".to_vec(),
        // BOM + cookie.
        b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx=1\n".to_vec(),
        b"\xef\xbb\xbf# -*- coding: utf-8 -*-\nx=1\n".to_vec(),
        b"\xef\xbb\xbf# coding: utf8\n".to_vec(),
        b"\xef\xbb\xbf# coding: utf-8-sig\nx=1".to_vec(),
        b"\xef\xbb\xbf\n# coding: latin-1\nx=1".to_vec(),
        b"\xef\xbb\xbf#!py\n# coding: latin-1 \xc3\xa9\n".to_vec(),
        b"\xef\xbb\xbf#!py\r\n# coding: latin-1\r\nx=1".to_vec(),
        b"\xef\xbb\xbf# coding: latin-1".to_vec(),
        b"\xef\xbb\xbf  # coding: latin-1 \xc3\xa9\xc3\xa9 \n".to_vec(),
        b"\xef\xbb\xbf\n\n# coding: latin-1\n".to_vec(),
        // Null bytes.
        b"x=1\x00\n".to_vec(),
        b"# coding: latin-1\n\x00".to_vec(),
        b"# coding: foobar\n\x00".to_vec(),
    ];
    // Every byte value in a latin-1 source and in a cp1252 source.
    let all: Vec<u8> = (0x20u8..=0xFF)
        .filter(|&b| b != b'\'' && b != b'\\' && b != 0x7F)
        .collect();
    let mut l1 = b"# coding: latin-1\nx = '".to_vec();
    l1.extend_from_slice(&all);
    l1.extend_from_slice(b"'\n");
    v.push(l1);
    let mut w = b"# coding: cp1252\nx = '".to_vec();
    w.extend(
        all.iter()
            .filter(|&&b| !matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)),
    );
    w.extend_from_slice(b"'\n");
    v.push(w);
    v
}

#[test]
fn decoding_matches_cpython() {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let pool = Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap();
    let mut failures = Vec::new();
    let all = cases();
    for src in &all {
        let oracle = pool
            .call(&Request::Ast {
                source: src.clone(),
                filename: "x.py".into(),
            })
            .unwrap();
        let ours = pyc_parser::parse_module(src, "x.py");
        let show = String::from_utf8_lossy(src).escape_debug().to_string();
        match (oracle["status"].as_str(), ours) {
            (Some("ok"), Ok(m)) => {
                let mine = pyc_ast::dump(&m);
                if mine != oracle["dump"].as_str().unwrap() {
                    failures.push(format!(
                        "{show}: AST differs\n  ours:   {mine}\n  oracle: {}",
                        oracle["dump"]
                    ));
                }
            }
            (Some("ok"), Err(e)) => {
                failures.push(format!("{show}: we reject ({e:?}), CPython accepts"))
            }
            (_, Ok(_)) => failures.push(format!(
                "{show}: we accept, CPython rejects {}",
                oracle["exception"]
            )),
            (_, Err(e)) => {
                let ex = &oracle["exception"];
                let theirs = (
                    ex["type"].as_str().map(str::to_owned),
                    ex["message"].as_str().map(str::to_owned),
                    ex["lineno"].as_i64(),
                    ex["offset"].as_i64(),
                    ex["end_lineno"].as_i64(),
                    ex["end_offset"].as_i64(),
                    ex["text"].as_str().map(str::to_owned),
                );
                let mine = (
                    Some(e.kind.type_name().to_owned()),
                    Some(e.message.clone()),
                    e.lineno,
                    e.offset,
                    e.end_lineno,
                    e.end_offset,
                    e.text.clone(),
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
    eprintln!("decoding: {} cases, {} failures", all.len(), failures.len());
    assert!(failures.is_empty());
}
