//! execmodel adapter for wasmi, the WebAssembly interpreter, with `wasmi_wasi` (wasi-common, sync).
//!
//! - One engine per compiled module, fuel metering on; every step that runs guest code starts
//!   with the fuel its budget stands for, and the guest's sleeps count against it (`budget.rs`).
//! - Memory cap: `StoreLimits` per store; output: a bounded in-memory capture per instance
//!   (`wasi.rs`, `capture.rs`).
//! - `Run`: wasmi has no command/reactor policy, so it is the ABI's plain reading (`run_policy.rs`).

mod budget;
mod capture;
mod classify;
mod compat;
mod module;
mod run_policy;
mod session;
mod values;
mod wasi;

use std::sync::Arc;

use execmodel_contract::{AdapterError, CompiledModule, Runtime};

/// The column's name (the same sources also build `wasmi-1`).
pub(crate) const NAME: &str = "wasmi";
/// The locked version of the `wasmi` crate (checked against Cargo.lock by a unit test).
pub const VERSION: &str = "2.0.0";
/// The locked version of `wasmi_wasi`, which maps `proc_exit` and links the preview1 imports.
pub const WASI_VERSION: &str = "2.0.0";
/// The locked version of `wasi-common`, which implements the preview1 functions for wasmi_wasi.
pub const WASI_COMMON_VERSION: &str = "36.0.20";

pub use budget::FUEL_PER_SECOND;

pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(Wasmi)
}

struct Wasmi;

impl Runtime for Wasmi {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
        Ok(Arc::new(module::WasmiModule::compile(wasm)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_the_workspace_lock_file() {
        assert!(
            execmodel_contract::locked_versions("wasmi").contains(&VERSION.to_string()),
            "wasmi {VERSION} is not in Cargo.lock"
        );
        assert!(
            execmodel_contract::locked_versions("wasmi_wasi").contains(&WASI_VERSION.to_string()),
            "wasmi_wasi {WASI_VERSION} is not in Cargo.lock"
        );
        assert!(
            execmodel_contract::locked_versions("wasi-common").contains(&WASI_COMMON_VERSION.to_string()),
            "wasi-common {WASI_COMMON_VERSION} is not in Cargo.lock"
        );
        assert_eq!(runtime().version(), VERSION);
        assert_eq!(runtime().name(), "wasmi");
    }
}
