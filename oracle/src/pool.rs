//! A pool of oracle workers shared by many threads (rayon corpus runs, fuzzers).

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::protocol::{
    CompileOutcome, CompileRequest, Hello, MarshalRoundtrip, Mode, OracleStamp, PROTOCOL_VERSION,
    Request, Stamped,
};
use crate::worker::Worker;
use crate::{OracleError, OracleInterpreter, ProvisionOptions, find_or_install, scripts};

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Maximum number of concurrent workers (default: available cores).
    pub workers: usize,
    /// Execution mode.
    pub mode: Mode,
    /// Per-request timeout; a worker that exceeds it is killed and replaced.
    pub request_timeout: Duration,
    /// How long a new worker may take to greet.
    pub start_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            mode: Mode::ForkServer,
            request_timeout: Duration::from_secs(60),
            start_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Default)]
struct Slots {
    idle: Vec<Worker>,
    busy: usize,
    started: u64,
}

/// N workers behind a blocking checkout. Workers start lazily, crashed or hung
/// workers are discarded and replaced on the next request.
#[derive(Debug)]
pub struct Pool {
    interp: Arc<OracleInterpreter>,
    scripts_dir: PathBuf,
    config: PoolConfig,
    slots: Mutex<Slots>,
    freed: Condvar,
    stamp: OracleStamp,
}

impl Pool {
    /// A pool for an already-found interpreter. `cache_dir` receives the worker scripts.
    pub fn new(
        interp: OracleInterpreter,
        cache_dir: &std::path::Path,
        config: PoolConfig,
    ) -> Result<Self, OracleError> {
        let scripts_dir = scripts::materialize(cache_dir).map_err(|e| OracleError::Spawn {
            message: format!(
                "cannot write worker scripts into {}: {e}",
                cache_dir.display()
            ),
        })?;
        let stamp = OracleStamp {
            python_version: interp.version.clone(),
            mode: config.mode,
            protocol: PROTOCOL_VERSION,
        };
        Ok(Self {
            interp: Arc::new(interp),
            scripts_dir,
            config: PoolConfig {
                workers: config.workers.max(1),
                ..config
            },
            slots: Mutex::new(Slots::default()),
            freed: Condvar::new(),
            stamp,
        })
    }

    /// Finds or installs the oracle (see [`find_or_install`]) and makes a pool.
    pub fn from_options(opts: &ProvisionOptions, config: PoolConfig) -> Result<Self, OracleError> {
        let interp = find_or_install(opts)?;
        Self::new(interp, &opts.cache_dir, config)
    }

    /// The interpreter.
    pub fn interpreter(&self) -> &OracleInterpreter {
        &self.interp
    }

    /// The configuration.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Version, mode and protocol of this pool's results.
    pub fn stamp(&self) -> &OracleStamp {
        &self.stamp
    }

    /// How many worker processes were started so far (restarts included).
    pub fn workers_started(&self) -> u64 {
        self.slots.lock().map(|s| s.started).unwrap_or(0)
    }

    /// Process ids of the idle workers (for tests and diagnostics).
    pub fn idle_worker_pids(&self) -> Vec<u32> {
        self.slots
            .lock()
            .map(|s| s.idle.iter().map(Worker::pid).collect())
            .unwrap_or_default()
    }

    /// Starts all workers now (in fork-server mode) and checks they greet correctly.
    pub fn warm_up(&self) -> Result<Hello, OracleError> {
        let mut started = Vec::new();
        let mut hello = None;
        let n = if self.config.mode == Mode::ForkServer {
            self.config.workers
        } else {
            1
        };
        for _ in 0..n {
            let w = self.spawn()?;
            hello = Some(w.hello().clone());
            started.push(w);
        }
        if self.config.mode == Mode::ForkServer {
            let mut slots = self.lock();
            slots.idle.extend(started);
        }
        hello.ok_or_else(|| OracleError::Spawn {
            message: "no worker".into(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        // A panic while holding the lock cannot leave Slots inconsistent in a way
        // that matters (worst case a count is off by one), so recover the guard.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn spawn(&self) -> Result<Worker, OracleError> {
        let w = Worker::spawn(
            &self.interp,
            &self.scripts_dir,
            self.config.mode,
            self.config.start_timeout,
        )?;
        self.lock().started += 1;
        Ok(w)
    }

    /// Sends one request through some worker and returns the raw `result` JSON.
    ///
    /// A worker that died while idle is replaced and the request retried once; a
    /// request that itself kills or hangs its worker is reported, not retried.
    pub fn call(&self, request: &Request) -> Result<serde_json::Value, OracleError> {
        let reused = {
            let mut slots = self.lock();
            while slots.idle.is_empty() && slots.busy >= self.config.workers {
                slots = self.freed.wait(slots).unwrap_or_else(|p| p.into_inner());
            }
            slots.busy += 1;
            slots.idle.pop()
        };
        let _release = Release(self);
        let was_reused = reused.is_some();
        let mut worker = match reused {
            Some(w) => w,
            None => self.spawn()?,
        };
        let mut result = worker.call(request, self.config.request_timeout);
        if was_reused && matches!(result, Err(OracleError::WorkerDied { .. })) {
            worker = self.spawn()?;
            result = worker.call(request, self.config.request_timeout);
        }
        if self.config.mode == Mode::ForkServer && !worker.is_dead() {
            self.lock().idle.push(worker);
        } else if self.config.mode == Mode::Fresh {
            worker.shutdown();
        }
        result
    }

    /// Sends a request and decodes its result into `T`, stamped with the oracle.
    pub fn call_typed<T: DeserializeOwned>(
        &self,
        request: &Request,
    ) -> Result<Stamped<T>, OracleError> {
        let raw = self.call(request)?;
        let value = serde_json::from_value(raw).map_err(|e| OracleError::Protocol {
            message: format!("unexpected {} result shape: {e}", request.op()),
        })?;
        Ok(Stamped {
            value,
            oracle: self.stamp.clone(),
        })
    }

    /// Compiles like `py_compile`.
    pub fn compile(&self, request: CompileRequest) -> Result<Stamped<CompileOutcome>, OracleError> {
        self.call_typed(&Request::Compile(request))
    }

    /// `marshal.dumps(marshal.loads(data), version)` (see [`MarshalRoundtrip`]).
    pub fn marshal_roundtrip(
        &self,
        data: &[u8],
        version: u32,
    ) -> Result<Stamped<MarshalRoundtrip>, OracleError> {
        self.call_typed(&Request::MarshalRoundtrip {
            data: data.to_vec(),
            version,
        })
    }
}

struct Release<'a>(&'a Pool);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let mut slots = self.0.lock();
        slots.busy = slots.busy.saturating_sub(1);
        drop(slots);
        self.0.freed.notify_one();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.lock().idle);
        for w in idle {
            w.shutdown();
        }
    }
}
