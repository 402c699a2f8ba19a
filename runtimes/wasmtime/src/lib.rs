//! execmodel adapter for wasmtime, embedded in-process with `wasmtime_wasi::p1`.
//!
//! - One process-wide `Engine` with fuel; every step that runs guest code starts with the fuel
//!   its budget stands for (`engine.rs`, `budget.rs`).
//! - Memory cap: `StoreLimits` per store (`wasi.rs`); output: a bounded in-memory capture that
//!   never traps the guest (`capture.rs`).
//! - `Run` is wasmtime's own policy, `Linker::module` + `Linker::get_default` (`run_policy.rs`).
//! - Compiled modules can be kept on disk between processes (`cached.rs`), when the caller asks.
//!
//! runtimes/wasmtime-36 compiles this same source against wasmtime 36; the calls whose spelling
//! differs between the majors go through `compat.rs`, which each crate has its own of.

mod budget;
mod cached;
mod capture;
mod classify;
mod compat;
mod engine;
mod module;
mod run_policy;
mod runtime;
mod session;
mod values;
mod wasi;

use std::path::Path;
use std::sync::Arc;

use execmodel_cache::ModuleCache;
use execmodel_contract::Runtime;

/// The locked version of the `wasmtime` crate (checked against Cargo.lock by a unit test).
pub const VERSION: &str = "48.0.0";
/// The locked version of `wasmtime-wasi`, which implements `proc_exit` and the stdio streams.
pub const WASI_VERSION: &str = "48.0.0";

/// The runtime's name in trial names, reports and expectation files.
pub const NAME: &str = "wasmtime";

/// The runtime without an on-disk cache: every compile compiles.
pub fn runtime() -> Arc<dyn Runtime> {
    runtime_with_cache(None)
}

/// The runtime keeping compiled modules in `<cache_root>/wasmtime-<VERSION>/`; `None`: no cache.
pub fn runtime_with_cache(cache_root: Option<&Path>) -> Arc<dyn Runtime> {
    let cache = cache_root.map(|root| ModuleCache::new(root, &format!("wasmtime-{VERSION}")));
    Arc::new(runtime::Wasmtime { name: NAME, version: VERSION, cache })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_the_workspace_lock_file() {
        assert!(
            execmodel_contract::locked_versions("wasmtime").contains(&VERSION.to_string()),
            "wasmtime {VERSION} is not in Cargo.lock"
        );
        assert!(
            execmodel_contract::locked_versions("wasmtime-wasi").contains(&WASI_VERSION.to_string()),
            "wasmtime-wasi {WASI_VERSION} is not in Cargo.lock"
        );
        assert_eq!(runtime().version(), VERSION);
        assert_eq!(runtime().name(), "wasmtime");
    }
}
