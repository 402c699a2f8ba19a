//! [`WorkerRuntime`]: a [`Backend`] as an execmodel runtime, and its compiled modules.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use execmodel_contract::{AdapterError, CompiledModule, Limits, Runtime, Session, Unavailable};

use crate::backend::{Backend, Prepared};
use crate::exports::Exports;
use crate::pool::WorkerPool;
use crate::process::{Failure, Worker};
use crate::protocol;
use crate::session::WorkerSession;

/// Compiling a large module in a loaded machine can take a while; this only guards a hung worker.
pub(crate) const COMPILE_TIMEOUT: Duration = Duration::from_secs(60);

/// A runtime that lives in a worker process.
pub struct WorkerRuntime {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) backend: Box<dyn Backend>,
    probe: OnceLock<Result<String, Unavailable>>,
    pub(crate) pool: WorkerPool,
}

impl WorkerRuntime {
    pub fn new(backend: impl Backend) -> WorkerRuntime {
        let sessions_per_worker = backend.sessions_per_worker();
        WorkerRuntime {
            shared: Arc::new(Shared {
                backend: Box::new(backend),
                probe: OnceLock::new(),
                pool: WorkerPool::new(sessions_per_worker),
            }),
        }
    }

    fn probe(&self) -> &Result<String, Unavailable> {
        self.shared.probe.get_or_init(|| self.shared.backend.probe())
    }
}

impl Shared {
    pub(crate) fn lease(&self) -> Result<Worker, String> {
        let command = self.backend.command()?;
        self.pool.lease(&command)
    }
}

impl Runtime for WorkerRuntime {
    fn name(&self) -> &'static str {
        self.shared.backend.name()
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
        self.availability().map_err(|why| AdapterError::Other(why.0))?;
        let runtime = self.name().to_string();
        let compile_error = |message: String| AdapterError::Compile { runtime: runtime.clone(), message };
        // The harness's own reading of the exports: a failure here is not the runtime's refusal.
        let exports = Exports::read(wasm).map_err(|err| AdapterError::Other(format!("reading the exports: {err}")))?;
        let original = Arc::new(Variant::new(wasm.to_vec()));
        // The runtime's verdict, and the module cached in one worker for the sessions to come.
        let mut worker = self.shared.lease().map_err(AdapterError::Other)?;
        match original.load_into(&mut worker) {
            Ok(()) => self.shared.pool.give_back(worker),
            Err(Failure::Refused(message)) => {
                self.shared.pool.give_back(worker);
                return Err(compile_error(message));
            }
            Err(other) => {
                return Err(AdapterError::Other(format!(
                    "the {} worker failed while compiling: {other:?}",
                    self.name()
                )))
            }
        }
        Ok(Arc::new(WorkerModule {
            inner: Arc::new(ModuleInner {
                shared: Arc::clone(&self.shared),
                exports,
                original,
                capped: Mutex::new(HashMap::new()),
            }),
        }))
    }
}

/// The bytes a worker compiles for one memory cap, under an id the workers cache them by.
pub(crate) struct Variant {
    pub(crate) id: String,
    wasm: Vec<u8>,
}

impl Variant {
    fn new(wasm: Vec<u8>) -> Variant {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Variant { id: format!("m{}", NEXT.fetch_add(1, Ordering::Relaxed)), wasm }
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
pub(crate) enum Ready {
    Variant(Arc<Variant>),
    InitialTooLarge { initial_pages: u64, cap_pages: u64 },
}

pub(crate) struct ModuleInner {
    pub(crate) shared: Arc<Shared>,
    pub(crate) exports: Exports,
    original: Arc<Variant>,
    /// By cap in bytes; trials normally share one `Limits`, so this holds one entry.
    capped: Mutex<HashMap<usize, Ready>>,
}

impl ModuleInner {
    /// The module as the backend must run it under `memory_bytes`.
    pub(crate) fn prepare(&self, memory_bytes: usize) -> Result<Ready, String> {
        let mut capped = self.capped.lock().map_err(|_| "module cache poisoned".to_string())?;
        if let Some(ready) = capped.get(&memory_bytes) {
            return Ok(ready.clone());
        }
        let ready = match self.shared.backend.prepare(&self.original.wasm, memory_bytes)? {
            Prepared::Unchanged => Ready::Variant(Arc::clone(&self.original)),
            Prepared::Bytes(wasm) => Ready::Variant(Arc::new(Variant::new(wasm))),
            Prepared::InitialTooLarge { initial_pages, cap_pages } => {
                Ready::InitialTooLarge { initial_pages, cap_pages }
            }
        };
        capped.insert(memory_bytes, ready.clone());
        Ok(ready)
    }
}

pub struct WorkerModule {
    inner: Arc<ModuleInner>,
}

impl CompiledModule for WorkerModule {
    fn session(&self, limits: Limits) -> Box<dyn Session> {
        Box::new(WorkerSession::new(Arc::clone(&self.inner), limits))
    }
}
