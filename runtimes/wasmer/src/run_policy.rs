//! `Run`: what wasmer-wasix's own runner (`runners::wasi::WasiRunner::run_wasm`) does with a
//! module, replayed on this session's instance so that later steps can act on it.
//!
//! The runner builds the `WasiEnv` and hands the module to `bin_factory::spawn_exec_module`,
//! which instantiates it on a pool thread with `call_initialize = true` (so `_initialize` runs
//! during instantiation, exactly as in `WasiEnvBuilder::instantiate`), and then `run_exec`:
//! 1. calls `_initialize` again if the module exports it;
//! 2. bootstraps journals (none here);
//! 3. calls `_start`, or, without one, ends the process with ENOEXEC (exit code 45).
//!
//! Before all that, a module importing a non-shared memory is given a shared one, which wasmer
//! refuses (see `WasmerSession::runner_memory_refusal`): the replay makes that memory too.
//!
//! Differences, all outside guest-visible behaviour: the runner runs on its own thread and
//! store, calls `_start` through wasix's context-switching wrapper, and tears the environment
//! down when `_start` returns; here the instance stays live for later steps.
//! Sources (wasmer 7.4.2 / wasmer-wasix 0.704.2, commit 7a48a071):
//! - the runner hands over: <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/runners/wasi.rs#L416-L417>
//! - instantiation with `call_initialize = true`: <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/bin_factory/exec.rs#L144>
//!   and the call itself: <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/env.rs#L633-L644>
//! - the second `_initialize`: <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/bin_factory/exec.rs#L191-L213>
//! - no `_start` ⇒ ENOEXEC: <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/bin_factory/exec.rs#L295-L303>

use execmodel_contract::{Outcome, RejectStage, WasiConfig};

use crate::session::WasmerSession;

/// Every call the runner makes is listed as the runtime's own (`implicit_calls`), and the step
/// says it was replayed: the runner's code did not run, its sequence did.
pub fn run(session: &mut WasmerSession, config: &WasiConfig) -> Outcome {
    session.note_surfaced(REPLAYED);
    if let Some(refused) = session.runner_memory_refusal(config) {
        return refused;
    }
    let instantiated = session.instantiate(config);
    if instantiated != Outcome::returned_nothing() {
        return instantiated;
    }
    let initializes = session.exports_function("_initialize");
    if initializes {
        session.note_implicit_call("_initialize");
        let initialized = session.call("_initialize", &[]);
        if initialized != Outcome::returned_nothing() {
            return initialized;
        }
    }
    if !session.exports_function("_start") {
        let after = if initializes { ", after calling `_initialize` twice" } else { "" };
        return Outcome::harness_reject(
            RejectStage::Run,
            format!(
                "missing _start: wasmer's WASI runner ends a module without `_start` with ENOEXEC \
                 (exit code 45){after}"
            ),
        );
    }
    session.note_implicit_call("_start");
    session.call("_start", &[])
}

const REPLAYED: &str = "replayed by the adapter: WasiRunner::run_wasm's sequence on an instance the adapter keeps";
