//! Turning a wasmtime error into an `Outcome`.
//!
//! Order matters: an exit or a trap is what the guest did; an error carrying a `WasmBacktrace`
//! but no trap was raised by a host function while guest code was on the stack (e.g. `proc_exit`
//! with a status wasmtime-wasi refuses): a host error, not a trap; anything else happened before
//! guest code ran.

use execmodel_contract::{Outcome, RejectStage, TrapKind};
use wasmtime::{Trap, UnknownImportError, WasmBacktrace};
use wasmtime_wasi::I32Exit;

/// Which step produced the error; decides how a failure before guest code is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Instantiate,
    Run,
    Call,
}

/// Texts of wasmtime 48's own command/reactor policy errors (`Linker::module` and
/// `Linker::get_default`), see
/// <https://github.com/bytecodealliance/wasmtime/blob/v48.0.0/crates/wasmtime/src/runtime/linker.rs>.
const RUN_POLICY_ERRORS: [&str; 6] = [
    "Program cannot be both a Command and a Reactor",
    "`_start` must be a function",
    "`_initialize` must be a function",
    "command export '",
    "calling the Reactor initialization function",
    "is not a function",
];

pub fn classify(error: &wasmtime::Error, stage: Stage) -> Outcome {
    let message = describe(error);
    // wasmtime-wasi 48 raises `I32Exit` only for statuses below 126; larger ones (and negative
    // ones, read as u32) become a plain error without the code, which lands below as a host
    // error: <https://github.com/bytecodealliance/wasmtime/blob/v48.0.0/crates/wasi/src/p1.rs#L2607-L2617>
    // The refused code is not reported as `requested_exit`: it is only the argument of
    // wasmtime-wasi's `proc_exit`, and a function shadowing it in the linker could only call it
    // through `Func::call`, without the calling instance whose `memory` export wiggle's glue
    // looks up first, so the shadow would change what wasmtime does.
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return Outcome::Exited(i64::from(exit.0));
    }
    let guest_was_running = error.downcast_ref::<WasmBacktrace>().is_some();
    if let Some(trap) = error.downcast_ref::<Trap>() {
        // A trap with no wasm frame is instantiation failing (e.g. a data segment out of
        // bounds), not guest code trapping.
        if *trap == Trap::OutOfFuel {
            return Outcome::harness_trap(
                TrapKind::Deadline,
                format!("the step spent its fuel budget (the harness's): {message}"),
            );
        }
        if guest_was_running {
            return Outcome::trap(trap_kind(*trap), message);
        }
        return Outcome::reject(RejectStage::Instantiate, message);
    }
    if is_link_error(error, &message) {
        return Outcome::reject(RejectStage::Link, message);
    }
    if guest_was_running {
        return Outcome::host_error(message);
    }
    if stage == Stage::Run && RUN_POLICY_ERRORS.iter().any(|text| message.contains(text)) {
        return Outcome::reject(RejectStage::Run, message);
    }
    // Under `Run`, a command's export call instantiates afresh, so a call step can fail here too.
    Outcome::reject(RejectStage::Instantiate, message)
}

/// The error chain, most specific cause last, with wasmtime's wasm backtrace moved after it so
/// the message's first line says what happened.
fn describe(error: &wasmtime::Error) -> String {
    let Some(backtrace) = error.downcast_ref::<WasmBacktrace>() else {
        return format!("{error:#}");
    };
    let backtrace = backtrace.to_string();
    let causes: Vec<String> = error.chain().map(ToString::to_string).filter(|text| *text != backtrace).collect();
    format!("{}\n{backtrace}", causes.join(": "))
}

fn is_link_error(error: &wasmtime::Error, message: &str) -> bool {
    error.downcast_ref::<UnknownImportError>().is_some() || message.contains("incompatible import type")
}

pub fn trap_kind(trap: Trap) -> TrapKind {
    match trap {
        Trap::UnreachableCodeReached => TrapKind::Unreachable,
        Trap::MemoryOutOfBounds | Trap::TableOutOfBounds => TrapKind::OutOfBounds,
        Trap::StackOverflow => TrapKind::StackOverflow,
        Trap::Interrupt | Trap::OutOfFuel => TrapKind::Deadline,
        _ => TrapKind::Other,
    }
}
