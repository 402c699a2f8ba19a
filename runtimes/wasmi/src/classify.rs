//! Turning a wasmi error into an `Outcome`.
//!
//! `proc_exit` reaches the embedder as wasmi's `ErrorKind::I32ExitStatus` (wasmi_wasi maps
//! wasi-common's `I32Exit` to `Error::i32_exit`), but only for statuses below 126: wasi-common
//! 36 turns `proc_exit(n)` with `n as u32 >= 126` into a plain error, "exit with invalid exit
//! status outside of [0..126)", which is a host error here
//! (<https://github.com/bytecodealliance/wasmtime/blob/v36.0.20/crates/wasi-common/src/snapshots/preview_1.rs#L1128-L1139>).
//! Any other failing host call also arrives as a plain message — notably every WASI call of a
//! module without a `memory` export, which wasmi_wasi looks up before each call
//! (<https://github.com/wasmi-labs/wasmi/blob/v2.0.0/crates/wasi/src/sync/snapshots/preview_1.rs#L92-L104>).
//! Wasm traps carry a `TrapCode`.
//!
//! The refused status itself is not reported (`requested_exit` stays null), because it cannot be
//! seen without changing what the runtime does: it exists only as the argument of wasmi_wasi's
//! `proc_exit`, and a host function put in front of it could only call it without a calling
//! instance, where that same memory lookup fails. (wasmer's adapter can, see its `ExitWitness`.)

use execmodel_contract::{Outcome, RejectStage, TrapKind};
use wasmi::errors::ErrorKind;
use wasmi::TrapCode;

use crate::budget::SleepBudget;

/// A failure of `Linker::instantiate_and_start`: before guest code ran (link or instantiate
/// rejection) or while the `start` section ran (exit or trap).
pub fn instantiation_failure(error: &wasmi::Error, sleeps: &SleepBudget) -> Outcome {
    let message = error.to_string();
    if let Some(code) = error.i32_exit_status() {
        return Outcome::Exited(i64::from(code));
    }
    if let Some(spent) = budget_spent(error, sleeps) {
        return spent;
    }
    match error.kind() {
        ErrorKind::TrapCode(code) => Outcome::trap(trap_kind(*code), message),
        ErrorKind::Message(_) | ErrorKind::Host(_) => Outcome::host_error(message),
        ErrorKind::Linker(_) => Outcome::reject(RejectStage::Link, message),
        // The linker resolves imports by name only; a definition of the wrong type is found
        // by instantiation. Either way the import cannot be satisfied.
        ErrorKind::Instantiation(error) if crate::compat::is_import_mismatch(error) => {
            Outcome::reject(RejectStage::Link, message)
        }
        // Memory over the cap, a data or element segment out of bounds, …
        _ => Outcome::reject(RejectStage::Instantiate, message),
    }
}

/// A failure while an export ran.
pub fn guest_failure(error: &wasmi::Error, sleeps: &SleepBudget) -> Outcome {
    let message = error.to_string();
    if let Some(code) = error.i32_exit_status() {
        return Outcome::Exited(i64::from(code));
    }
    if let Some(spent) = budget_spent(error, sleeps) {
        return spent;
    }
    match error.as_trap_code() {
        Some(code) => Outcome::trap(trap_kind(code), message),
        // A host function's error (a WASI call wasi-common refuses), not a wasm trap.
        None => Outcome::host_error(message),
    }
}

/// The harness's budget ended the step: the fuel ran out, or a sleep did not fit.
fn budget_spent(error: &wasmi::Error, sleeps: &SleepBudget) -> Option<Outcome> {
    let spent = sleeps.spent_in_host() || error.as_trap_code() == Some(TrapCode::OutOfFuel);
    spent.then(|| {
        Outcome::harness_trap(TrapKind::Deadline, format!("the step spent its budget (the harness's): {error}"))
    })
}

pub fn trap_kind(code: TrapCode) -> TrapKind {
    match code {
        TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
        TrapCode::MemoryOutOfBounds | TrapCode::TableOutOfBounds => TrapKind::OutOfBounds,
        TrapCode::StackOverflow => TrapKind::StackOverflow,
        TrapCode::OutOfFuel => TrapKind::Deadline,
        _ => TrapKind::Other,
    }
}
