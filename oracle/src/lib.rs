//! The CPython 3.14 oracle: provisioning, the Python worker and the Rust client.
//!
//! * [`provision`] finds or installs a verified CPython 3.14 (magic 3627).
//! * [`worker`] runs `python/pyc_oracle_worker.py` and speaks protocol v1 with it.
//! * [`pool`] shares N workers between threads, with timeouts and restarts.
//! * [`protocol`] holds the wire types (`oracle/PROTOCOL.md` documents them).
//!
//! Canonical bytes come from a fresh minimal interpreter; the default fork-server
//! mode reproduces them at a fraction of the cost (see `ARCHITECTURE.md`).

pub mod pool;
pub mod protocol;
pub mod provision;
pub mod scripts;
pub mod worker;

use std::time::Duration;

pub use pool::{Pool, PoolConfig};
pub use protocol::{
    CompileException, CompileOutcome, CompileRequest, CompileWarning, InvalidationMode,
    MarshalRoundtrip, Mode, OracleStamp, PlainException, Request, Stamped,
};
pub use provision::{
    OracleInterpreter, OracleSource, ProvisionError, ProvisionOptions, find_or_install,
};

/// Everything that can go wrong talking to the oracle.
#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    /// No interpreter.
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    /// A worker could not be started.
    #[error("cannot start oracle worker: {message}")]
    Spawn {
        /// Details.
        message: String,
    },
    /// A request took longer than the pool's timeout; the worker was killed.
    #[error("oracle `{op}` request timed out after {after:?} (worker killed and replaced)")]
    Timeout {
        /// The request's op.
        op: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// The worker process died.
    #[error("oracle worker died during `{op}`: {message}\n--- worker stderr ---\n{stderr}")]
    WorkerDied {
        /// The request's op.
        op: &'static str,
        /// What was observed.
        message: String,
        /// The last lines of its stderr.
        stderr: String,
    },
    /// The worker answered this request with an error.
    #[error("oracle `{op}` request failed ({kind}): {message}")]
    Request {
        /// The request's op.
        op: &'static str,
        /// Error kind from the worker (`unmarshal`, `child_crashed`, ...).
        kind: String,
        /// Message from the worker.
        message: String,
        /// Extra fields.
        extra: serde_json::Map<String, serde_json::Value>,
    },
    /// The worker said something this client does not understand.
    #[error("oracle protocol error: {message}")]
    Protocol {
        /// Details.
        message: String,
    },
}
