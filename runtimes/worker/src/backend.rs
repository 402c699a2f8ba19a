//! What differs between worker programs: how to find and start one, and the few answers only
//! its language can give.

use std::path::PathBuf;

use execmodel_contract::{Outcome, Unavailable};

use crate::protocol::Thrown;

/// How to start one worker process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Environment variables removed from the worker's environment (e.g. `NODE_OPTIONS`).
    pub env_remove: Vec<String>,
    pub env: Vec<(String, String)>,
    /// A script the program runs, written into the worker's scratch directory first: its file
    /// name and contents. The command line is `program args… [script script_args…] scratch-directory`.
    pub script: Option<(&'static str, &'static str)>,
    /// The script's own arguments (e.g. node's worker told which WASI implementation to use).
    pub script_args: Vec<String>,
}

/// The module as one memory cap needs it: most workers enforce the cap themselves; node's V8
/// has no cap, so its backend lowers the module's declared maximum instead.
pub enum Prepared {
    /// Load these bytes (the original module when nothing changes).
    Bytes(Vec<u8>),
    Unchanged,
    /// The module's initial memory is already over the cap.
    InitialTooLarge {
        initial_pages: u64,
        cap_pages: u64,
    },
}

/// One runtime behind the worker protocol. Adding such a runtime is one worker program in its
/// own language plus one implementation of this trait.
pub trait Backend: Send + Sync + 'static {
    /// The runtime's column name (`node`, `wazero`, …).
    fn name(&self) -> &'static str;
    /// The runtime's exact version, or why it cannot run here (asked once).
    fn probe(&self) -> Result<String, Unavailable>;
    /// How to start a worker; asked only once `probe` succeeded.
    fn command(&self) -> Result<WorkerCommand, String>;
    /// The bytes to load under a memory cap of `memory_bytes`.
    fn prepare(&self, wasm: &[u8], memory_bytes: usize) -> Result<Prepared, String> {
        let _ = (wasm, memory_bytes);
        Ok(Prepared::Unchanged)
    }
    /// A JavaScript exception a worker reported as `threw`: which outcome it is.
    fn thrown(&self, thrown: &Thrown) -> Outcome {
        Outcome::crashed(
            format!(
                "the {} worker reported a thrown {} it should have classified: {}",
                self.name(),
                thrown.name,
                thrown.message
            ),
            execmodel_contract::Author::Harness,
        )
    }
    /// Sessions one worker serves before it is retired (node keeps preopen descriptors open).
    fn sessions_per_worker(&self) -> u32 {
        200
    }
}
