//! execmodel adapter for wasmtime, embedded in-process with `wasmtime_wasi::p1`.
//!
//! - One process-wide `Engine` with epoch interruption; a ticker thread advances the epoch and
//!   every step arms a deadline (`engine.rs`).
//! - Memory cap: `StoreLimits` per store (`wasi.rs`); output: a bounded in-memory capture that
//!   never traps the guest (`capture.rs`).
//! - `Run` is wasmtime's own policy, `Linker::module` + `Linker::get_default` (`run_policy.rs`).
//! - Compiled modules can be kept on disk between processes (`cached.rs`), when the caller asks.

mod cached;
mod capture;
mod classify;
mod engine;
mod module;
mod run_policy;
mod session;
mod values;
mod wasi;

use std::path::Path;
use std::sync::Arc;

use execmodel_cache::ModuleCache;
use execmodel_contract::{AdapterError, CompiledModule, Runtime, Unavailable};

/// The locked version of the `wasmtime` crate (checked against Cargo.lock by a unit test).
pub const VERSION: &str = "48.0.0";
/// The locked version of `wasmtime-wasi`, which implements `proc_exit` and the stdio streams.
pub const WASI_VERSION: &str = "48.0.0";

/// The runtime without an on-disk cache: every compile compiles.
pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(Wasmtime { cache: None })
}

/// The runtime keeping compiled modules in `<cache_root>/wasmtime-<VERSION>/`; `None`: no cache.
pub fn runtime_with_cache(cache_root: Option<&Path>) -> Arc<dyn Runtime> {
    let cache = cache_root.map(|root| ModuleCache::new(root, &format!("wasmtime-{VERSION}")));
    Arc::new(Wasmtime { cache })
}

struct Wasmtime {
    cache: Option<ModuleCache>,
}

impl Runtime for Wasmtime {
    fn name(&self) -> &'static str {
        "wasmtime"
    }

    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn availability(&self) -> Result<(), Unavailable> {
        engine::shared().map(|_| ()).map_err(Unavailable)
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
        let engine = engine::shared().map_err(AdapterError::Other)?;
        Ok(Arc::new(module::WasmtimeModule::compile(engine, wasm, self.cache.as_ref())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_the_workspace_lock_file() {
        assert_eq!(execmodel_contract::locked_version("wasmtime").as_deref(), Some(VERSION));
        assert_eq!(execmodel_contract::locked_version("wasmtime-wasi").as_deref(), Some(WASI_VERSION));
        assert_eq!(runtime().version(), VERSION);
        assert_eq!(runtime().name(), "wasmtime");
    }
}
