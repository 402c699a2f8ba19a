//! [`NodeRuntime`]: node's `node:wasi` behind the worker protocol.

use std::path::PathBuf;
use std::sync::Arc;

use execmodel_contract::{AdapterError, CompiledModule, Outcome, Runtime, Unavailable};
use execmodel_worker::{Backend, Prepared, Thrown, WorkerCommand, WorkerRuntime};

use crate::memory_cap::{self, Capped};
use crate::{program, throws};

const WORKER_SOURCE: &str = include_str!("../worker.mjs");
/// node:wasi keeps each preopened directory's descriptor open for the life of the process
/// (no close API, not released by GC), so a worker is retired after this many sessions.
const SESSIONS_PER_WORKER: u32 = 200;

/// The `node:wasi` runtime of a `node` executable, driven out of process.
pub struct NodeRuntime(WorkerRuntime);

impl NodeRuntime {
    /// `node` from `PATH`.
    pub fn new() -> NodeRuntime {
        NodeRuntime::with_program("node")
    }

    /// A specific node executable (a bare name is looked up on `PATH`).
    pub fn with_program(program: impl Into<PathBuf>) -> NodeRuntime {
        NodeRuntime(WorkerRuntime::new(NodeBackend { program: program.into() }))
    }
}

impl Default for NodeRuntime {
    fn default() -> Self {
        NodeRuntime::new()
    }
}

impl Runtime for NodeRuntime {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn version(&self) -> String {
        self.0.version()
    }
    fn availability(&self) -> Result<(), Unavailable> {
        self.0.availability()
    }
    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
        self.0.compile(wasm)
    }
}

struct NodeBackend {
    program: PathBuf,
}

/// How the adapter starts a worker with `node` from PATH (for the worker protocol's conformance test).
pub fn worker_command() -> WorkerCommand {
    NodeBackend { program: PathBuf::from("node") }.worker_command()
}

impl NodeBackend {
    fn worker_command(&self) -> WorkerCommand {
        WorkerCommand {
            program: self.program.clone(),
            args: vec!["--no-warnings".to_string()],
            env_remove: vec!["NODE_OPTIONS".to_string()],
            env: Vec::new(),
            script: Some(("worker.mjs", WORKER_SOURCE)),
            script_args: Vec::new(),
        }
    }
}

impl Backend for NodeBackend {
    fn name(&self) -> &'static str {
        "node"
    }

    fn probe(&self) -> Result<String, Unavailable> {
        program::probe(&self.program)
    }

    fn command(&self) -> Result<WorkerCommand, String> {
        Ok(self.worker_command())
    }


    /// V8 has no memory cap: the module's declared maximum is lowered to it (see [`memory_cap`]).
    fn prepare(&self, wasm: &[u8], memory_bytes: usize) -> Result<Prepared, String> {
        let cap_pages = memory_cap::cap_pages(memory_bytes);
        Ok(match memory_cap::cap_memory(wasm, cap_pages).map_err(|err| err.to_string())? {
            Capped::Unchanged => Prepared::Unchanged,
            Capped::Rewritten(wasm) => Prepared::Bytes(wasm),
            Capped::InitialTooLarge { initial_pages, cap_pages } => Prepared::InitialTooLarge { initial_pages, cap_pages },
        })
    }

    fn thrown(&self, thrown: &Thrown) -> Outcome {
        throws::outcome_of(thrown)
    }

    fn sessions_per_worker(&self) -> u32 {
        SESSIONS_PER_WORKER
    }
}
