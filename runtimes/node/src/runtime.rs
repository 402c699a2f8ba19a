//! [`NodeRuntime`]: node's `node:wasi` behind the worker protocol, and the other columns the same
//! worker script serves: node with a JavaScript WASI polyfill in place of `node:wasi`, and Bun
//! with its own `node:wasi`.

use std::path::PathBuf;
use std::sync::Arc;

use execmodel_contract::{AdapterError, CompiledModule, Outcome, Runtime, Unavailable};
use execmodel_worker::{Backend, Prepared, Thrown, WorkerCommand, WorkerRuntime};

use crate::memory_cap::{self, Capped};
use crate::{classify, packages, program};

const WORKER_SOURCE: &str = include_str!("../worker/worker.mjs");
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
        NodeRuntime(WorkerRuntime::new(NodeBackend { host: Host::Node(program.into()), wasi: Wasi::NodeWasi }))
    }

    /// `node` from `PATH` running the worker with a WASI polyfill from npm.
    pub fn with_polyfill(wasi: Wasi) -> NodeRuntime {
        NodeRuntime(WorkerRuntime::new(NodeBackend { host: Host::Node(PathBuf::from("node")), wasi }))
    }

    /// node release `major` (22, 24 or 26, installed from npm) with its own `node:wasi`.
    pub fn release(major: u32) -> NodeRuntime {
        NodeRuntime(WorkerRuntime::new(NodeBackend { host: Host::NodeRelease(major), wasi: Wasi::NodeWasi }))
    }

    /// Bun (from the npm packages) running the worker with its own `node:wasi`.
    pub fn bun() -> NodeRuntime {
        NodeRuntime(WorkerRuntime::new(NodeBackend { host: Host::Bun, wasi: Wasi::NodeWasi }))
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

/// The WASI implementation the worker binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wasi {
    /// The host's own `node:wasi` (node's, or Bun's reimplementation).
    NodeWasi,
    /// npm `@tybys/wasm-util` (the WASI of napi-rs/emnapi reactors).
    WasmUtil,
    /// npm `@bjorn3/browser_wasi_shim` (browser playgrounds).
    BrowserWasiShim,
}

enum Host {
    Node(PathBuf),
    /// A node release from `versions/package.json`.
    NodeRelease(u32),
    Bun,
}

/// The node releases beside the machine's node, as columns `node-<major>`.
pub const NODE_RELEASES: [u32; 3] = [22, 24, 26];

struct NodeBackend {
    host: Host,
    wasi: Wasi,
}

/// How the adapter starts a worker with `node` from PATH (for the worker protocol's conformance test).
pub fn worker_command() -> WorkerCommand {
    NodeBackend { host: Host::Node(PathBuf::from("node")), wasi: Wasi::NodeWasi }
        .node_command(PathBuf::from("node"), Vec::new())
}

/// The worker command of `wasm-util`, `browser-wasi-shim` or `bun` (for their conformance test).
pub fn column_command(runtime: &str) -> Result<WorkerCommand, String> {
    let backend = match runtime {
        "wasm-util" => NodeBackend { host: Host::Node(PathBuf::from("node")), wasi: Wasi::WasmUtil },
        "browser-wasi-shim" => NodeBackend { host: Host::Node(PathBuf::from("node")), wasi: Wasi::BrowserWasiShim },
        "bun" => NodeBackend { host: Host::Bun, wasi: Wasi::NodeWasi },
        "node-22" => NodeBackend { host: Host::NodeRelease(22), wasi: Wasi::NodeWasi },
        "node-24" => NodeBackend { host: Host::NodeRelease(24), wasi: Wasi::NodeWasi },
        "node-26" => NodeBackend { host: Host::NodeRelease(26), wasi: Wasi::NodeWasi },
        other => return Err(format!("no JavaScript column named {other}")),
    };
    backend.command()
}

impl NodeBackend {
    fn node_command(&self, program: PathBuf, script_args: Vec<String>) -> WorkerCommand {
        WorkerCommand {
            program,
            args: vec!["--no-warnings".to_string()],
            env_remove: vec!["NODE_OPTIONS".to_string()],
            env: Vec::new(),
            script: Some(("worker.mjs", WORKER_SOURCE)),
            script_args,
        }
    }
}

impl Backend for NodeBackend {
    fn name(&self) -> &'static str {
        match (&self.host, self.wasi) {
            (Host::Node(_), Wasi::NodeWasi) => "node",
            (Host::Node(_), Wasi::WasmUtil) => "wasm-util",
            (Host::Node(_), Wasi::BrowserWasiShim) => "browser-wasi-shim",
            (Host::NodeRelease(22), _) => "node-22",
            (Host::NodeRelease(24), _) => "node-24",
            (Host::NodeRelease(_), _) => "node-26",
            (Host::Bun, _) => "bun",
        }
    }

    /// node's version for node:wasi; the package's (or Bun's) version as the worker reports it otherwise.
    fn probe(&self) -> Result<String, Unavailable> {
        match (&self.host, self.wasi) {
            (Host::Node(program), Wasi::NodeWasi) => program::probe(program),
            (Host::NodeRelease(major), _) => program::probe(&packages::node_executable(*major)?),
            (Host::Node(program), _) => {
                program::probe(program)?;
                let command = self.command().map_err(Unavailable)?;
                execmodel_worker::ask_version(&command, self.name())
            }
            (Host::Bun, _) => {
                let command = self.command().map_err(Unavailable)?;
                execmodel_worker::ask_version(&command, "bun")
            }
        }
    }

    fn command(&self) -> Result<WorkerCommand, String> {
        match (&self.host, self.wasi) {
            (Host::Node(program), Wasi::NodeWasi) => Ok(self.node_command(program.clone(), Vec::new())),
            (Host::NodeRelease(major), _) => {
                Ok(self.node_command(packages::node_executable(*major).map_err(|why| why.0)?, Vec::new()))
            }
            (Host::Node(program), wasi) => {
                let packages = packages::installed().map_err(|why| why.0)?;
                let flag = if wasi == Wasi::WasmUtil { "--wasi=wasm-util" } else { "--wasi=browser-wasi-shim" };
                Ok(self.node_command(
                    program.clone(),
                    vec![flag.to_string(), format!("--packages={}", packages.display())],
                ))
            }
            (Host::Bun, _) => {
                let mut command = self.node_command(packages::bun_executable().map_err(|why| why.0)?, Vec::new());
                // Bun reads BUN_OPTIONS as node reads NODE_OPTIONS.
                command.env_remove.push("BUN_OPTIONS".to_string());
                Ok(command)
            }
        }
    }

    /// V8 has no memory cap: the module's declared maximum is lowered to it (see [`memory_cap`]).
    fn prepare(&self, wasm: &[u8], memory_bytes: usize) -> Result<Prepared, String> {
        let cap_pages = memory_cap::cap_pages(memory_bytes);
        Ok(match memory_cap::cap_memory(wasm, cap_pages).map_err(|err| err.to_string())? {
            Capped::Unchanged => Prepared::Unchanged,
            Capped::Rewritten(wasm) => Prepared::Bytes(wasm),
            Capped::InitialTooLarge { initial_pages, cap_pages } => {
                Prepared::InitialTooLarge { initial_pages, cap_pages }
            }
        })
    }

    fn thrown(&self, thrown: &Thrown) -> Outcome {
        classify::outcome_of(thrown)
    }

    fn sessions_per_worker(&self) -> u32 {
        SESSIONS_PER_WORKER
    }
}
