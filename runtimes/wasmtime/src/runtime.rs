//! The `Runtime` for one wasmtime major; each crate's `lib.rs` supplies its name and version.

use execmodel_cache::ModuleCache;
use execmodel_contract::{AdapterError, CompiledModule, Runtime, Unavailable};
use std::sync::Arc;

use crate::{engine, module};

pub struct Wasmtime {
    pub name: &'static str,
    pub version: &'static str,
    pub cache: Option<ModuleCache>,
}

impl Runtime for Wasmtime {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> String {
        self.version.to_string()
    }

    fn availability(&self) -> Result<(), Unavailable> {
        engine::shared().map(|_| ()).map_err(Unavailable)
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
        let engine = engine::shared().map_err(AdapterError::Other)?;
        Ok(Arc::new(module::WasmtimeModule::compile(engine, wasm, self.cache.as_ref())?))
    }
}
