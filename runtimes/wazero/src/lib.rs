//! execmodel adapter for wazero v1.12.0 (`github.com/tetratelabs/wazero`), embedded as a library
//! in a Go worker program (`worker/`, on the worker protocol of `docs/worker-protocol.md`).
//!
//! The worker is built from its sources (embedded in this crate) with the machine's `go` the
//! first time a process needs it, into `target/execmodel-workers/wazero-<digest>/`, and reused by
//! every later process: not per trial. Go absent or older than the worker's `go.mod` asks for
//! makes both wazero columns unavailable, with the reason and how to install Go.
//!
//! # Steps (what the worker does; see `worker/worker.go`)
//! - **Instantiate**: `InstantiateModule` with `WithStartFunctions()`: only the wasm start
//!   section runs.
//! - **Run**: wazero's own default, `InstantiateModule` with the default module config, whose
//!   start functions are `["_start"]`: wazero calls `_start` while instantiating (reported as an
//!   implicit call) and never `_initialize`
//!   (<https://github.com/tetratelabs/wazero/blob/v1.12.0/config.go#L691>,
//!   <https://github.com/tetratelabs/wazero/blob/v1.12.0/runtime.go#L356-L375>).
//! - **proc_exit** is `*sys.ExitError` with the full uint32 code; a `proc_exit(0)` from `_start`
//!   during instantiation returns no error and a closed module.
//! - No deadline in the worker: wazero's default runtime config for the engine (no
//!   `WithCloseOnContextDone`, which slows loops and changes what a closed module does); the
//!   Rust side (`execmodel-worker`) bounds each step by the worker process's CPU time.
//! - WASI: `wasi_snapshot_preview1.Instantiate` only, as the library offers it; nothing under
//!   `wasi_unstable`, whose imports fail to link (`module[wasi_unstable] not instantiated`).
//! - Memory cap: `WithMemoryLimitPages`; output captured per instance.

mod program;

use std::sync::Arc;

use execmodel_contract::{Runtime, Unavailable};
use execmodel_worker::{Backend, WorkerCommand, WorkerRuntime};

/// The engine a column runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// wazero's optimising compiler (`NewRuntimeConfigCompiler`).
    Compiler,
    /// wazero's interpreter (`NewRuntimeConfigInterpreter`).
    Interpreter,
}

/// Which wazero the worker embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// v1.12.0 (`worker/go.mod`).
    Current,
    /// v1.11.0 (`releases/v1.11.0/go.mod`), for upgrade checks: column `wazero-1.11`.
    Previous,
}

pub struct WazeroBackend {
    engine: Engine,
    release: Release,
}

impl Backend for WazeroBackend {
    fn name(&self) -> &'static str {
        match (self.release, self.engine) {
            (Release::Current, Engine::Compiler) => "wazero",
            (Release::Current, Engine::Interpreter) => "wazero-interpreter",
            (Release::Previous, _) => "wazero-1.11",
        }
    }

    fn probe(&self) -> Result<String, Unavailable> {
        let command = self.command().map_err(Unavailable)?;
        execmodel_worker::ask_version(&command, "wazero")
    }

    fn command(&self) -> Result<WorkerCommand, String> {
        let program = program::worker_program(self.release).map_err(|why| why.0)?;
        let mut env = Vec::new();
        if let Some(cache) = execmodel_cache::default_root() {
            env.push(("EXECMODEL_WAZERO_CACHE".to_string(), cache.join("wazero").to_string_lossy().into_owned()));
        }
        Ok(WorkerCommand {
            program,
            args: vec![self.engine_flag().to_string()],
            env_remove: Vec::new(),
            env,
            script: None,
            script_args: Vec::new(),
        })
    }
}

impl WazeroBackend {
    fn engine_flag(&self) -> &'static str {
        match self.engine {
            Engine::Compiler => "--engine=compiler",
            Engine::Interpreter => "--engine=interpreter",
        }
    }
}

/// How the adapter starts a worker of this engine (building it first if needed).
pub fn worker_command(engine: Engine) -> Result<WorkerCommand, String> {
    WazeroBackend { engine, release: Release::Current }.command()
}

/// The worker command of the previous release (compiler engine).
pub fn previous_release_command() -> Result<WorkerCommand, String> {
    WazeroBackend { engine: Engine::Compiler, release: Release::Previous }.command()
}

pub fn runtime(engine: Engine) -> Arc<dyn Runtime> {
    Arc::new(WorkerRuntime::new(WazeroBackend { engine, release: Release::Current }))
}

/// wazero v1.11.0 with the compiler engine, beside v1.12.0.
pub fn previous_release() -> Arc<dyn Runtime> {
    Arc::new(WorkerRuntime::new(WazeroBackend { engine: Engine::Compiler, release: Release::Previous }))
}
