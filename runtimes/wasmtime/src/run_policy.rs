//! `Run`: wasmtime's own command/reactor policy, `Linker::module` then the default export.
//!
//! `Linker::module` classifies the module (`_start` ⇒ command, `_initialize` or neither ⇒
//! reactor, both ⇒ error). A command gets, for every exported function, a host function that
//! instantiates the module afresh and calls that export; a reactor is instantiated once, its
//! `_initialize` called, and its exports defined as they are. `get_default` then yields `""`,
//! else `_start`, else a no-op.
//! <https://github.com/bytecodealliance/wasmtime/blob/v48.0.0/crates/wasmtime/src/runtime/linker.rs#L766-L832>
//! <https://github.com/bytecodealliance/wasmtime/blob/v48.0.0/crates/wasmtime/src/runtime/linker.rs#L1518-L1548>
//! <https://github.com/bytecodealliance/wasmtime/blob/v48.0.0/crates/wasmtime/src/runtime/linker.rs#L1358-L1398>

use execmodel_contract::{Outcome, RejectStage};
use wasmtime::{Linker, Module, Store};

use crate::classify::{classify, Stage};
use crate::session::call_func;
use crate::values;
use crate::wasi::StoreState;

/// The module the name "" refers to in the linker after `Run`.
const MODULE_NAME: &str = "";

/// Runs the module; the budget must already be armed on `store`.
pub fn run(store: &mut Store<StoreState>, linker: &mut Linker<StoreState>, module: &Module) -> Outcome {
    if let Err(error) = linker.module(&mut *store, MODULE_NAME, module) {
        return classify(&error, Stage::Run);
    }
    let default = match linker.get_default(&mut *store, MODULE_NAME) {
        Ok(func) => func,
        Err(error) => return classify(&error, Stage::Run),
    };
    // A default export that cannot be called without arguments is a refusal of the policy.
    if let Err(message) = values::arguments("default export", &default.ty(&*store), &[]) {
        return Outcome::harness_reject(RejectStage::Run, message);
    }
    call_func(store, default, "default export", &[])
}

/// Whether `Linker::module` treats the module as a command (mirrors its classification).
pub fn is_command(module: &Module) -> bool {
    module.get_export("_start").is_some() && module.get_export("_initialize").is_none()
}

/// The entry points `Linker::module` called by itself: `_initialize` of a reactor, once its
/// instantiation got that far (a refusal before it, at link or instantiation, called nothing).
pub fn implicit_calls(module: &Module, outcome: &Outcome) -> Vec<String> {
    let reactor_initializes = module.get_export("_start").is_none()
        && matches!(module.get_export("_initialize"), Some(wasmtime::ExternType::Func(_)));
    let refused_first =
        matches!(outcome, Outcome::Rejected { stage: RejectStage::Link | RejectStage::Instantiate, .. });
    if reactor_initializes && !refused_first {
        vec!["_initialize".to_string()]
    } else {
        Vec::new()
    }
}
