//! The step budget, counted by wasmer's metering middleware.
//!
//! wasmer 7.4 has no stable interruption (`Store::interrupter` sits behind the
//! `experimental-host-interrupt` feature and a SIGUSR1 handler), and an interruption would count
//! elapsed time anyway; the budget is metering points: every operator costs one point, operators
//! that call into the runtime more (`cost`), bulk operations more with their length
//! (`bulk_metering`), and a step's budget of CPU time stands for a fixed number of them,
//! `POINTS_PER_SECOND`. A fixed number, never measured at run time, so that a step may do the
//! same work on any machine and under any load (the rate used to be measured per process, which a
//! busy machine lowered, and so the budget with it). Time spent inside host calls is not counted.
//!
//! The middleware marks exhaustion in a global and then executes `unreachable`; the trap is told
//! apart from a guest `unreachable` by that global, or, when wasmer did not hand back the
//! instance, by the opcode at the trapping offset.

use std::sync::Arc;
use std::time::Duration;

use execmodel_contract::{BudgetUnit, BudgetUse};

use crate::bulk_metering::BulkMetering;

use wasmer::sys::wasmparser::Operator;
use wasmer::sys::{CompilerConfig, Cranelift};
use wasmer::{AsStoreMut, Engine, Instance, RuntimeError};
use wasmer_middlewares::metering::{self, MeteringPoints};
use wasmer_middlewares::Metering;

/// Metering points that stand for one second of guest CPU time: about what a `loop br 0` spends
/// per second on this project's 2-core machines (measured between 1.2e9 and 4.3e9 on two of
/// them), as a power of two.
pub const POINTS_PER_SECOND: u64 = 1 << 31;

/// The metering budget of one step.
pub fn points_for(budget: Duration) -> u64 {
    BudgetUse::units_for(budget, POINTS_PER_SECOND)
}

/// What `cost` and `BulkMetering` charge, for the module cache key: change it whenever either
/// changes, or modules compiled under the old prices would be loaded.
pub const METERING_SCHEME: &str =
    "wasmer-middlewares metering; runtime calls priced 16/32/64; bulk length by BulkMetering, 32 bytes a point";

/// Points per operator, in `loop br 0` iterations. An operator wasmer carries out by calling
/// into the runtime costs more than a branch; priced at one point, a loop over `data.drop` held
/// a 200 ms step for 3–4 s. Measured here, a `loop` over each against one over `nop`
/// (`execmodel probe LOOP.wasm --runtime wasmer --deadline 200`, 2 cores): the drops, the grows,
/// `memory.copy` and `memory.init` 20–37 branches; `memory.fill` from next to nothing (a short
/// constant length is inlined) to ~150 (a zero length takes a slow path), priced between;
/// `memory.size` and the table accessors 6–16.
fn cost(operator: &Operator) -> u64 {
    match operator {
        Operator::MemoryFill { .. } => 64,
        Operator::MemoryCopy { .. }
        | Operator::DataDrop { .. }
        | Operator::ElemDrop { .. }
        | Operator::MemoryGrow { .. }
        | Operator::MemoryInit { .. }
        | Operator::TableGrow { .. }
        | Operator::TableFill { .. }
        | Operator::TableCopy { .. }
        | Operator::TableInit { .. } => 32,
        Operator::MemorySize { .. }
        | Operator::TableGet { .. }
        | Operator::TableSet { .. }
        | Operator::TableSize { .. } => 16,
        _ => 1,
    }
}

/// A fresh engine whose modules start with `budget` points. A `Metering` middleware records the
/// globals of the one module it instruments, so every compile needs its own engine.
pub fn metered_engine(budget: u64) -> Engine {
    let mut compiler = Cranelift::new();
    compiler.push_middleware(Arc::new(Metering::new(budget, cost)));
    compiler.push_middleware(Arc::new(BulkMetering::default()));
    Engine::from(compiler)
}

/// Give the instance a full budget before a step runs guest code.
pub fn refill(store: &mut impl AsStoreMut, instance: &Instance, budget: u64) {
    metering::set_remaining_points(store, instance, budget);
}

pub fn exhausted(store: &mut impl AsStoreMut, instance: &Instance) -> bool {
    matches!(metering::get_remaining_points(store, instance), MeteringPoints::Exhausted)
}

/// What the instance spent of `points` since it was given them.
pub fn spent(store: &mut impl AsStoreMut, instance: &Instance, points: u64) -> BudgetUse {
    let left = match metering::get_remaining_points(store, instance) {
        MeteringPoints::Remaining(left) => left,
        MeteringPoints::Exhausted => 0,
    };
    BudgetUse::new(points.saturating_sub(left), points, BudgetUnit::MeteringPoints)
}

/// Without the instance: a guest `unreachable` traps on its own opcode (0x00); the middleware's
/// injected one is attributed to the branch or call it guards.
pub fn trapped_on_injected_unreachable(error: &RuntimeError, wasm: &[u8]) -> bool {
    match error.trace().first() {
        Some(frame) => wasm.get(frame.module_offset()).is_some_and(|&opcode| opcode != 0x00),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_a_fixed_number_of_points() {
        assert_eq!(points_for(Duration::from_secs(1)), POINTS_PER_SECOND);
        assert_eq!(points_for(Duration::from_millis(250)), POINTS_PER_SECOND / 4);
    }
}
