//! `Run` for wasmi: wasmi has no command/reactor policy; this is the ABI reading.
//!
//! wasmi 2.0's `Linker` offers only `instantiate_and_start`, which resolves imports, instantiates
//! and runs the wasm `start` section — nothing looks at `_start` or `_initialize` (neither name
//! occurs in the `wasmi` crate's sources):
//! <https://github.com/wasmi-labs/wasmi/blob/v2.0.0/crates/wasmi/src/linker.rs#L422-L446>,
//! <https://github.com/wasmi-labs/wasmi/blob/v2.0.0/crates/wasmi/src/module/instantiate/mod.rs#L36-L111>.
//! wasmi_wasi adds only the preview1 imports. So `Run` follows the WASI application ABI
//! (wasi-0.1 `application-abi.md`): both exported is an error; a command's `_start` is its entry
//! point; a reactor's `_initialize` is called once before any other export; otherwise nothing;
//! and a WASI module must export `memory`. The calls it makes are the harness's, so a `run` step
//! lists no entry point as called by wasmi itself, and says whose reading it was.

use wasmi::{ExternType, Module};

pub const START: &str = "_start";
pub const INITIALIZE: &str = "_initialize";

pub const RUN_IS_THE_HARNESS_READING: &str =
    "wasmi has no command/reactor policy: this run is the harness's reading of the WASI application ABI, performed with wasmi";

#[cfg(test)]
#[test]
fn the_note_says_the_harness_ran_it() {
    assert!(RUN_IS_THE_HARNESS_READING.contains(execmodel_contract::RUN_BY_THE_HARNESS));
}

const WASI_MODULES: [&str; 2] = ["wasi_snapshot_preview1", "wasi_unstable"];

/// The export `Run` calls after instantiation, `None` when there is none, or why the module is
/// refused before any of its code runs.
pub fn abi_entry_point(module: &Module) -> Result<Option<&'static str>, String> {
    let imports_wasi = module.imports().any(|import| WASI_MODULES.contains(&import.module()));
    let exports_memory = matches!(module.get_export("memory"), Some(ExternType::Memory(_)));
    if imports_wasi && !exports_memory {
        return Err("the module imports WASI but exports no `memory`, which the WASI application ABI requires \
             (wasmi has no policy; this is the harness's ABI reading)"
            .to_string());
    }
    let start = module.get_export(START);
    let initialize = module.get_export(INITIALIZE);
    let entry = match (&start, &initialize) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "module exports both {START} and {INITIALIZE}; the WASI application ABI says \
                 such a module is an error (wasmi has no policy; this is the harness's ABI reading)"
            ))
        }
        (Some(ty), None) => (START, ty),
        (None, Some(ty)) => (INITIALIZE, ty),
        (None, None) => return Ok(None),
    };
    let (name, ty) = entry;
    match ty {
        ExternType::Func(func) if func.params().is_empty() && func.results().is_empty() => Ok(Some(name)),
        ExternType::Func(func) => {
            Err(format!("{name} must be a function () -> (), found {func:?} (the harness's ABI reading)"))
        }
        other => Err(format!("{name} must be a function, found {other:?} (the harness's ABI reading)")),
    }
}
