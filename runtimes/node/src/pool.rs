//! Idle node workers, lent to one session at a time.
//!
//! A session holds its worker for its whole life, so killing a worker at a deadline destroys
//! only that session's instance, never another trial's. Workers are spawned lazily and reused;
//! the pool only grows to the number of sessions open at once (the harness's thread count).

use std::path::PathBuf;
use std::sync::Mutex;

use crate::worker::Worker;

/// Idle workers kept for reuse; more are stopped when returned.
const MAX_IDLE: usize = 4;
/// node:wasi keeps each preopened directory's descriptor open for the life of the process
/// (no close API, not released by GC), so a worker is retired after this many sessions.
const SESSIONS_PER_WORKER: u32 = 200;

pub struct WorkerPool {
    program: PathBuf,
    idle: Mutex<Vec<Worker>>,
}

impl WorkerPool {
    pub fn new(program: PathBuf) -> WorkerPool {
        WorkerPool {
            program,
            idle: Mutex::new(Vec::new()),
        }
    }

    pub fn lease(&self) -> Result<Worker, String> {
        loop {
            let candidate = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            let Some(mut worker) = candidate else {
                return Worker::spawn(&self.program);
            };
            if worker.is_usable() {
                return Ok(worker);
            }
        }
    }

    pub fn give_back(&self, mut worker: Worker) {
        worker.sessions_served += 1;
        if !worker.is_usable() || worker.sessions_served >= SESSIONS_PER_WORKER {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push(worker);
            }
        }
    }
}
