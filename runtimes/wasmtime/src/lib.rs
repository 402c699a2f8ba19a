//! execmodel adapter for wasmtime, embedded in-process with `wasmtime_wasi::p1`.
//!
//! - One process-wide `Engine` with epoch interruption; a ticker thread advances the epoch and
//!   every step arms a deadline (`engine.rs`).
//! - Memory cap: `StoreLimits` per store (`wasi.rs`); output: a bounded in-memory capture that
//!   never traps the guest (`capture.rs`).
//! - `Run` is wasmtime's own policy, `Linker::module` + `Linker::get_default` (`run_policy.rs`).

mod capture;
mod classify;
mod engine;
mod module;
mod run_policy;
mod session;
mod values;
mod wasi;

use std::sync::Arc;

use execmodel_contract::{AdapterError, CompiledModule, Runtime, Unavailable};

/// The locked version of the `wasmtime` crate (checked against Cargo.lock by a unit test).
pub const VERSION: &str = "48.0.0";
/// The locked version of `wasmtime-wasi`, which implements `proc_exit` and the stdio streams.
pub const WASI_VERSION: &str = "48.0.0";

pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(Wasmtime)
}

struct Wasmtime;

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
        Ok(Arc::new(module::WasmtimeModule::compile(engine, wasm)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked_version(lock: &str, package: &str) -> Option<String> {
        let needle = format!("name = \"{package}\"\n");
        let start = lock.find(&needle)? + needle.len();
        let line = lock[start..].lines().next()?;
        Some(line.strip_prefix("version = \"")?.strip_suffix('"')?.to_string())
    }

    #[test]
    fn versions_match_the_workspace_lock_file() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock");
        let lock = std::fs::read_to_string(path).expect("read the workspace Cargo.lock");
        assert_eq!(locked_version(&lock, "wasmtime").as_deref(), Some(VERSION));
        assert_eq!(locked_version(&lock, "wasmtime-wasi").as_deref(), Some(WASI_VERSION));
        assert_eq!(runtime().version(), VERSION);
        assert_eq!(runtime().name(), "wasmtime");
    }
}
