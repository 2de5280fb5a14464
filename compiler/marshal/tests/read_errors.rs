//! Reader errors: each bad stream gives an error with the right offset, and the reader
//! accepts exactly what the oracle's `marshal.loads` accepts.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write as _;
use std::process::Stdio;

use common::{arb_recipe, build};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use pyc_marshal::{ReadErrorKind as K, Value, read, write};

fn err(data: &[u8]) -> (usize, K) {
    let e = read(data).unwrap_err();
    assert!(!e.to_string().is_empty());
    (e.offset, e.kind)
}

/// (name, stream, expected (offset, error), or None when it must be accepted)
type Case = (&'static str, Vec<u8>, Option<(usize, K)>);

fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = vec![
        ("empty", b"".to_vec(), Some((0, K::EofObject))),
        (
            "unknown type",
            b"?".to_vec(),
            Some((0, K::UnknownType(b'?'))),
        ),
        (
            "unknown flagged type",
            b"\xbf".to_vec(),
            Some((0, K::UnknownType(0xbf))),
        ),
        (
            "short int",
            b"i\x01\x00".to_vec(),
            Some((
                1,
                K::TooShort {
                    needed: 4,
                    available: 2,
                },
            )),
        ),
        (
            "short int64",
            b"I\x01\x00".to_vec(),
            Some((
                1,
                K::TooShort {
                    needed: 8,
                    available: 2,
                },
            )),
        ),
        (
            "NULL at top",
            b"0".to_vec(),
            Some((0, K::NullObject("object"))),
        ),
        (
            "NULL in tuple",
            b")\x010".to_vec(),
            Some((2, K::NullObject("tuple"))),
        ),
        (
            "NULL in list",
            b"[\x01\x00\x00\x000".to_vec(),
            Some((5, K::NullObject("list"))),
        ),
        (
            "NULL in set",
            b"<\x01\x00\x00\x000".to_vec(),
            Some((5, K::NullObject("set"))),
        ),
        (
            "tuple missing item",
            b")\x02N".to_vec(),
            Some((3, K::EofObject)),
        ),
        (
            "ref to nothing",
            b"r\x00\x00\x00\x00".to_vec(),
            Some((0, K::InvalidRef(0))),
        ),
        (
            "negative ref",
            b")\x01r\xff\xff\xff\xff".to_vec(),
            Some((2, K::InvalidRef(-1))),
        ),
        (
            "ref to unflagged",
            b")\x02i\x01\x00\x00\x00r\x00\x00\x00\x00".to_vec(),
            Some((7, K::InvalidRef(0))),
        ),
        (
            "tuple containing itself",
            b"\xa9\x01r\x00\x00\x00\x00".to_vec(),
            None,
        ),
        (
            "frozenset containing itself",
            b"\xbe\x01\x00\x00\x00r\x00\x00\x00\x00".to_vec(),
            Some((5, K::InvalidRef(0))),
        ),
        (
            "bytes size",
            b"s\xff\xff\xff\xff".to_vec(),
            Some((
                1,
                K::SizeOutOfRange {
                    what: "bytes object",
                    size: -1,
                },
            )),
        ),
        (
            "str size",
            b"u\x00\x00\x00\x80".to_vec(),
            Some((
                1,
                K::SizeOutOfRange {
                    what: "string",
                    size: i64::from(i32::MIN),
                },
            )),
        ),
        (
            "tuple size",
            b"(\xfe\xff\xff\xff".to_vec(),
            Some((
                1,
                K::SizeOutOfRange {
                    what: "tuple",
                    size: -2,
                },
            )),
        ),
        (
            "bytes too short",
            b"s\x05\x00\x00\x00abc".to_vec(),
            Some((
                5,
                K::TooShort {
                    needed: 5,
                    available: 3,
                },
            )),
        ),
        (
            "huge tuple",
            b"(\xff\xff\xff\x7f".to_vec(),
            Some((5, K::EofObject)),
        ),
        (
            "huge long",
            b"l\xff\xff\xff\x7f\x01\x00".to_vec(),
            Some((
                7,
                K::TooShort {
                    needed: 2,
                    available: 0,
                },
            )),
        ),
        (
            "long size",
            b"l\x00\x00\x00\x80".to_vec(),
            Some((
                1,
                K::SizeOutOfRange {
                    what: "long",
                    size: i64::from(i32::MIN),
                },
            )),
        ),
        (
            "unnormalized long",
            b"l\x02\x00\x00\x00\x01\x00\x00\x00".to_vec(),
            Some((7, K::UnnormalizedLong)),
        ),
        (
            "long digit range",
            b"l\x01\x00\x00\x00\x00\x80".to_vec(),
            Some((5, K::DigitOutOfRange)),
        ),
        ("long zero", b"l\x00\x00\x00\x00".to_vec(), None),
        (
            "long that fits",
            b"l\xfe\xff\xff\xff\x01\x00\x01\x00".to_vec(),
            None,
        ),
        (
            "bad utf-8",
            b"u\x03\x00\x00\x00a\xff\xff".to_vec(),
            Some((
                6,
                K::InvalidUtf8(pyc_marshal::InvalidUtf8 { valid_up_to: 1 }),
            )),
        ),
        ("surrogate", b"u\x03\x00\x00\x00\xed\xb2\x80".to_vec(), None),
        ("latin-1 in short ascii", b"z\x02\xe9\xff".to_vec(), None),
        ("float text", b"f\x031.5".to_vec(), None),
        ("float text inf", b"f\x04-inF".to_vec(), None),
        ("float text nan", b"f\x04+nan".to_vec(), None),
        ("float text NUL", b"f\x041.5\x00".to_vec(), None),
        (
            "bad float text",
            b"f\x03abc".to_vec(),
            Some((2, K::BadFloat("abc".into()))),
        ),
        (
            "float text space",
            b"f\x02 1".to_vec(),
            Some((2, K::BadFloat(" 1".into()))),
        ),
        ("complex text", b"x\x011\x03-2.".to_vec(), None),
        (
            "unhashable in set",
            b"<\x01\x00\x00\x00[\x00\x00\x00\x00".to_vec(),
            Some((5, K::Unhashable("list"))),
        ),
        (
            "unhashable nested",
            b">\x01\x00\x00\x00)\x01{0".to_vec(),
            Some((5, K::Unhashable("tuple"))),
        ),
        (
            "unhashable dict key",
            b"{[\x00\x00\x00\x00N0".to_vec(),
            Some((6, K::Unhashable("list"))),
        ),
        (
            "dict ended by NULL value",
            b"{i\x01\x00\x00\x000".to_vec(),
            None,
        ),
        (
            "slice with NULL part",
            b":0NN".to_vec(),
            Some((0, K::NullObject("object"))),
        ),
        (
            "slice with NULL part in tuple",
            b")\x01:N0N".to_vec(),
            Some((2, K::NullObject("tuple"))),
        ),
        ("slice", b":NNN".to_vec(), None),
        (
            "flagged None is not a ref",
            b")\x02\xcer\x00\x00\x00\x00".to_vec(),
            Some((3, K::InvalidRef(0))),
        ),
        ("int64", b"I\x00\x00\x00\x00\x00\x00\x00\x80".to_vec(), None),
        ("trailing bytes", b"Nxyz".to_vec(), None),
    ];
    // Code objects: a valid one, then broken variants.
    let code = |argc: i32, kinds: &[u8], code: &[u8], names: &[u8]| -> Vec<u8> {
        let mut d = vec![b'c'];
        for x in [argc, 0, 0, 1, 0] {
            d.extend_from_slice(&x.to_le_bytes());
        }
        d.push(b's');
        d.extend_from_slice(&(code.len() as i32).to_le_bytes());
        d.extend_from_slice(code);
        d.extend_from_slice(b")\x00"); // consts
        d.extend_from_slice(names); // names
        d.push(b')');
        d.push(kinds.len() as u8);
        for i in 0..kinds.len() {
            d.extend_from_slice(&[b'z', 1, b'a' + i as u8]);
        }
        d.push(b's');
        d.extend_from_slice(&(kinds.len() as i32).to_le_bytes());
        d.extend_from_slice(kinds);
        d.extend_from_slice(b"z\x01fz\x01nz\x01q");
        d.extend_from_slice(&1i32.to_le_bytes());
        d.extend_from_slice(b"s\x00\x00\x00\x00s\x00\x00\x00\x00");
        d
    };
    v.push(("code", code(1, &[0x20], b"\x00\x00", b")\x00"), None));
    v.push((
        "code odd co_code",
        code(0, &[], b"\x00", b")\x00"),
        Some((0, K::BadCode("code: co_code is malformed"))),
    ));
    v.push((
        "code varnames too small",
        code(2, &[0x20], b"", b")\x00"),
        Some((0, K::BadCode("code: co_varnames is too small"))),
    ));
    v.push((
        "code bad names",
        code(0, &[], b"", b")\x01i\x00\x00\x00\x00"),
        Some((0, K::BadCode("non-string found in code slot"))),
    ));
    v.push((
        "code names not a tuple",
        code(0, &[], b"", b"N"),
        Some((0, K::BadCode("bad internal call (field of the wrong type)"))),
    ));
    v.push((
        "code with NULL",
        {
            let mut d = code(0, &[], b"", b")\x00");
            d.truncate(26);
            d.push(b'0');
            d
        },
        Some((26, K::NullObject("code object"))),
    ));
    v.push((
        "code negative argcount",
        {
            let mut d = code(0, &[], b"", b")\x00");
            d[1..5].copy_from_slice(&(-1i32).to_le_bytes());
            d
        },
        Some((
            0,
            K::BadCode("bad internal call (negative or inconsistent counts)"),
        )),
    ));
    // Nesting: 2000 levels are fine, 2001 are not.
    let nest = |n: usize| {
        let mut d = b")\x01".repeat(n - 1);
        d.push(b'N');
        d
    };
    v.push(("2000 levels", nest(2000), None));
    v.push(("2001 levels", nest(2001), Some((4000, K::RecursionLimit))));
    v
}

#[test]
fn bad_streams_give_errors_with_offsets() {
    for (name, data, expected) in cases() {
        match expected {
            Some(e) => assert_eq!(err(&data), e, "{name}"),
            None => {
                let (g, root) = read(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(g.get(root).is_some(), "{name}");
            }
        }
    }
}

#[test]
fn legacy_codes_decode() {
    let (g, r) = read(b"f\x04-inF").unwrap();
    assert_eq!(g.value(r), &Value::float(f64::NEG_INFINITY));
    let (g, r) = read(b"x\x011\x03-2.").unwrap();
    assert_eq!(g.value(r), &Value::complex(1.0, -2.0));
    let (g, r) = read(b"I\x00\x00\x00\x00\x00\x00\x00\x80").unwrap();
    assert_eq!(g.value(r), &Value::int(i64::MIN));
    let (g, r) = read(b"z\x02\xe9\xff").unwrap();
    assert_eq!(g.value(r), &Value::str("éÿ"));
    // A tuple containing itself round-trips.
    let data = b"\xa9\x01r\x00\x00\x00\x00";
    let (g, r) = read(data).unwrap();
    assert_eq!(write(&g, r).unwrap(), data);
}

/// Each `loads` runs in a forked child, because some streams crash CPython (a set holding a
/// ref to a tuple that is still being read hashes NULL items); those report `CRASH`.
/// Address space is limited so that absurd sizes (a 2**31-item tuple) fail quickly with
/// MemoryError instead of exhausting the machine.
const LOADS_DRIVER: &str = r#"
import sys, os, marshal, resource
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            marshal.loads(data)
            msg = 'OK'
        except Exception as e:
            msg = 'ERR %s %s' % (type(e).__name__, str(e).replace('\n', ' '))
        os.write(w, msg.encode())
        os._exit(0)
    os.close(w)
    msg = b''
    while chunk := os.read(r, 65536):
        msg += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    print(msg.decode() if os.WIFEXITED(status) else 'CRASH signal %d' % os.WTERMSIG(status))
    sys.stdout.flush()
"#;

fn oracle_loads(streams: &[Vec<u8>]) -> Vec<Result<(), String>> {
    let opts = pyc_oracle::ProvisionOptions::from_env();
    let interp =
        pyc_oracle::find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let mut child = interp
        .command()
        .args(["-E", "-s", "-P", "-c", LOADS_DRIVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the oracle: {e}"));
    let input: String = streams
        .iter()
        .map(|s| format!("{}\n", common::hex(s).replace(' ', "")))
        .collect();
    if let Some(path) = std::env::var_os("PYC_MARSHAL_DUMP_STREAMS") {
        std::fs::write(path, &input).unwrap();
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "oracle crashed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.join().unwrap().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let results: Vec<Result<(), String>> = text
        .lines()
        .map(|l| {
            if l == "OK" {
                Ok(())
            } else {
                Err(l.to_string())
            }
        })
        .collect();
    assert_eq!(results.len(), streams.len());
    results
}

/// The reader accepts exactly the streams `marshal.loads` accepts: the cases above, plus
/// random bytes and valid streams with a few bytes changed or cut.
#[test]
fn acceptance_matches_marshal_loads() {
    let mut streams: Vec<Vec<u8>> = cases().into_iter().map(|(_, d, _)| d).collect();
    let mut runner = TestRunner::deterministic();
    let recipes = arb_recipe(true);
    let noise = proptest::collection::vec(any::<u8>(), 0..40);
    for i in 0..3000usize {
        let recipe = recipes.new_tree(&mut runner).unwrap().current();
        let (g, root) = build(&recipe);
        let mut data = write(&g, root).unwrap();
        match i % 3 {
            0 => {
                let at = (i * 7919) % data.len();
                data[at] = (i % 251) as u8;
            }
            1 => {
                let at = (i * 104_729) % data.len();
                data[at] ^= 0x80;
                let cut = data.len() - (i % 3);
                data.truncate(cut);
            }
            _ => data = noise.new_tree(&mut runner).unwrap().current(),
        }
        streams.push(data);
    }
    let oracle = oracle_loads(&streams);
    let mut disagree = Vec::new();
    let (mut ok, mut bad, mut crashes) = (0, 0, 0);
    for (data, theirs) in streams.iter().zip(&oracle) {
        let ours = read(data);
        match (&ours, theirs) {
            (Ok(_), Ok(())) => ok += 1,
            (Err(_), Err(e)) if e.starts_with("CRASH") => crashes += 1,
            (Err(_), Err(_)) => bad += 1,
            _ => disagree.push(format!(
                "{}\n  ours: {:?}\n  oracle: {:?}",
                common::hex(data),
                ours.as_ref().map(|_| ()).map_err(|e| e.to_string()),
                theirs
            )),
        }
    }
    println!(
        "{ok} streams accepted and {bad} rejected by both; {crashes} crash CPython and are rejected here"
    );
    assert!(
        disagree.is_empty(),
        "{} disagreements:\n{}",
        disagree.len(),
        disagree.join("\n")
    );
}
