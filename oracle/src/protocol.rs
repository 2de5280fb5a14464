//! Wire types of the oracle worker's JSON-lines protocol (see `oracle/PROTOCOL.md`).
//!
//! Every request is one JSON object on one line with an `id` and an `op`; every
//! response is one line `{"id", "ok": true, "result"}` or `{"id", "ok": false, "error"}`.
//! Binary payloads are base64. The worker greets with `{"hello": {...}}` first.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

/// The protocol version this client speaks; the worker's hello must match.
pub const PROTOCOL_VERSION: u32 = 1;

/// How the oracle runs requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// A pristine parent forks one child per request (fast, history-free).
    ForkServer,
    /// A new interpreter per request (the canonical reference, slow).
    Fresh,
}

impl Mode {
    /// The name used on the wire and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ForkServer => "fork-server",
            Mode::Fresh => "fresh",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fork-server" => Ok(Mode::ForkServer),
            "fresh" => Ok(Mode::Fresh),
            other => Err(format!("unknown oracle mode {other:?} (fork-server|fresh)")),
        }
    }
}

/// PEP 552 invalidation mode of a `.pyc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum InvalidationMode {
    /// Header holds the source mtime and size (flags 0).
    #[default]
    Timestamp,
    /// Header holds the source hash, checked on import (flags 3).
    CheckedHash,
    /// Header holds the source hash, never checked (flags 1).
    UncheckedHash,
}

impl InvalidationMode {
    /// All three modes.
    pub const ALL: [InvalidationMode; 3] = [
        InvalidationMode::Timestamp,
        InvalidationMode::CheckedHash,
        InvalidationMode::UncheckedHash,
    ];
}

/// Serde helper: `Vec<u8>` as a base64 string.
pub mod base64_bytes {
    use super::*;

    /// Serialize as base64.
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(v))
    }

    /// Deserialize from base64.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        B64.decode(s.as_bytes()).map_err(serde::de::Error::custom)
    }
}

/// A `compile` request: exactly what `py_compile.compile` would do with this source.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CompileRequest {
    /// Raw source bytes (decoding follows PEP 263, as CPython does).
    #[serde(with = "base64_bytes")]
    pub source: Vec<u8>,
    /// The filename recorded as `co_filename` and used in errors.
    pub filename: String,
    /// `-1` (the interpreter's, i.e. 0), 0, 1 or 2.
    pub optimize: i32,
    /// Header kind.
    pub invalidation_mode: InvalidationMode,
    /// Source mtime for timestamp pycs (low 32 bits are used).
    pub mtime: u32,
    /// Source size for timestamp pycs; `None` = the source's length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_size: Option<u32>,
}

impl CompileRequest {
    /// A timestamp-mode request with mtime 0 and the source's own size.
    pub fn new(source: impl Into<Vec<u8>>, filename: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            filename: filename.into(),
            optimize: -1,
            invalidation_mode: InvalidationMode::Timestamp,
            mtime: 0,
            source_size: None,
        }
    }
}

/// The exception CPython raised while compiling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CompileException {
    /// Exception type name, e.g. `SyntaxError`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Module of the type (`builtins` normally).
    pub module: String,
    /// `msg` for SyntaxError, `str(exc)` otherwise.
    pub message: String,
    /// `str(exc)`.
    pub str: String,
    /// SyntaxError attributes (absent for other exceptions).
    pub filename: Option<String>,
    /// 1-based line.
    pub lineno: Option<i64>,
    /// 1-based column (characters, as CPython reports it).
    pub offset: Option<i64>,
    /// End line.
    pub end_lineno: Option<i64>,
    /// End column.
    pub end_offset: Option<i64>,
    /// The offending source line.
    pub text: Option<String>,
}

/// A warning emitted during compilation (e.g. `SyntaxWarning`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct CompileWarning {
    /// Category name, e.g. `SyntaxWarning`.
    pub category: String,
    /// The warning text.
    pub message: String,
    /// Filename as reported.
    pub filename: String,
    /// Line number.
    pub lineno: i64,
}

/// What the oracle's `compile` produced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CompileOutcome {
    /// Compiled: the complete `.pyc` file bytes.
    Ok {
        /// Header + marshal data.
        #[serde(with = "base64_bytes")]
        pyc: Vec<u8>,
        /// Warnings emitted while compiling.
        warnings: Vec<CompileWarning>,
    },
    /// Rejected with an exception.
    Error {
        /// The exception.
        exception: CompileException,
        /// Warnings emitted before the error.
        warnings: Vec<CompileWarning>,
    },
}

impl CompileOutcome {
    /// The `.pyc` bytes when compilation succeeded.
    pub fn pyc(&self) -> Option<&[u8]> {
        match self {
            CompileOutcome::Ok { pyc, .. } => Some(pyc),
            CompileOutcome::Error { .. } => None,
        }
    }
}

/// An exception raised by `marshal.loads` or `marshal.dumps`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlainException {
    /// Exception type name (`ValueError`, `EOFError`, ...).
    #[serde(rename = "type")]
    pub type_name: String,
    /// `str(exc)`.
    pub message: String,
}

/// What the oracle's `marshal_roundtrip` request found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MarshalRoundtrip {
    /// Loaded and dumped again.
    Ok {
        /// `type(value).__name__` of the loaded root.
        #[serde(rename = "type")]
        type_name: String,
        /// `marshal.dumps(value, version)`.
        #[serde(with = "base64_bytes")]
        dumps: Vec<u8>,
    },
    /// `marshal.loads` raised.
    LoadError {
        /// The exception.
        exception: PlainException,
    },
    /// `marshal.loads` succeeded, `marshal.dumps` raised (e.g. a slice below version 5).
    DumpError {
        /// `type(value).__name__` of the loaded root.
        #[serde(rename = "type")]
        type_name: String,
        /// The exception.
        exception: PlainException,
    },
}

/// A request. `Debug*` requests exist to test crash and hang recovery.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Compile a source like `py_compile`.
    Compile(CompileRequest),
    /// Decode a `.pyc` (or raw marshal data) into code objects, instructions and `dis` text.
    Layers {
        /// The bytes.
        #[serde(rename = "pyc", with = "base64_bytes")]
        data: Vec<u8>,
        /// Whether `data` starts with a 16-byte pyc header.
        header: bool,
    },
    /// Codegen and CFG-optimizer instruction sequences for a source.
    Stages {
        /// Raw source bytes.
        #[serde(with = "base64_bytes")]
        source: Vec<u8>,
        /// Filename.
        filename: String,
        /// Optimization level.
        optimize: i32,
    },
    /// A walk of the marshal stream: offsets, type codes, FLAG_REF bits, ref indices.
    MarshalRefs {
        /// The bytes.
        #[serde(with = "base64_bytes")]
        data: Vec<u8>,
        /// Whether `data` starts with a 16-byte pyc header.
        header: bool,
    },
    /// `ast.dump(ast.parse(source), include_attributes=True)`.
    Ast {
        /// Raw source bytes.
        #[serde(with = "base64_bytes")]
        source: Vec<u8>,
        /// Filename.
        filename: String,
    },
    /// `marshal.dumps(marshal.loads(data), version)`: CPython's reading of marshal data
    /// and its writing of what it read (see [`MarshalRoundtrip`]).
    MarshalRoundtrip {
        /// Raw marshal data (no pyc header).
        #[serde(with = "base64_bytes")]
        data: Vec<u8>,
        /// The marshal version to dump with (0..=5).
        version: u32,
    },
    /// Returns the worker's identity.
    Ping,
    /// Test only: the request handler sleeps.
    DebugHang {
        /// How long.
        seconds: u64,
    },
    /// Test only: the request handler aborts.
    DebugCrash,
}

impl Request {
    /// The `op` name, for messages.
    pub fn op(&self) -> &'static str {
        match self {
            Request::Compile(_) => "compile",
            Request::Layers { .. } => "layers",
            Request::Stages { .. } => "stages",
            Request::MarshalRefs { .. } => "marshal_refs",
            Request::Ast { .. } => "ast",
            Request::MarshalRoundtrip { .. } => "marshal_roundtrip",
            Request::Ping => "ping",
            Request::DebugHang { .. } => "debug_hang",
            Request::DebugCrash => "debug_crash",
        }
    }
}

/// The request as sent: `{"id": N, "op": ..., ...}`.
#[derive(Serialize)]
pub(crate) struct Envelope<'a> {
    pub id: u64,
    #[serde(flatten)]
    pub request: &'a Request,
}

/// The worker's greeting.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hello {
    /// Protocol version.
    pub protocol: u32,
    /// Mode the worker runs in.
    pub mode: Option<Mode>,
    /// `3.14.10`.
    pub python_version: String,
    /// Full `sys.version`.
    pub version: String,
    /// Magic number.
    pub magic: u16,
    /// Worker (parent) process id.
    pub pid: u32,
}

#[derive(Deserialize)]
pub(crate) struct HelloLine {
    pub hello: Hello,
}

/// A raw response line.
#[derive(Deserialize)]
pub(crate) struct Response {
    pub id: Option<u64>,
    pub ok: bool,
    #[serde(default)]
    pub result: serde_json::Value,
    #[serde(default)]
    pub error: Option<WorkerErrorBody>,
}

/// An error the worker reported for one request.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct WorkerErrorBody {
    /// Machine-readable kind: `unmarshal`, `syntax_error`, `bad_request`,
    /// `child_crashed`, `internal`, ...
    pub kind: String,
    /// Human-readable message.
    pub message: String,
    /// Extra fields (e.g. `offset` for `unmarshal`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Which oracle produced a result: attached to every result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OracleStamp {
    /// CPython version, e.g. `3.14.10`.
    pub python_version: String,
    /// Execution mode.
    pub mode: Mode,
    /// Protocol version.
    pub protocol: u32,
}

/// A result together with the oracle that produced it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stamped<T> {
    /// The result.
    pub value: T,
    /// Who produced it.
    pub oracle: OracleStamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_request_wire_form() {
        let req = Request::Compile(CompileRequest::new(b"x = 1\n".to_vec(), "a.py"));
        let line = serde_json::to_string(&Envelope {
            id: 7,
            request: &req,
        })
        .unwrap_or_default();
        assert_eq!(
            line,
            r#"{"id":7,"op":"compile","source":"eCA9IDEK","filename":"a.py","optimize":-1,"invalidation_mode":"timestamp","mtime":0}"#
        );
    }

    #[test]
    fn outcome_parses_both_shapes() {
        let ok: CompileOutcome =
            serde_json::from_str(r#"{"status":"ok","pyc":"AAE=","warnings":[]}"#)
                .expect("ok outcome");
        assert_eq!(ok.pyc(), Some(&[0u8, 1][..]));
        let err: CompileOutcome = serde_json::from_str(
            r#"{"status":"error","warnings":[],"exception":{"type":"SyntaxError","module":"builtins","message":"m","str":"m","filename":"a.py","lineno":1,"offset":2,"end_lineno":1,"end_offset":3,"text":"x\n"}}"#,
        )
        .expect("error outcome");
        assert!(err.pyc().is_none());
    }
}
