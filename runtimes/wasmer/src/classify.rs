//! wasmer and wasmer-wasix errors as typed outcomes.

use execmodel_contract::{Outcome, RejectStage, TrapKind};
use wasmer::{InstantiationError, LinkError, RuntimeError};
use wasmer::sys::vm::TrapCode;
use wasmer_wasix::{WasiError, WasiRuntimeError, WasiThreadError};

/// Whether a trap came from the metering middleware (the step's deadline) rather than the guest.
/// Asked only for `unreachable` traps, the one the middleware raises.
pub trait DeadlineProbe {
    fn deadline_hit(&mut self, error: &RuntimeError) -> bool;
}

impl<F: FnMut(&RuntimeError) -> bool> DeadlineProbe for F {
    fn deadline_hit(&mut self, error: &RuntimeError) -> bool {
        self(error)
    }
}

/// An error out of guest code: `proc_exit`, a trap, or a host function's error.
pub fn guest_error(error: &RuntimeError, probe: &mut dyn DeadlineProbe) -> Outcome {
    if let Some(wasi) = error.downcast_ref::<WasiError>() {
        return match wasi {
            // wasix keeps `code % 256` of the i32 in a u16, so 256 ⇒ 0, 1000 ⇒ 232, -1 ⇒ 65535:
            // https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasi-types/src/wasi/wasix_manual.rs#L322-L326
            WasiError::Exit(code) => Outcome::Exited(i64::from(code.raw())),
            other => Outcome::trap(TrapKind::Other, other.to_string()),
        };
    }
    match error.clone().to_trap() {
        Some(TrapCode::UnreachableCodeReached) if probe.deadline_hit(error) => Outcome::trap(
            TrapKind::Deadline,
            "the step's deadline passed: the metering budget is exhausted",
        ),
        Some(code) => Outcome::trap(trap_kind(code), error.message()),
        None => Outcome::trap(TrapKind::Other, error.message()),
    }
}

fn trap_kind(code: TrapCode) -> TrapKind {
    match code {
        TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
        TrapCode::HeapAccessOutOfBounds | TrapCode::TableAccessOutOfBounds => TrapKind::OutOfBounds,
        TrapCode::StackOverflow => TrapKind::StackOverflow,
        TrapCode::HostInterrupt => TrapKind::Deadline,
        _ => TrapKind::Other,
    }
}

/// A failure of `WasiEnvBuilder::instantiate`, which also runs the start section and
/// `_initialize`.
pub fn instantiate_error(error: &WasiRuntimeError, probe: &mut dyn DeadlineProbe) -> Outcome {
    match error {
        WasiRuntimeError::Thread(WasiThreadError::InstanceCreateFailed(error)) => {
            instantiation_error(error, probe)
        }
        WasiRuntimeError::Instantiation(error) => instantiation_error(error, probe),
        WasiRuntimeError::Thread(WasiThreadError::InitFailed(error)) => match error.downcast_ref::<RuntimeError>() {
            Some(error) => guest_error(error, probe),
            None => Outcome::trap(TrapKind::Other, format!("_initialize failed: {error}")),
        },
        WasiRuntimeError::Runtime(error) => guest_error(error, probe),
        other => Outcome::reject(RejectStage::Instantiate, other.to_string()),
    }
}

fn instantiation_error(error: &InstantiationError, probe: &mut dyn DeadlineProbe) -> Outcome {
    match error {
        InstantiationError::Link(LinkError::Import(..)) => Outcome::reject(RejectStage::Link, error.to_string()),
        InstantiationError::Link(LinkError::Trap(error)) | InstantiationError::Start(error) => {
            guest_error(error, probe)
        }
        other => Outcome::reject(RejectStage::Instantiate, other.to_string()),
    }
}
