//! The execmodel wasmtime adapter built against wasmtime 36 (an LTS release), so one build can
//! run the matrix on two wasmtime majors and `execmodel diff` can show what an upgrade changes.
//!
//! Every module but `compat` is runtimes/wasmtime's own source: the dependency named `wasmtime`
//! is 36.0.x in this crate, so the same code compiles against the older API. `compat.rs` holds
//! the few calls whose spelling changed between the majors.

#[path = "../../wasmtime/src/budget.rs"]
mod budget;
#[path = "../../wasmtime/src/cached.rs"]
mod cached;
#[path = "../../wasmtime/src/capture.rs"]
mod capture;
#[path = "../../wasmtime/src/classify.rs"]
mod classify;
mod compat;
#[path = "../../wasmtime/src/engine.rs"]
mod engine;
#[path = "../../wasmtime/src/module.rs"]
mod module;
#[path = "../../wasmtime/src/run_policy.rs"]
mod run_policy;
#[path = "../../wasmtime/src/runtime.rs"]
mod runtime;
#[path = "../../wasmtime/src/session.rs"]
mod session;
#[path = "../../wasmtime/src/values.rs"]
mod values;
#[path = "../../wasmtime/src/wasi.rs"]
mod wasi;

use std::path::Path;
use std::sync::Arc;

use execmodel_cache::ModuleCache;
use execmodel_contract::Runtime;

/// The runtime's name in trial names, reports and expectation files.
pub const NAME: &str = "wasmtime-36";
/// The locked version of this crate's `wasmtime` (checked against Cargo.lock by a unit test).
pub const VERSION: &str = "36.0.20";

/// Compiled modules are kept in `<cache_root>/wasmtime-<VERSION>/`; `None`: no cache.
pub fn runtime_with_cache(cache_root: Option<&Path>) -> Arc<dyn Runtime> {
    let cache = cache_root.map(|root| ModuleCache::new(root, &format!("wasmtime-{VERSION}")));
    Arc::new(runtime::Wasmtime { name: NAME, version: VERSION, cache })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locked_wasmtime_36_is_the_one_reported() {
        let locked = execmodel_contract::locked_versions("wasmtime");
        assert!(locked.contains(&VERSION.to_string()), "Cargo.lock has wasmtime {locked:?}");
        assert!(execmodel_contract::locked_versions("wasmtime-wasi").contains(&VERSION.to_string()));
        assert_eq!(runtime_with_cache(None).version(), VERSION);
        assert_eq!(runtime_with_cache(None).name(), NAME);
    }
}
