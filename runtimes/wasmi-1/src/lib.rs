//! The execmodel wasmi adapter built against wasmi 1.1, so one build can run the matrix on two
//! wasmi majors and `execmodel diff` can show what the 1 -> 2 upgrade changes. Every module is
//! runtimes/wasmi's own source but `compat` (spellings that changed between the majors): the
//! dependency named `wasmi` is 1.1 in this crate.

#[path = "../../wasmi/src/budget.rs"]
mod budget;
#[path = "../../wasmi/src/capture.rs"]
mod capture;
#[path = "../../wasmi/src/classify.rs"]
mod classify;
mod compat;
#[path = "../../wasmi/src/module.rs"]
mod module;
#[path = "../../wasmi/src/run_policy.rs"]
mod run_policy;
#[path = "../../wasmi/src/session.rs"]
mod session;
#[path = "../../wasmi/src/values.rs"]
mod values;
#[path = "../../wasmi/src/wasi.rs"]
mod wasi;

use std::sync::Arc;

use execmodel_contract::{AdapterError, CompiledModule, Runtime};

pub use budget::FUEL_PER_SECOND;

pub(crate) const NAME: &str = "wasmi-1";
/// The locked version of the `wasmi` crate in this build (checked against Cargo.lock by a test).
pub const VERSION: &str = "1.1.0";
pub const WASI_VERSION: &str = "1.1.0";

pub fn runtime() -> Arc<dyn Runtime> {
    Arc::new(Wasmi1)
}

struct Wasmi1;

impl Runtime for Wasmi1 {
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
        assert_eq!(runtime().name(), "wasmi-1");
    }
}
