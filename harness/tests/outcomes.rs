//! Every outcome class on real inputs against the live oracle, and every layer proving
//! it detects and names its own kind of difference (through the test-only perturbation
//! hooks of `pyc_parity::perturb`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{compare, compare_with, fixture, perturbed, pool};
use pyc_oracle::{CompileOutcome, CompileRequest};
use pyc_parity::compare::{Status, TestHooks};
use pyc_parity::outcome::{CompilerErrorKind, ExceptionInfo, Layer, Outcome, SideResult};
use pyc_parity::perturb::Perturbation;
use pyc_parity::slices::Slice;

/// A straight-line module with an int constant, names and calls.
const SRC: &str = "alpha = 1000\nbeta = alpha + 2\nprint(beta, 'text')\n";
/// The same shape with other names and values.
const SRC2: &str = "zz = 77777\nq = zz + 9\nlen(q, 'other')\n";

fn mismatch(r: &pyc_parity::FileRecord) -> (Layer, Option<String>, String) {
    match &r.outcome {
        Outcome::Mismatch {
            layer,
            code_path,
            detail,
        } => (*layer, code_path.clone(), detail.clone()),
        other => panic!("{}: expected a mismatch, got {other:?}", r.name),
    }
}

#[test]
fn match_on_a_straight_line_fixture() {
    let src = fixture("s1_straight_line/binary_ops.py");
    let r = pyc_parity::compare_source(
        pool(),
        &src,
        "corpus/fixtures/s1_straight_line/binary_ops.py",
        &Default::default(),
    );
    assert_eq!(r.outcome, Outcome::Match, "{r:?}");
    assert_eq!(r.slices.as_deref(), Some(&[Slice::S1][..]));
    assert_eq!(r.highest_slice, Some(Slice::S1));
    assert!(r.signature.is_none() && r.report.is_none());
    let r = compare(SRC, "src.py");
    assert_eq!(r.outcome, Outcome::Match, "{r:?}");
}

#[test]
fn both_rejected_on_syntax_errors_both_sides_agree_on() {
    for (src, msg, line, offset) in [
        ("x = = 1\n", "invalid syntax", 1, 5),
        ("x = 1\nreturn 2\n", "'return' outside function", 2, 1),
        (
            "nonlocal x\n",
            "nonlocal declaration not allowed at module level",
            1,
            1,
        ),
    ] {
        let r = compare(src, "bad.py");
        match &r.outcome {
            Outcome::BothRejected { exception } => {
                assert_eq!(exception.type_name, "SyntaxError", "{src:?}");
                assert_eq!(exception.message, msg, "{src:?}");
                assert_eq!(
                    (exception.lineno, exception.offset),
                    (Some(line), Some(offset)),
                    "{src:?}"
                );
            }
            other => panic!("{src:?}: expected both_rejected, got {other:?}"),
        }
        assert!(r.signature.is_none());
    }
}

/// A rejection our front end gets right or wrong: the class must follow from the two
/// sides' raw results, computed here independently of the harness. (Several of these
/// are real parity bugs of our parser today: they are reject mismatches.)
#[test]
fn rejections_are_classified_from_both_sides() {
    let candidates = [
        "x = = 1\n",
        "x = 07\n",
        "print 1\n",
        "f(**a, *b)\n",
        "x = 1 if 2\n",
        "x = [1 2]\n",
        "x = 0b2\n",
        "x = \"\\N{foo}\"\n",
        "break\n",
        "def f(x, x): pass\n",
        "\tx = 1\n",
    ];
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for src in candidates {
        let ours = pyc_compiler::compile_module(
            src.as_bytes(),
            &pyc_compiler::Options {
                filename: "rej.py".into(),
                optimize: -1,
            },
        );
        let theirs = pool()
            .compile(CompileRequest::new(src.as_bytes().to_vec(), "rej.py"))
            .unwrap()
            .value;
        let expected = match (&ours, &theirs) {
            (
                Err(pyc_compiler::CompileError::Rejected(a)),
                CompileOutcome::Error { exception, .. },
            ) => {
                if (&a.type_name, &a.message, a.lineno, a.offset)
                    == (
                        &exception.type_name,
                        &exception.message,
                        exception.lineno,
                        exception.offset,
                    )
                {
                    "both_rejected"
                } else {
                    "reject_mismatch"
                }
            }
            (Err(pyc_compiler::CompileError::Rejected(_)), CompileOutcome::Ok { .. })
            | (Ok(_), CompileOutcome::Error { .. }) => "reject_mismatch",
            (Err(_), _) => "compiler_error",
            (Ok(_), CompileOutcome::Ok { .. }) => continue,
        };
        let r = compare(src, "rej.py");
        assert_eq!(r.outcome.class(), expected, "{src:?}: {:?}", r.outcome);
        if expected == "reject_mismatch" {
            let sig = r.signature.as_deref().unwrap_or_default();
            assert!(sig.starts_with("reject:"), "{src:?}: signature {sig}");
            let Outcome::RejectMismatch { ours, theirs } = &r.outcome else {
                unreachable!()
            };
            assert!(matches!(theirs, SideResult::Rejected { .. }), "{src:?}");
            assert!(matches!(ours, SideResult::Rejected { .. }), "{src:?}");
        }
        *seen.entry(expected).or_default() += 1;
    }
    eprintln!("rejection candidates by class: {seen:?}");
    assert!(
        seen.get("both_rejected").copied().unwrap_or(0) >= 2,
        "{seen:?}"
    );
}

/// The reject-mismatch class on demand: our compiler pretends to reject a valid file.
#[test]
fn reject_mismatch_when_only_one_side_rejects() {
    let exc = ExceptionInfo {
        type_name: "SyntaxError".into(),
        message: "invalid syntax 'alpha'".into(),
        lineno: Some(1),
        offset: Some(3),
        end_lineno: None,
        end_offset: None,
    };
    let r = compare_with(
        SRC,
        "valid.py",
        TestHooks {
            force_reject: Some(exc.clone()),
            ..TestHooks::default()
        },
    );
    assert_eq!(
        r.outcome,
        Outcome::RejectMismatch {
            ours: SideResult::Rejected { exception: exc },
            theirs: SideResult::Compiled,
        }
    );
    assert_eq!(
        r.signature.as_deref(),
        Some("reject:ours SyntaxError: invalid syntax '…' | cpython compiled")
    );
}

/// `compiler_error`: "not supported yet" is classified without asking the oracle, with
/// the position stripped from the reason (the compiler's to-do list entry). The compiler
/// now supports every 3.14 construct, so the answer is forced through the test hook on
/// a real source; every construct that once was refused compiles and matches.
#[test]
fn compiler_error_on_unsupported_constructs() {
    let message = "not supported yet: match statement at 1:0".to_owned();
    let src = "match x:\n    case 1:\n        pass\n";
    let r = compare_with(
        src,
        "u.py",
        TestHooks {
            force_not_supported: Some(message.clone()),
            ..TestHooks::default()
        },
    );
    match &r.outcome {
        Outcome::CompilerError {
            kind,
            message: m,
            reason,
        } => {
            assert_eq!(*kind, CompilerErrorKind::NotSupported);
            assert_eq!(m, &message);
            assert_eq!(reason, "not supported yet: match statement");
            assert_eq!(r.signature.as_deref(), Some(reason.as_str()));
        }
        other => panic!("expected compiler_error, got {other:?}"),
    }
    // The constructs that used to be refused now compile byte-identically.
    for src in [
        "type X = int\n",
        "match x:\n    case 1:\n        pass\n",
        "async def f():\n    await g()\n",
        "def g[T](x: T):\n    yield x\n",
        "f = lambda: (yield)\n",
    ] {
        let r = compare(src, "u.py");
        assert_eq!(r.outcome, Outcome::Match, "{src:?}");
    }
}

/// Poisoned: the oracle disagrees with itself on the re-run. No natural case exists
/// (fork-server and fresh agree on the whole stdlib), so a hook substitutes a different
/// result on the re-run; a difference must exist first (a perturbation), since the
/// oracle is only re-run when the outputs differ.
#[test]
fn poisoned_when_the_oracle_disagrees_with_itself() {
    let r = compare_with(
        SRC,
        "p.py",
        TestHooks {
            perturb: Some(Perturbation::Constant),
            poison_rerun: true,
            ..TestHooks::default()
        },
    );
    match &r.outcome {
        Outcome::Poisoned { detail } => assert!(detail.contains("re-run"), "{detail}"),
        other => panic!("expected poisoned, got {other:?}"),
    }
    assert!(r.signature.is_none(), "a poisoned file is never our bug");
    // Without the hook the same difference is an ordinary mismatch.
    let r = perturbed(SRC, "p.py", Perturbation::Constant);
    assert_eq!(r.outcome.class(), "mismatch");
}

#[test]
fn instruction_perturbation_is_named_by_the_instructions_layer() {
    let r = perturbed(SRC, "i.py", Perturbation::Instruction);
    let (layer, path, detail) = mismatch(&r);
    assert_eq!(layer, Layer::Instructions, "{detail}");
    assert_eq!(path.as_deref(), Some("<module>"));
    // The hook swaps the first opcode that has a look-alike (same flags and caches):
    // the STORE_NAME of `alpha = 1000`.
    let sig = r.signature.clone().unwrap();
    let ops = sig.strip_prefix("instructions:module:").expect(&sig);
    let (ours_op, theirs_op) = ops.split_once("!=").expect(&sig);
    assert_eq!(theirs_op, "STORE_NAME", "{sig}");
    assert_ne!(ours_op, theirs_op);
    assert!(
        detail.contains(&format!(
            "ours 4 {ours_op} 0 (alpha), CPython 4 STORE_NAME 0 (alpha)"
        )),
        "{detail}"
    );
    let report = r.report.as_ref().unwrap();
    assert_eq!(
        report.verdict(Layer::Marshal).unwrap().status,
        Status::Differs
    );
    let fields = report.verdict(Layer::Fields).unwrap();
    assert!(fields.summary.contains("co_code"), "{}", fields.summary);
    assert_eq!(report.verdict(Layer::Dis).unwrap().status, Status::Differs);
    assert!(report.dis_diff.as_deref().unwrap().contains(ours_op));
    let stages = report
        .stages
        .as_ref()
        .expect("stages on an instruction difference");
    assert_eq!(stages.path, "<module>");
    assert!(
        stages
            .oracle_codegen
            .iter()
            .any(|l| l.contains("STORE_NAME"))
    );
    assert!(stages.oracle_cfg.is_some());
}

#[test]
fn constant_perturbation_is_named_by_the_fields_layer() {
    let r = perturbed(SRC, "c.py", Perturbation::Constant);
    let (layer, path, detail) = mismatch(&r);
    assert_eq!(layer, Layer::Fields);
    assert_eq!(path.as_deref(), Some("<module>"));
    assert!(
        detail.contains("co_consts[0]: ours int 1001, CPython int 1000"),
        "{detail}"
    );
    assert_eq!(
        r.signature.as_deref(),
        Some("fields:module:co_consts:value:int")
    );
    let report = r.report.as_ref().unwrap();
    let m = report.verdict(Layer::Marshal).unwrap();
    assert!(m.summary.contains("structural"), "{}", m.summary);
}

#[test]
fn flag_ref_perturbation_is_a_ref_only_marshal_difference() {
    let r = perturbed(SRC, "f.py", Perturbation::FlagRef);
    let (layer, _, detail) = mismatch(&r);
    assert_eq!(layer, Layer::Marshal);
    assert!(detail.contains("ref-only"), "{detail}");
    let sig = r.signature.clone().unwrap();
    assert!(sig.starts_with("marshal:ref-only:module:"), "{sig}");
    assert!(sig.ends_with(":extra-flag"), "{sig}");
    let report = r.report.as_ref().unwrap();
    for layer in [Layer::Fields, Layer::Instructions, Layer::Dis] {
        assert_eq!(
            report.verdict(layer).unwrap().status,
            Status::Same,
            "{layer}: the values are unchanged"
        );
    }
    let walk = &report.verdict(Layer::Marshal).unwrap().details;
    assert!(walk.iter().any(|l| l.contains("+FLAG_REF")), "{walk:?}");
}

#[test]
fn linetable_perturbation_is_named_by_the_fields_layer() {
    let r = perturbed(SRC, "l.py", Perturbation::LinetableByte);
    let (layer, _, detail) = mismatch(&r);
    assert_eq!(layer, Layer::Fields);
    assert!(detail.starts_with("co_linetable entry "), "{detail}");
    let sig = r.signature.clone().unwrap();
    assert!(sig.starts_with("fields:module:co_linetable:"), "{sig}");
    let report = r.report.as_ref().unwrap();
    assert_eq!(
        report.verdict(Layer::Instructions).unwrap().status,
        Status::Same
    );
}

#[test]
fn bytes_cpython_cannot_unmarshal_fall_back_to_our_dump() {
    let r = perturbed(SRC, "t.py", Perturbation::TrailingByte);
    let (layer, _, detail) = mismatch(&r);
    assert_eq!(layer, Layer::Marshal);
    assert!(detail.contains("do not unmarshal"), "{detail}");
    assert!(detail.contains("trailing data"), "{detail}");
    let report = r.report.as_ref().unwrap();
    assert_eq!(report.ours_rendered_by.as_deref(), Some("our dump"));
    // Our dump renders every field exactly like CPython's `layers`.
    assert_eq!(report.verdict(Layer::Fields).unwrap().status, Status::Same);
    assert_eq!(
        report.verdict(Layer::Dis).unwrap().status,
        Status::Unavailable
    );
}

/// One root cause, one signature: the same perturbation on files with other names and
/// values gives the same signature.
#[test]
fn signatures_do_not_depend_on_names_or_values() {
    for p in [
        Perturbation::Instruction,
        Perturbation::Constant,
        Perturbation::FlagRef,
        Perturbation::LinetableByte,
        Perturbation::TrailingByte,
    ] {
        let a = perturbed(SRC, "one.py", p);
        let b = perturbed(SRC2, "dir/another_name.py", p);
        assert_eq!(a.outcome.class(), "mismatch", "{p:?}: {:?}", a.outcome);
        assert!(a.signature.is_some());
        assert_eq!(a.signature, b.signature, "{p:?}");
        let (Outcome::Mismatch { detail: da, .. }, Outcome::Mismatch { detail: db, .. }) =
            (&a.outcome, &b.outcome)
        else {
            unreachable!()
        };
        if p == Perturbation::Constant {
            assert_ne!(da, db, "details keep the values");
        }
    }
}

/// Byte-identical output with different warnings is a mismatch of its own layer. The
/// class follows from the two sides' raw results (today our compiler does not emit
/// CPython's invalid-escape SyntaxWarning: a real warnings mismatch).
#[test]
fn warnings_are_a_layer_of_their_own() {
    for src in ["x = '\\q'\n", "x = b'\\d'\n", "x = 1\n"] {
        let ours = pyc_compiler::compile_module(
            src.as_bytes(),
            &pyc_compiler::Options {
                filename: "w.py".into(),
                optimize: -1,
            },
        );
        let theirs = pool()
            .compile(CompileRequest::new(src.as_bytes().to_vec(), "w.py"))
            .unwrap()
            .value;
        let r = compare(src, "w.py");
        let (Ok(ours), CompileOutcome::Ok { warnings, .. }) = (ours, theirs) else {
            continue;
        };
        let ow: Vec<(String, String, i64)> = ours
            .warnings
            .iter()
            .map(|w| (w.category.clone(), w.message.clone(), w.lineno))
            .collect();
        let tw: Vec<(String, String, i64)> = warnings
            .iter()
            .map(|w| (w.category.clone(), w.message.clone(), w.lineno))
            .collect();
        if ow == tw {
            assert_eq!(r.outcome, Outcome::Match, "{src:?}");
        } else {
            let (layer, _, detail) = mismatch(&r);
            if layer == Layer::Warnings {
                assert!(detail.contains("SyntaxWarning"), "{detail}");
                assert!(r.signature.unwrap().starts_with("warnings:SyntaxWarning:"));
            }
        }
    }
}

#[test]
fn bad_input_never_panics() {
    let deep = format!("x = {}1{}\n", "(".repeat(300), ")".repeat(300));
    for src in [
        &b"\xff\xfe\x00garbage"[..],
        b"x = 1\0\n",
        b"# -*- coding: nonsense -*-\nx = 1\n",
        b"",
        deep.as_bytes(),
    ] {
        // Whatever the verdict, it is one (no panic, no hang).
        let r = pyc_parity::compare_source(pool(), src, "bad.py", &Default::default());
        eprintln!(
            "{:.40?}: {}",
            String::from_utf8_lossy(src),
            r.outcome.describe()
        );
    }
}
