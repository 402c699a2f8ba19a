//! [`NodeRuntime`] and its compiled modules.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use execmodel_contract::{AdapterError, CompiledModule, Limits, Runtime, Session, Unavailable};

use crate::exports::Exports;
use crate::memory_cap::{self, Capped};
use crate::pool::WorkerPool;
use crate::program;
use crate::protocol;
use crate::session::NodeSession;
use crate::worker::{Failure, Worker};

/// Compiling a large module in a loaded machine can take a while; this only guards a hung worker.
pub(crate) const COMPILE_TIMEOUT: Duration = Duration::from_secs(60);

/// The `node:wasi` runtime of a `node` executable, driven out of process.
pub struct NodeRuntime {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    program: PathBuf,
    probe: OnceLock<Result<String, Unavailable>>,
    pub(crate) pool: WorkerPool,
}

impl NodeRuntime {
    /// `node` from `PATH`.
    pub fn new() -> NodeRuntime {
        NodeRuntime::with_program("node")
    }

    /// A specific node executable (a bare name is looked up on `PATH`).
    pub fn with_program(program: impl Into<PathBuf>) -> NodeRuntime {
        let program = program.into();
        NodeRuntime {
            shared: Arc::new(Shared {
                pool: WorkerPool::new(program.clone()),
                program,
                probe: OnceLock::new(),
            }),
        }
    }

    fn probe(&self) -> &Result<String, Unavailable> {
        self.shared
            .probe
            .get_or_init(|| program::probe(&self.shared.program))
    }
}

impl Default for NodeRuntime {
    fn default() -> Self {
        NodeRuntime::new()
    }
}

impl Runtime for NodeRuntime {
    fn name(&self) -> &'static str {
        "node"
    }

    fn version(&self) -> String {
        match self.probe() {
            Ok(version) => version.clone(),
            Err(_) => "unavailable".to_string(),
        }
    }

    fn availability(&self) -> Result<(), Unavailable> {
        self.probe().clone().map(|_| ())
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
        self.availability()
            .map_err(|why| AdapterError::Other(why.0))?;
        let compile_error = |message: String| AdapterError::Compile {
            runtime: "node".to_string(),
            message,
        };
        let exports = Exports::read(wasm).map_err(|err| compile_error(err.to_string()))?;
        let original = Arc::new(Variant::new(wasm.to_vec()));
        // V8's verdict, and the module cached in one worker for the sessions to come.
        let mut worker = self.shared.pool.lease().map_err(AdapterError::Other)?;
        match original.load_into(&mut worker) {
            Ok(()) => self.shared.pool.give_back(worker),
            Err(Failure::Refused(message)) => {
                self.shared.pool.give_back(worker);
                return Err(compile_error(message));
            }
            Err(other) => {
                return Err(AdapterError::Other(format!(
                    "node worker failed while compiling: {other:?}"
                )))
            }
        }
        Ok(Arc::new(NodeModule {
            inner: Arc::new(ModuleInner {
                shared: Arc::clone(&self.shared),
                exports,
                original,
                capped: Mutex::new(HashMap::new()),
            }),
        }))
    }
}

/// The bytes node compiles for one memory cap, under an id the workers cache them by.
pub(crate) struct Variant {
    pub(crate) id: String,
    wasm: Vec<u8>,
}

impl Variant {
    fn new(wasm: Vec<u8>) -> Variant {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Variant {
            id: format!("m{}", NEXT.fetch_add(1, Ordering::Relaxed)),
            wasm,
        }
    }

    /// Compile in this worker unless it already has.
    pub(crate) fn load_into(&self, worker: &mut Worker) -> Result<(), Failure> {
        if worker.loaded.contains(&self.id) {
            return Ok(());
        }
        worker.request(protocol::load(&self.id, &self.wasm), COMPILE_TIMEOUT)?;
        worker.loaded.insert(self.id.clone());
        Ok(())
    }
}

#[derive(Clone)]
pub(crate) enum Prepared {
    Ready(Arc<Variant>),
    InitialTooLarge { initial_pages: u64, cap_pages: u64 },
}

pub(crate) struct ModuleInner {
    pub(crate) shared: Arc<Shared>,
    pub(crate) exports: Exports,
    original: Arc<Variant>,
    /// By cap in pages; trials normally share one `Limits`, so this holds one entry.
    capped: Mutex<HashMap<u64, Prepared>>,
}

impl ModuleInner {
    /// The module as node must run it under `memory_bytes` (see [`memory_cap`]).
    pub(crate) fn prepare(&self, memory_bytes: usize) -> Result<Prepared, String> {
        let cap_pages = memory_cap::cap_pages(memory_bytes);
        let mut capped = self
            .capped
            .lock()
            .map_err(|_| "module cache poisoned".to_string())?;
        if let Some(prepared) = capped.get(&cap_pages) {
            return Ok(prepared.clone());
        }
        let prepared = match memory_cap::cap_memory(&self.original.wasm, cap_pages)
            .map_err(|err| err.to_string())?
        {
            Capped::Unchanged => Prepared::Ready(Arc::clone(&self.original)),
            Capped::Rewritten(wasm) => Prepared::Ready(Arc::new(Variant::new(wasm))),
            Capped::InitialTooLarge {
                initial_pages,
                cap_pages,
            } => Prepared::InitialTooLarge {
                initial_pages,
                cap_pages,
            },
        };
        capped.insert(cap_pages, prepared.clone());
        Ok(prepared)
    }
}

pub struct NodeModule {
    inner: Arc<ModuleInner>,
}

impl CompiledModule for NodeModule {
    fn session(&self, limits: Limits) -> Box<dyn Session> {
        Box::new(NodeSession::new(Arc::clone(&self.inner), limits))
    }
}
