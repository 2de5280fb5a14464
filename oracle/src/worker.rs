//! One oracle worker process and the request/response exchange with it.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::protocol::{Envelope, Hello, HelloLine, Mode, PROTOCOL_VERSION, Request, Response};
use crate::{OracleError, OracleInterpreter, scripts};

/// Interpreter flags: isolated like `-I` (`-E -s -P`), no bytecode writing, no UTF-8
/// mode. `-I` itself would also ignore `PYTHONHASHSEED`, so the environment is
/// cleared instead and the seed set explicitly.
pub const PYTHON_FLAGS: &[&str] = &["-E", "-s", "-P", "-B", "-X", "utf8=0"];

const STDERR_TAIL_LINES: usize = 40;

/// A running worker process.
#[derive(Debug)]
pub struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Option<String>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    hello: Hello,
    next_id: u64,
    dead: bool,
}

impl Worker {
    /// Starts a worker and waits (at most `start_timeout`) for its hello.
    pub fn spawn(
        interp: &OracleInterpreter,
        scripts_dir: &Path,
        mode: Mode,
        start_timeout: Duration,
    ) -> Result<Self, OracleError> {
        let mut cmd = interp.command();
        cmd.env("PYTHONHASHSEED", "0")
            .args(PYTHON_FLAGS)
            .arg(scripts_dir.join(scripts::WORKER_SCRIPT))
            .args(["--mode", mode.as_str()])
            .current_dir(scripts_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Own process group, so a timeout can kill the worker and its forked children.
            .process_group(0);
        let mut child = cmd.spawn().map_err(|e| OracleError::Spawn {
            message: format!("cannot start {}: {e}", interp.describe()),
        })?;
        let stdout = child.stdout.take().ok_or_else(|| OracleError::Spawn {
            message: "worker has no stdout pipe".into(),
        })?;
        let stderr = child.stderr.take().ok_or_else(|| OracleError::Spawn {
            message: "worker has no stderr pipe".into(),
        })?;
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("oracle-stdout".into())
            .spawn(move || {
                let mut reader = BufReader::with_capacity(1 << 20, stdout);
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => {
                            let _ = tx.send(None);
                            return;
                        }
                        Ok(_) => {
                            if tx.send(Some(line)).is_err() {
                                return;
                            }
                        }
                    }
                }
            })
            .map_err(|e| OracleError::Spawn {
                message: format!("cannot start reader thread: {e}"),
            })?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr_tail);
        std::thread::Builder::new()
            .name("oracle-stderr".into())
            .spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.by_ref().take(1 << 16).read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                            if let Ok(mut t) = tail.lock() {
                                if t.len() == STDERR_TAIL_LINES {
                                    t.pop_front();
                                }
                                t.push_back(line);
                            }
                        }
                    }
                }
            })
            .map_err(|e| OracleError::Spawn {
                message: format!("cannot start stderr thread: {e}"),
            })?;
        let stdin = child.stdin.take();
        let mut worker = Worker {
            child,
            stdin,
            lines: rx,
            stderr_tail,
            hello: Hello {
                protocol: 0,
                mode: None,
                python_version: String::new(),
                version: String::new(),
                magic: 0,
                pid: 0,
            },
            next_id: 1,
            dead: false,
        };
        let line = worker.read_line("hello", start_timeout)?;
        let hello: HelloLine = serde_json::from_str(&line).map_err(|e| OracleError::Protocol {
            message: format!("bad hello from worker ({e}): {}", line.trim()),
        })?;
        let hello = hello.hello;
        if hello.protocol != PROTOCOL_VERSION {
            return Err(OracleError::Protocol {
                message: format!(
                    "worker speaks protocol {}, this client speaks {PROTOCOL_VERSION}",
                    hello.protocol
                ),
            });
        }
        if hello.python_version != interp.version || hello.mode != Some(mode) {
            return Err(OracleError::Protocol {
                message: format!(
                    "worker says it is {} in mode {:?}, expected {} in mode {mode}",
                    hello.python_version, hello.mode, interp.version
                ),
            });
        }
        worker.hello = hello;
        Ok(worker)
    }

    /// The worker's greeting.
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// OS process id of the worker (the fork-server parent).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the worker is known to be unusable (died, timed out, out of sync).
    pub fn is_dead(&self) -> bool {
        self.dead
    }

    /// Sends one request and waits for its response for at most `timeout`.
    /// On timeout or death the worker is killed and marked dead.
    pub fn call(
        &mut self,
        request: &Request,
        timeout: Duration,
    ) -> Result<serde_json::Value, OracleError> {
        if self.dead {
            return Err(self.died(request.op(), "worker already dead"));
        }
        let id = self.next_id;
        self.next_id += 1;
        let mut line =
            serde_json::to_vec(&Envelope { id, request }).map_err(|e| OracleError::Protocol {
                message: format!("cannot encode request: {e}"),
            })?;
        line.push(b'\n');
        let written = match self.stdin.as_mut() {
            Some(stdin) => stdin.write_all(&line).and_then(|()| stdin.flush()),
            None => Err(std::io::Error::other("stdin closed")),
        };
        if let Err(e) = written {
            return Err(self.died(request.op(), &format!("cannot send request: {e}")));
        }
        let reply = self.read_line(request.op(), timeout)?;
        let response: Response = serde_json::from_str(&reply).map_err(|e| {
            self.kill();
            OracleError::Protocol {
                message: format!("unparseable response ({e}): {}", truncate(&reply, 300)),
            }
        })?;
        if response.id.is_some_and(|got| got != id) {
            self.kill();
            return Err(OracleError::Protocol {
                message: format!("response id {:?} does not match request {id}", response.id),
            });
        }
        if response.ok {
            Ok(response.result)
        } else {
            let body = response
                .error
                .unwrap_or_else(|| crate::protocol::WorkerErrorBody {
                    kind: "internal".into(),
                    message: "error response without an error body".into(),
                    extra: Default::default(),
                });
            Err(OracleError::Request {
                op: request.op(),
                kind: body.kind,
                message: body.message,
                extra: body.extra,
            })
        }
    }

    fn read_line(&mut self, op: &'static str, timeout: Duration) -> Result<String, OracleError> {
        let deadline = Instant::now() + timeout;
        match self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(Some(line)) => Ok(line),
            Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                Err(self.died(op, "worker closed its output"))
            }
            Err(RecvTimeoutError::Timeout) => {
                self.kill();
                Err(OracleError::Timeout { op, after: timeout })
            }
        }
    }

    fn died(&mut self, op: &'static str, what: &str) -> OracleError {
        self.kill();
        // Give the stderr thread a moment to collect the last words.
        std::thread::sleep(Duration::from_millis(20));
        let status = self
            .child
            .try_wait()
            .ok()
            .flatten()
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown status".into());
        OracleError::WorkerDied {
            op,
            message: format!("{what} ({status})"),
            stderr: self.stderr_tail(),
        }
    }

    /// The last lines the worker wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        self.stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    }

    /// Kills the worker's whole process group and reaps it.
    pub fn kill(&mut self) {
        if !self.dead {
            self.dead = true;
            self.stdin = None;
            kill_process_group(self.child.id());
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    /// Asks the worker to exit (closes stdin) and waits briefly, then kills it.
    pub fn shutdown(mut self) {
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                self.dead = true;
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if !self.dead {
            self.stdin = None;
            if !matches!(self.child.try_wait(), Ok(Some(_))) {
                self.kill();
            }
        }
    }
}

fn kill_process_group(pid: u32) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals a process group; it has no memory
    // preconditions. The group id equals the worker's pid because it was spawned with
    // `process_group(0)`.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
