//! The per-step deadline, enforced with wasmer's metering middleware.
//!
//! wasmer 7.4 has no stable wall-clock interruption (`Store::interrupter` sits behind the
//! `experimental-host-interrupt` feature and a SIGUSR1 handler), so the deadline is a budget of
//! metering points: every operator costs one point, and the budget is the deadline times the
//! rate at which a `loop br 0` spends points on this project's machine. Time spent inside host
//! calls is not counted.
//!
//! The middleware marks exhaustion in a global and then executes `unreachable`; the trap is told
//! apart from a guest `unreachable` by that global, or, when wasmer did not hand back the
//! instance, by the opcode at the trapping offset.

use std::sync::Arc;
use std::time::Duration;

use wasmer::sys::wasmparser::Operator;
use wasmer::sys::{CompilerConfig, Cranelift};
use wasmer::{AsStoreMut, Engine, Instance, RuntimeError};
use wasmer_middlewares::metering::{self, MeteringPoints};
use wasmer_middlewares::Metering;

/// Metering points a `loop br 0` spends per second on the project machine (4.3e9 measured by the
/// ignored test `measure_metering_rate`); slower operators make a step end before its deadline.
const POINTS_PER_SECOND: f64 = 4.0e9;

/// The metering budget for one step under `deadline`.
pub fn budget(deadline: Duration) -> u64 {
    ((deadline.as_secs_f64() * POINTS_PER_SECOND) as u64).max(1)
}

/// What `cost` charges, for the module cache key: change it whenever `cost` changes, or modules
/// compiled under the old cost would be loaded.
pub const METERING_SCHEME: &str = "wasmer-middlewares metering, 1 point per operator";

fn cost(_operator: &Operator) -> u64 {
    1
}

/// A fresh engine whose modules start with `budget` points. A `Metering` middleware records the
/// globals of the one module it instruments, so every compile needs its own engine.
pub fn metered_engine(budget: u64) -> Engine {
    let mut compiler = Cranelift::new();
    compiler.push_middleware(Arc::new(Metering::new(budget, cost)));
    Engine::from(compiler)
}

/// Give the instance a full budget before a step runs guest code.
pub fn refill(store: &mut impl AsStoreMut, instance: &Instance, budget: u64) {
    metering::set_remaining_points(store, instance, budget);
}

pub fn exhausted(store: &mut impl AsStoreMut, instance: &Instance) -> bool {
    matches!(metering::get_remaining_points(store, instance), MeteringPoints::Exhausted)
}

/// Without the instance: a guest `unreachable` traps on its own opcode (0x00); the middleware's
/// injected one is attributed to the branch or call it guards.
pub fn trapped_on_injected_unreachable(error: &RuntimeError, wasm: &[u8]) -> bool {
    match error.trace().first() {
        Some(frame) => wasm.get(frame.module_offset()).is_some_and(|&opcode| opcode != 0x00),
        None => false,
    }
}
