//! One worker process and the request/reply exchange with it.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use execmodel_contract::cpu::{CpuMeter, Standing};
use serde_json::Value as Json;
use tempfile::TempDir;

use crate::backend::WorkerCommand;
use crate::protocol::Reply;

/// The reply line to request `id`, decoded; garbage, a reply to another request and `ok: false`
/// are refusals, and the first two quote the line.
pub(crate) fn decode_reply(line: &str, id: u64) -> Result<Reply, Failure> {
    let reply: Json =
        serde_json::from_str(line).map_err(|err| Failure::Refused(format!("unreadable reply {line:?}: {err}")))?;
    if reply["id"] != id {
        return Err(Failure::Refused(format!("reply {line:?} does not answer request {id}")));
    }
    let reply: Reply =
        serde_json::from_value(reply).map_err(|err| Failure::Refused(format!("unexpected reply {line:?}: {err}")))?;
    if !reply.ok {
        return Err(Failure::Refused(reply.error.unwrap_or_else(|| "no error text".to_string())));
    }
    Ok(reply)
}

/// How often a guest step's CPU use is read while its reply is awaited (`/proc` counts in 10 ms
/// ticks, so a finer poll would see nothing new).
const BUDGET_POLL: Duration = Duration::from_millis(10);

/// How much of the worker's stderr to keep for "worker died" messages.
const STDERR_TAIL_BYTES: usize = 16 << 10;

/// Why a request got no usable reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No reply in time; the worker has been killed.
    Timeout(Duration),
    /// The worker process used the step's CPU budget (this much) before replying; it has been killed.
    BudgetSpent(Duration),
    /// The process is gone (or its pipes broke): how it ended, and the end of its stderr.
    Died(String),
    /// The worker answered `ok: false` (a bug on our side of the protocol) or garbage.
    Refused(String),
}

pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    stderr_reader: Option<JoinHandle<()>>,
    /// Holds the worker's script and whatever it keeps per instance; removed after the process is reaped.
    _scratch: TempDir,
    next_id: u64,
    dead: bool,
    /// Module ids this process has compiled.
    pub loaded: HashSet<String>,
    pub sessions_served: u32,
    /// What the worker reported of the step in progress without answering it: as it entered
    /// guest code by the runtime's own call, or as its process was ending (a runtime that ends
    /// its host process, as Bun's proc_exit does): output, implicit calls, the code.
    last_words: Option<Box<Reply>>,
}

impl Worker {
    pub fn spawn(worker: &WorkerCommand) -> Result<Worker, String> {
        let scratch = tempfile::Builder::new()
            .prefix("execmodel-worker-")
            .tempdir()
            .map_err(|err| format!("cannot create a scratch directory for a worker: {err}"))?;
        let mut command = Command::new(&worker.program);
        command.args(&worker.args);
        if let Some((name, source)) = worker.script {
            let script = scratch.path().join(name);
            std::fs::write(&script, source).map_err(|err| format!("cannot write {}: {err}", script.display()))?;
            command.arg(&script);
            command.args(&worker.script_args);
        }
        command.arg(scratch.path());
        for name in &worker.env_remove {
            command.env_remove(name);
        }
        command.envs(worker.env.iter().map(|(k, v)| (k, v)));
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("cannot start {}: {err}", worker.program.display()))?;
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the worker started without piped stdio".to_string());
        };
        let (sender, replies) = mpsc::channel();
        std::thread::Builder::new()
            .name("worker-stdout".into())
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            })
            .map_err(|err| format!("cannot start a reader thread: {err}"))?;
        let stderr_tail = Arc::new(Mutex::new(Vec::new()));
        let stderr_reader = spawn_stderr_reader(stderr, Arc::clone(&stderr_tail))?;
        Ok(Worker {
            child,
            stdin,
            replies,
            stderr: stderr_tail,
            stderr_reader: Some(stderr_reader),
            _scratch: scratch,
            next_id: 0,
            dead: false,
            loaded: HashSet::new(),
            sessions_served: 0,
            last_words: None,
        })
    }

    pub fn is_usable(&mut self) -> bool {
        !self.dead && matches!(self.child.try_wait(), Ok(None))
    }

    /// Send one request and wait up to `timeout` for its reply. On a timeout the process is
    /// killed; after `Timeout` or `Died` the worker is unusable.
    pub fn request(&mut self, request: Json, timeout: Duration) -> Result<Reply, Failure> {
        let id = self.send(request)?;
        loop {
            let line = match self.replies.recv_timeout(timeout) {
                Ok(line) => line,
                Err(RecvTimeoutError::Timeout) => {
                    self.stop();
                    return Err(Failure::Timeout(timeout));
                }
                Err(RecvTimeoutError::Disconnected) => return Err(self.died()),
            };
            match decode_reply(&line, id) {
                Ok(reply) if reply.is_interim() => self.last_words = Some(Box::new(reply)),
                decoded => return decoded,
            }
        }
    }

    /// Send a request that runs guest code and wait for its reply while the worker process has
    /// CPU time left in `budget`; the reply comes with the CPU time the process used meanwhile.
    /// The process is killed when it spends the budget (`BudgetSpent`) or, having not, when the
    /// wall-clock safety net passes (`Timeout`).
    pub fn request_within(&mut self, request: Json, budget: Duration) -> Result<(Reply, Duration), Failure> {
        let meter = CpuMeter::start(self.child.id(), budget);
        let id = self.send(request)?;
        loop {
            match self.replies.recv_timeout(BUDGET_POLL) {
                Ok(line) => match decode_reply(&line, id) {
                    // What it said of the step so far comes with the step's end if no reply does.
                    Ok(reply) if reply.is_interim() => self.last_words = Some(Box::new(reply)),
                    decoded => return decoded.map(|reply| (reply, meter.used())),
                },
                Err(RecvTimeoutError::Disconnected) => return Err(self.died()),
                Err(RecvTimeoutError::Timeout) => match meter.standing() {
                    Standing::Within => {}
                    Standing::Spent(used) => {
                        self.stop();
                        return Err(Failure::BudgetSpent(used));
                    }
                    Standing::TimedOut(waited) => {
                        self.stop();
                        return Err(Failure::Timeout(waited));
                    }
                },
            }
        }
    }

    /// What the worker said of the interrupted step before it ended or was killed, if anything.
    pub fn take_last_words(&mut self) -> Option<Box<Reply>> {
        self.last_words.take()
    }

    fn send(&mut self, mut request: Json) -> Result<u64, Failure> {
        if self.dead {
            return Err(Failure::Died("had already been stopped".to_string()));
        }
        self.next_id += 1;
        let id = self.next_id;
        self.last_words = None;
        request["id"] = Json::from(id);
        let mut line = request.to_string();
        line.push('\n');
        if self.stdin.write_all(line.as_bytes()).and_then(|()| self.stdin.flush()).is_err() {
            return Err(self.died());
        }
        Ok(id)
    }

    /// Reap the process and describe its end with its stderr.
    fn died(&mut self) -> Failure {
        self.stop();
        // A runtime may end its host process itself (Bun's proc_exit calls process.exit).
        let status = match self.child.wait() {
            Ok(status) => match status.code() {
                Some(code) => format!("exited with status {code}"),
                None => format!("ended: {status}"),
            },
            Err(err) => format!("ended and could not be reaped: {err}"),
        };
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let stderr = self.stderr.lock().map(|tail| String::from_utf8_lossy(&tail).into_owned()).unwrap_or_default();
        Failure::Died(format!("{status}; stderr: {}", stderr.trim_end()))
    }

    fn stop(&mut self) {
        self.dead = true;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_stderr_reader(
    mut stderr: impl Read + Send + 'static,
    tail: Arc<Mutex<Vec<u8>>>,
) -> Result<JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name("worker-stderr".into())
        .spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(read) = stderr.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                let Ok(mut tail) = tail.lock() else { break };
                tail.extend_from_slice(&buffer[..read]);
                let excess = tail.len().saturating_sub(STDERR_TAIL_BYTES);
                tail.drain(..excess);
            }
        })
        .map_err(|err| format!("cannot start a reader thread: {err}"))
}
