//! wasmer and wasmer-wasix errors as typed outcomes.

use execmodel_contract::{Outcome, RejectStage, TrapKind};
use wasmer::sys::vm::TrapCode;
use wasmer::{InstantiationError, LinkError, RuntimeError};
use wasmer_wasix::{WasiError, WasiRuntimeError, WasiThreadError};

/// Whether a trap came from the metering middleware (the step's budget) rather than the guest.
/// Asked only for `unreachable` traps, the one the middleware raises.
pub trait DeadlineProbe {
    fn deadline_hit(&mut self, error: &RuntimeError) -> bool;
}

impl<F: FnMut(&RuntimeError) -> bool> DeadlineProbe for F {
    fn deadline_hit(&mut self, error: &RuntimeError) -> bool {
        self(error)
    }
}

/// What an embedder of wasmer sees, plus what the guest asked for when that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub outcome: Outcome,
    /// The guest's `proc_exit` code when wasmer reported something else.
    pub requested_exit: Option<i64>,
    pub surfaced: Option<String>,
}

impl From<Outcome> for Classified {
    fn from(outcome: Outcome) -> Self {
        Classified { outcome, requested_exit: None, surfaced: None }
    }
}

/// An error out of guest code: `proc_exit`, a trap, or a host function's error.
pub fn guest_error(error: &RuntimeError, probe: &mut dyn DeadlineProbe) -> Outcome {
    if let Some(wasi) = error.downcast_ref::<WasiError>() {
        return match wasi {
            // wasix keeps `code % 256` of the i32 in a u16, so 256 ⇒ 0, 1000 ⇒ 232, -1 ⇒ 65535:
            // https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasi-types/src/wasi/wasix_manual.rs#L322-L326
            WasiError::Exit(code) => Outcome::Exited(i64::from(code.raw())),
            other => Outcome::host_error(other.to_string()),
        };
    }
    match error.clone().to_trap() {
        Some(TrapCode::UnreachableCodeReached) if probe.deadline_hit(error) => Outcome::harness_trap(
            TrapKind::Deadline,
            "the step spent its budget (the harness's): wasmer's metering points ran out",
        ),
        Some(code) => Outcome::trap(trap_kind(code), error.message()),
        // No trap code: a host function returned an error (e.g. wasmer's own check of a host
        // call's signature), which is not the guest trapping.
        None => Outcome::host_error(error.message()),
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
///
/// `_initialize` failing is reported by wasmer-wasix as `WasiThreadError::InitFailed`, after it
/// set the process's exit status to ENOEXEC (45), and `WasiRuntimeError::as_exit_code` gives
/// nothing for it: a `proc_exit(N)` there is an initialisation failure to an embedder, not an
/// exit, so it is a host error here with `N` kept as the guest's request. A trap there is still
/// the guest trapping, found in the same error chain.
/// <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/env.rs#L633-L644>
/// <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/lib.rs#L296-L308>
pub fn instantiate_error(error: &WasiRuntimeError, probe: &mut dyn DeadlineProbe) -> Classified {
    match error {
        WasiRuntimeError::Thread(WasiThreadError::InstanceCreateFailed(error)) => {
            instantiation_error(error, probe).into()
        }
        WasiRuntimeError::Instantiation(error) => instantiation_error(error, probe).into(),
        WasiRuntimeError::Thread(WasiThreadError::InitFailed(cause)) => match cause.downcast_ref::<RuntimeError>() {
            Some(inner) => match guest_error(inner, probe) {
                Outcome::Exited(code) => Classified {
                    outcome: Outcome::host_error(error.to_string()),
                    requested_exit: Some(code),
                    surfaced: Some(
                        "WasiThreadError::InitFailed from WasiEnvBuilder::instantiate; wasmer set the exit status to ENOEXEC (45) and as_exit_code() is None"
                            .to_string(),
                    ),
                },
                outcome => Classified {
                    outcome,
                    requested_exit: None,
                    surfaced: Some("inside WasiThreadError::InitFailed from WasiEnvBuilder::instantiate".to_string()),
                },
            },
            None => Outcome::host_error(error.to_string()).into(),
        },
        WasiRuntimeError::Runtime(error) => guest_error(error, probe).into(),
        other => Outcome::reject(RejectStage::Instantiate, other.to_string()).into(),
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
