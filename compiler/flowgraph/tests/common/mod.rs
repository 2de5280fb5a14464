//! Shared helpers of the oracle tests: running `oracle/cfg_stages.py` and
//! decoding its JSON.
#![allow(clippy::unwrap_used, dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use pyc_ast::{ConstValue, PyInt, PyStr};
use pyc_bytecode::Opcode;
use pyc_flowgraph::{Instr, InstrSequence, SrcLocation};
use serde::Deserialize;
use serde_json::Value;

/// The oracle interpreter; fails loudly if it cannot be found or installed.
pub fn oracle() -> pyc_oracle::OracleInterpreter {
    let opts = pyc_oracle::ProvisionOptions::from_env();
    match pyc_oracle::find_or_install(&opts) {
        Ok(i) => {
            assert!(
                i.has_testinternalcapi,
                "the oracle has no _testinternalcapi: {}",
                i.describe()
            );
            i
        }
        Err(e) => panic!("the CPython 3.14 oracle is required for this test: {e}"),
    }
}

/// A command running `script` (in tests/oracle/) with the oracle.
pub fn script_command(
    oracle: &pyc_oracle::OracleInterpreter,
    script: &str,
    args: &[&str],
) -> Command {
    // Shared with pyc-assembler's tests, which include this module by path.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../flowgraph/tests/oracle")
        .join(script);
    let mut cmd = oracle.command();
    cmd.args(["-E", "-s", "-P"]).arg(path).args(args);
    cmd
}

/// Runs the stages script over `files`, calling `f` on each result as it
/// arrives (the script forks a child per file).
pub fn run_stages(
    oracle: &pyc_oracle::OracleInterpreter,
    files: &[PathBuf],
    args: &[&str],
    mut f: impl FnMut(FileResult),
) {
    let mut child: Child = script_command(oracle, "cfg_stages.py", args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start the oracle");
    let mut stdin = child.stdin.take().unwrap();
    let list: String = files.iter().map(|p| format!("{}\n", p.display())).collect();
    let writer = std::thread::spawn(move || {
        stdin.write_all(list.as_bytes()).unwrap();
    });
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut n = 0;
    for line in stdout.lines() {
        let line = line.unwrap();
        let r: FileResult = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("bad oracle line: {e}: {line:.200}"));
        n += 1;
        f(r);
    }
    writer.join().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "oracle script failed: {status}");
    assert_eq!(
        n,
        files.len(),
        "the oracle answered {n} of {} files",
        files.len()
    );
}

/// One file's result from `cfg_stages.py`.
#[derive(Debug, Deserialize)]
pub struct FileResult {
    pub file: String,
    pub error: Option<String>,
    pub nlocals: Option<usize>,
    pub annotations: Option<bool>,
    pub codegen: Option<Vec<[i64; 6]>>,
    pub consts: Option<Vec<Value>>,
    pub cfg: Option<Vec<[i64; 6]>>,
    pub cfg_consts: Option<Vec<Value>>,
    /// With `--nested`: the top-level unit first, then every nested unit
    /// matched to its code object (nested units get sentinel constants).
    pub units: Option<Vec<UnitResult>>,
}

/// One code unit.
#[derive(Debug, Deserialize)]
pub struct UnitResult {
    pub meta: Meta,
    pub codegen: Vec<[i64; 6]>,
    pub consts: Vec<Value>,
    pub nlocals: usize,
    pub error: Option<String>,
    pub cfg: Option<Vec<[i64; 6]>>,
    pub cfg_consts: Option<Vec<Value>>,
    pub assembled: Option<Assembled>,
}

/// The metadata of a unit, from its final code object.
#[derive(Debug, Deserialize)]
pub struct Meta {
    pub name: String,
    pub qualname: String,
    pub names: Vec<String>,
    pub varnames: Vec<String>,
    pub cellvars: Vec<String>,
    pub freevars: Vec<String>,
    pub fasthidden: Vec<String>,
    pub argcount: u32,
    pub posonlyargcount: u32,
    pub kwonlyargcount: u32,
    pub firstlineno: i32,
    pub flags: u32,
    pub nparams: usize,
    #[serde(rename = "final")]
    pub final_code: Assembled,
}

/// Fields of an assembled code object.
#[derive(Debug, Deserialize, Default)]
pub struct Assembled {
    pub error: Option<String>,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub linetable: String,
    #[serde(default)]
    pub exceptiontable: String,
    #[serde(default)]
    pub stacksize: i32,
    #[serde(default)]
    pub flags: u32,
    #[serde(default)]
    pub localsplusnames: Vec<String>,
    /// Name -> kind (`_testinternalcapi.get_co_localskinds`: a dict, so a
    /// name used twice keeps its last kind).
    #[serde(default)]
    pub localspluskinds: std::collections::BTreeMap<String, u8>,
    pub consts: Option<Vec<Value>>,
    pub names: Option<Vec<String>>,
}

impl Meta {
    /// `_PyCompile_CodeUnitMetadata` with the given constants.
    pub fn to_umd(&self, consts: Vec<ConstValue>) -> pyc_flowgraph::CodeUnitMetadata {
        use pyc_flowgraph::NameMap;
        pyc_flowgraph::CodeUnitMetadata {
            name: self.name.clone(),
            qualname: Some(self.qualname.clone()),
            consts,
            names: self.names.iter().cloned().collect(),
            varnames: self.varnames.iter().cloned().collect(),
            cellvars: self.cellvars.iter().cloned().collect(),
            freevars: NameMap::with_offset(
                self.freevars.iter().cloned(),
                self.cellvars.len() as i32,
            ),
            fasthidden: self.fasthidden.iter().map(|n| (n.clone(), true)).collect(),
            argcount: self.argcount,
            posonlyargcount: self.posonlyargcount,
            kwonlyargcount: self.kwonlyargcount,
            firstlineno: self.firstlineno,
        }
    }
}

pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Decodes a tagged constant. Objects `ConstValue` cannot hold (code
/// objects, slices) become a unique placeholder string with a lone surrogate.
pub fn decode_const(v: &Value) -> ConstValue {
    let t = v["t"].as_str().unwrap();
    match t {
        "None" => ConstValue::None,
        "Ellipsis" => ConstValue::Ellipsis,
        "bool" => ConstValue::Bool(v["v"].as_bool().unwrap()),
        "int" => {
            let s = v["v"].as_str().unwrap();
            ConstValue::Int(PyInt::from(s.parse::<num_bigint::BigInt>().unwrap()))
        }
        "float" => ConstValue::Float(f64::from_bits(v["v"].as_u64().unwrap())),
        "complex" => ConstValue::Complex {
            real: f64::from_bits(v["re"].as_u64().unwrap()),
            imag: f64::from_bits(v["im"].as_u64().unwrap()),
        },
        "str" => {
            ConstValue::Str(PyStr::from_surrogatepass_bytes(hex(v["v"].as_str().unwrap())).unwrap())
        }
        "bytes" => ConstValue::Bytes(hex(v["v"].as_str().unwrap())),
        "tuple" => ConstValue::Tuple(
            v["v"]
                .as_array()
                .unwrap()
                .iter()
                .map(decode_const)
                .collect(),
        ),
        "frozenset" => ConstValue::FrozenSet(
            v["v"]
                .as_array()
                .unwrap()
                .iter()
                .map(decode_const)
                .collect(),
        ),
        "opaque" => {
            let mut s = PyStr::new();
            s.push(0xDBFF);
            s.push_str(&format!("<{} #{}>", v["kind"].as_str().unwrap(), v["id"]));
            ConstValue::Str(s)
        }
        other => panic!("unknown constant tag {other}"),
    }
}

/// The constant with every placeholder's identity erased (code objects from
/// different compilations are different objects but the same constant).
pub fn erase_opaque_ids(c: &ConstValue) -> ConstValue {
    match c {
        ConstValue::Str(s) if is_opaque(c) => {
            let text: String = s
                .to_string_lossy()
                .chars()
                .take_while(|&ch| ch != '#')
                .collect();
            ConstValue::str(text)
        }
        ConstValue::Tuple(t) => ConstValue::Tuple(t.iter().map(erase_opaque_ids).collect()),
        ConstValue::FrozenSet(t) => ConstValue::FrozenSet(t.iter().map(erase_opaque_ids).collect()),
        other => other.clone(),
    }
}

/// True for a placeholder made by [`decode_const`].
pub fn is_opaque(c: &ConstValue) -> bool {
    matches!(c, ConstValue::Str(s) if s.code_points().next() == Some(0xDBFF))
}

/// An instruction from a `[op, arg, lineno, end_lineno, col, end_col]` row.
pub fn decode_instr(row: &[i64; 6]) -> Instr {
    let op = Opcode::from_u16(row[0] as u16).unwrap_or_else(|| panic!("unknown opcode {}", row[0]));
    let arg = if row[1] < 0 { 0 } else { row[1] as i32 };
    Instr::new(
        op,
        arg,
        SrcLocation::new(row[2] as i32, row[3] as i32, row[4] as i32, row[5] as i32),
    )
}

/// The sequence of rows (jump opargs are instruction indices).
pub fn decode_seq(rows: &[[i64; 6]]) -> InstrSequence {
    InstrSequence::from_resolved(rows.iter().map(decode_instr).collect())
}

/// An instruction as the oracle prints it (`arg` is -1 without an argument).
pub fn encode_instr(i: &Instr) -> [i64; 6] {
    let arg = if i.opcode.has_arg() {
        i64::from(i.oparg)
    } else {
        -1
    };
    [
        i64::from(i.opcode.value()),
        arg,
        i64::from(i.loc.lineno),
        i64::from(i.loc.end_lineno),
        i64::from(i.loc.col_offset),
        i64::from(i.loc.end_col_offset),
    ]
}

/// A readable rendering of a row.
pub fn show(row: &[i64; 6]) -> String {
    let name = Opcode::from_u16(row[0] as u16).map_or("?".to_string(), |o| o.name().to_string());
    let arg = if row[1] < 0 {
        String::new()
    } else {
        format!(" {}", row[1])
    };
    format!("{name}{arg} @{}:{}-{}:{}", row[2], row[4], row[3], row[5])
}

/// The oracle corpus as absolute paths.
pub fn corpus(oracle: &pyc_oracle::OracleInterpreter) -> Vec<PathBuf> {
    let c = oracle
        .stdlib_corpus()
        .expect("cannot list the oracle's stdlib");
    assert!(c.len() > 1600, "corpus too small: {}", c.len());
    c.into_iter().map(|(_, p)| p).collect()
}

/// Where tests may write reports.
pub fn report_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name)
}
