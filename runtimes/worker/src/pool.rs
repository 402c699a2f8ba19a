//! Idle workers, lent to one session at a time.
//!
//! A session holds its worker for its whole life, so killing a worker when its budget is spent destroys
//! only that session's instance, never another trial's. Workers are spawned lazily and reused;
//! the pool only grows to the number of sessions open at once (the harness's thread count).

use std::sync::Mutex;

use crate::backend::WorkerCommand;
use crate::process::Worker;

/// Idle workers kept for reuse; more are stopped when returned.
const MAX_IDLE: usize = 4;

pub struct WorkerPool {
    /// A worker is retired after this many sessions (see `Backend::sessions_per_worker`).
    sessions_per_worker: u32,
    idle: Mutex<Vec<Worker>>,
}

impl WorkerPool {
    pub fn new(sessions_per_worker: u32) -> WorkerPool {
        WorkerPool { sessions_per_worker, idle: Mutex::new(Vec::new()) }
    }

    pub fn lease(&self, command: &WorkerCommand) -> Result<Worker, String> {
        loop {
            let candidate = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            let Some(mut worker) = candidate else {
                return Worker::spawn(command);
            };
            if worker.is_usable() {
                return Ok(worker);
            }
        }
    }

    pub fn give_back(&self, mut worker: Worker) {
        worker.sessions_served += 1;
        if !worker.is_usable() || worker.sessions_served >= self.sessions_per_worker {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push(worker);
            }
        }
    }
}
