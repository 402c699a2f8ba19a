//! A module compiled once on the shared engine, shared by every trial of it.

use execmodel_cache::ModuleCache;
use execmodel_contract::{AdapterError, CompiledModule, Limits, Session};
use wasmtime::{Engine, Linker, Module};

use crate::cached;
use crate::session::WasmtimeSession;
use crate::wasi::StoreState;

pub struct WasmtimeModule {
    engine: Engine,
    module: Module,
    /// WASI preview1 imports only; each session clones it, so `Run` can define the module in it.
    linker: Linker<StoreState>,
}

impl WasmtimeModule {
    pub fn compile(engine: &Engine, wasm: &[u8], cache: Option<&ModuleCache>) -> Result<Self, AdapterError> {
        let module = cached::load_or_compile(engine, wasm, cache)
            .map_err(|e| AdapterError::Compile { runtime: "wasmtime".into(), message: format!("{e:#}") })?;
        let linker = crate::engine::shared_linker().map_err(AdapterError::Other)?.clone();
        Ok(WasmtimeModule { engine: engine.clone(), module, linker })
    }
}

impl CompiledModule for WasmtimeModule {
    fn session(&self, limits: Limits) -> Box<dyn Session> {
        Box::new(WasmtimeSession::new(self.engine.clone(), self.module.clone(), self.linker.clone(), limits))
    }
}
