//! Every request type against the real oracle, on real inputs.
#![allow(clippy::unwrap_used)]

mod common;

use pyc_oracle::{CompileOutcome, CompileRequest, InvalidationMode, OracleError, Request};
use serde_json::Value;

fn compile(source: &[u8], filename: &str) -> CompileOutcome {
    common::pool()
        .compile(CompileRequest::new(source.to_vec(), filename))
        .unwrap()
        .value
}

fn compile_ok(source: &[u8], filename: &str) -> Vec<u8> {
    match compile(source, filename) {
        CompileOutcome::Ok { pyc, .. } => pyc,
        CompileOutcome::Error { exception, .. } => panic!("{filename} rejected: {exception:?}"),
    }
}

fn layers(pyc: &[u8]) -> Value {
    common::pool()
        .call(&Request::Layers {
            data: pyc.to_vec(),
            header: true,
        })
        .unwrap()
}

#[test]
fn syntax_error_is_reported_with_position() {
    let out = compile(&common::fixture("syntax_error.py"), "syntax_error.py");
    let CompileOutcome::Error { exception, .. } = out else {
        panic!("expected a SyntaxError, got {out:?}")
    };
    assert_eq!(exception.type_name, "SyntaxError");
    assert_eq!(exception.message, "invalid syntax");
    assert_eq!(exception.filename.as_deref(), Some("syntax_error.py"));
    assert_eq!((exception.lineno, exception.offset), (Some(2), Some(7)));
    assert_eq!(exception.text.as_deref(), Some("def f(:\n"));
}

#[test]
fn coding_cookie_decodes_latin1() {
    let pyc = compile_ok(&common::fixture("latin1_cookie.py"), "latin1_cookie.py");
    let l = layers(&pyc);
    let consts = &l["code_objects"][0]["fields"]["co_consts"];
    let reprs: Vec<&str> = consts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["repr"].as_str())
        .collect();
    assert!(reprs.contains(&"'café ½'"), "{reprs:?}");
    assert!(reprs.contains(&r"b'caf\xe9'"), "{reprs:?}");
}

#[test]
fn unknown_cookie_is_a_syntax_error() {
    let CompileOutcome::Error { exception, .. } =
        compile(&common::fixture("bad_cookie.py"), "bad_cookie.py")
    else {
        panic!("bad cookie must be rejected")
    };
    assert_eq!(exception.type_name, "SyntaxError");
    assert!(
        exception.message.contains("unknown encoding"),
        "{exception:?}"
    );
}

#[test]
fn warnings_are_reported() {
    let CompileOutcome::Ok { warnings, .. } = compile(b"x = 1 is 1\n", "w.py") else {
        panic!("must compile")
    };
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].category, "SyntaxWarning");
    assert_eq!(warnings[0].lineno, 1);
    assert!(warnings[0].message.contains("\"is\" with 'int' literal"));
}

/// The worker's bytes equal what `py_compile.compile` itself writes, in all three
/// invalidation modes (run in a separate interpreter on a real file).
#[test]
fn matches_py_compile_in_every_invalidation_mode() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::fixture("all_constants.py");
    let file = dir.path().join("all_constants.py");
    std::fs::write(&file, &src).unwrap();
    let mtime = std::fs::metadata(&file)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32;
    let interp = common::interpreter();
    for mode in InvalidationMode::ALL {
        let enum_name = match mode {
            InvalidationMode::Timestamp => "TIMESTAMP",
            InvalidationMode::CheckedHash => "CHECKED_HASH",
            InvalidationMode::UncheckedHash => "UNCHECKED_HASH",
        };
        let cfile = dir.path().join(format!("{enum_name}.pyc"));
        let script = format!(
            "import py_compile; py_compile.compile({:?}, cfile={:?}, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.{enum_name})",
            file.display().to_string(),
            cfile.display().to_string()
        );
        let out = interp
            .command()
            .args(["-E", "-s", "-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = std::fs::read(&cfile).unwrap();
        let mut req = CompileRequest::new(src.clone(), file.display().to_string());
        req.invalidation_mode = mode;
        req.mtime = mtime;
        let got = common::pool().compile(req).unwrap();
        assert_eq!(got.value.pyc(), Some(&expected[..]), "mode {mode:?}");
        let flags = u32::from_le_bytes(expected[4..8].try_into().unwrap());
        let want_flags = match mode {
            InvalidationMode::Timestamp => 0,
            InvalidationMode::CheckedHash => 3,
            InvalidationMode::UncheckedHash => 1,
        };
        assert_eq!(flags, want_flags);
        assert_eq!(got.oracle.python_version, interp.version);
    }
}

#[test]
fn layers_cover_every_constant_kind() {
    let pyc = compile_ok(&common::fixture("all_constants.py"), "all_constants.py");
    let l = layers(&pyc);
    let header = &l["header"];
    assert_eq!(header["magic_hex"], "2b0e0d0a");
    assert_eq!(header["flags"], 0);
    let objs = l["code_objects"].as_array().unwrap();
    let paths: Vec<&str> = objs.iter().map(|o| o["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["<module>", "<module>/f", "<module>/<lambda>"]);
    let mut types = std::collections::BTreeSet::new();
    fn walk(c: &Value, types: &mut std::collections::BTreeSet<String>) {
        types.insert(c["type"].as_str().unwrap().to_owned());
        if let Some(items) = c["items"].as_array() {
            for i in items {
                walk(i, types);
            }
        }
    }
    for o in objs {
        for c in o["fields"]["co_consts"].as_array().unwrap() {
            walk(c, &mut types);
        }
    }
    for t in [
        "NoneType",
        "bool",
        "ellipsis",
        "int",
        "float",
        "complex",
        "str",
        "bytes",
        "tuple",
        "frozenset",
        "slice",
        "code",
    ] {
        assert!(types.contains(t), "no {t} constant in {types:?}");
    }
    let module = &objs[0];
    assert!(module["dis"].as_str().unwrap().contains("LOAD_CONST"));
    assert!(
        l["dis"]
            .as_str()
            .unwrap()
            .contains("Disassembly of <module>/f:")
    );
    let instrs = module["instructions"].as_array().unwrap();
    assert_eq!(instrs[0]["opname"], "RESUME");
    assert!(
        !module["fields"]["co_linetable"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let f = &objs[1]["fields"];
    assert_eq!(f["co_localsplusnames"], serde_json::json!(["a", "b", "c"]));
}

#[test]
fn marshal_refs_walks_the_stream() {
    let pyc = compile_ok(&common::fixture("all_constants.py"), "all_constants.py");
    let refs = common::pool()
        .call(&Request::MarshalRefs {
            data: pyc.clone(),
            header: true,
        })
        .unwrap();
    let nodes = refs["nodes"].as_array().unwrap();
    let root = &nodes[0];
    assert_eq!(root["offset"], 16);
    assert_eq!(root["type"], "c");
    assert_eq!(root["flag_ref"], true, "py_compile holds a reference: 0xe3");
    assert_eq!(root["ref_index"], 0);
    assert_eq!(refs["end_offset"], pyc.len());
    let codes: std::collections::BTreeSet<&str> =
        nodes.iter().map(|n| n["type"].as_str().unwrap()).collect();
    for t in [
        "c", "i", "l", "g", "y", "z", "Z", "u", "s", "r", ")", ">", ":", "N", "T", "F", ".",
    ] {
        assert!(codes.contains(t), "no {t:?} node in {codes:?}");
    }
    // Every back-reference points at an earlier FLAG_REF object.
    let max_ref = nodes
        .iter()
        .filter_map(|n| n["ref_index"].as_u64())
        .max()
        .unwrap();
    for n in nodes.iter().filter(|n| n["type"] == "r") {
        assert!(n["ref_target"].as_u64().unwrap() <= max_ref);
    }
}

#[test]
fn stages_show_codegen_and_cfg() {
    let src = b"x = 1 + 2\ndef f(a):\n    if a:\n        return a\n    return -a\n".to_vec();
    let st = common::pool()
        .call(&Request::Stages {
            source: src,
            filename: "st.py".into(),
            optimize: 0,
        })
        .unwrap();
    let units = st["units"].as_array().unwrap();
    let top = &units[0];
    assert_eq!(top["path"], "<module>");
    let codegen = top["codegen"].as_array().unwrap();
    let cfg = top["cfg"].as_array().unwrap();
    assert_eq!(codegen[0]["opname"], "RESUME");
    // Codegen still has the BINARY_OP; the CFG optimizer folds 1 + 2.
    assert!(codegen.iter().any(|i| i["opname"] == "BINARY_OP"));
    assert!(!cfg.iter().any(|i| i["opname"] == "BINARY_OP"));
    assert!(units.len() >= 2, "nested unit for f missing: {units:?}");
}

#[test]
fn unmarshal_failure_says_where() {
    let pyc = compile_ok(b"x = 'hello'\n", "t.py");
    let truncated = &pyc[..pyc.len() - 5];
    for req in [
        Request::Layers {
            data: truncated.to_vec(),
            header: true,
        },
        Request::MarshalRefs {
            data: truncated.to_vec(),
            header: true,
        },
    ] {
        match common::pool().call(&req) {
            Err(OracleError::Request { kind, extra, .. }) => {
                assert_eq!(kind, "unmarshal");
                assert!(extra.contains_key("offset"), "{extra:?}");
            }
            other => panic!("expected an unmarshal error, got {other:?}"),
        }
    }
}

#[test]
fn source_hash_matches_imp() {
    let src = b"print('hash me')\n".to_vec();
    let mut req = CompileRequest::new(src.clone(), "h.py");
    req.invalidation_mode = InvalidationMode::CheckedHash;
    let pyc = common::pool()
        .compile(req)
        .unwrap()
        .value
        .pyc()
        .unwrap()
        .to_vec();
    let script = "import sys, importlib.util; sys.stdout.write(importlib.util.source_hash(sys.stdin.buffer.read()).hex())";
    let mut child = common::interpreter()
        .command()
        .args(["-E", "-s", "-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(&src).unwrap();
    let out = child.wait_with_output().unwrap();
    let hex: String = pyc[8..16].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, String::from_utf8_lossy(&out.stdout));
}
