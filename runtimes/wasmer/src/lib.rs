//! execmodel adapter for wasmer, embedded the way wasmer documents it for WASI: a `WasiEnv` from
//! wasmer-wasix on a Cranelift engine.
//!
//! - Budget: the `wasmer-middlewares` metering middleware, refilled before every step that runs
//!   guest code (see `budget.rs`).
//! - Memory cap: engine tunables that lower every memory's maximum (see `memory_cap.rs`).
//! - wasmer-wasix needs a Tokio runtime: one per process, entered around every step (`tokio_rt.rs`).
//! - Compiled modules can be kept on disk between processes (`cached.rs`), when the caller asks.

mod budget;
mod bulk_metering;
mod cached;
mod capture;
mod classify;
mod memory_cap;
mod module;
mod run_policy;
mod session;
mod tokio_rt;
mod values;
mod wasi;

use std::path::Path;
use std::sync::Arc;

use execmodel_cache::ModuleCache;
use execmodel_contract::{AdapterError, CompiledModule, Runtime};

/// The locked version of the `wasmer` crate (checked against Cargo.lock by a unit test).
pub const VERSION: &str = "7.4.2";
/// The locked version of `wasmer-wasix`, which decides the WASI lifecycle policy.
pub const WASIX_VERSION: &str = "0.704.2";

pub use budget::POINTS_PER_SECOND;

/// The runtime without an on-disk cache: every compile compiles.
pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(Wasmer { cache: None })
}

/// The runtime keeping compiled modules in `<cache_root>/wasmer-<VERSION>/`; `None`: no cache.
pub fn runtime_with_cache(cache_root: Option<&Path>) -> Arc<dyn Runtime> {
    let cache = cache_root.map(|root| Arc::new(ModuleCache::new(root, &format!("wasmer-{VERSION}"))));
    Arc::new(Wasmer { cache })
}

struct Wasmer {
    cache: Option<Arc<ModuleCache>>,
}

impl Runtime for Wasmer {
    fn name(&self) -> &'static str {
        "wasmer"
    }

    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
        Ok(Arc::new(module::WasmerModule::compile(wasm, self.cache.clone())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_the_workspace_lock_file() {
        assert!(
            execmodel_contract::locked_versions("wasmer").contains(&VERSION.to_string()),
            "wasmer {VERSION} is not in Cargo.lock"
        );
        assert!(
            execmodel_contract::locked_versions("wasmer-wasix").contains(&WASIX_VERSION.to_string()),
            "wasmer-wasix {WASIX_VERSION} is not in Cargo.lock"
        );
        assert_eq!(runtime().version(), VERSION);
        assert_eq!(runtime().name(), "wasmer");
    }
}
