//! The step budget: fuel. Every store starts each step with the fuel that stands for the step's
//! budget of CPU time at a fixed rate, so a guest looping without end traps with
//! `Trap::OutOfFuel` after the same amount of work on any machine and under any load (an epoch
//! deadline, which this replaced, counted elapsed time).

use std::time::Duration;

use execmodel_contract::{BudgetUnit, BudgetUse};
use wasmtime::Store;

/// Fuel that stands for one second of guest CPU time: about what wasmtime's fuel-checked code
/// burns per second on `loop br 0` on this project's 2-core machines (wasmtime charges one unit
/// per instruction, none for `nop`, `block`, `loop` and `end`). A fixed number, never measured
/// at run time, so that the budget is the same amount of work everywhere.
pub const FUEL_PER_SECOND: u64 = 1 << 30;

pub fn fuel_for(budget: Duration) -> u64 {
    BudgetUse::units_for(budget, FUEL_PER_SECOND)
}

/// Gives `store` a full budget for the step about to run.
pub fn arm<T>(store: &mut Store<T>, budget: Duration) {
    // Fails only on an engine without fuel, which `engine::shared` never builds.
    let _ = store.set_fuel(fuel_for(budget));
}

/// What the step spent since `arm`.
pub fn spent<T>(store: &Store<T>, budget: Duration) -> Option<BudgetUse> {
    let limit = fuel_for(budget);
    let left = store.get_fuel().ok()?;
    Some(BudgetUse::new(limit.saturating_sub(left), limit, BudgetUnit::Fuel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_a_fixed_amount_of_fuel() {
        assert_eq!(fuel_for(Duration::from_secs(1)), FUEL_PER_SECOND);
        assert_eq!(fuel_for(Duration::from_millis(500)), FUEL_PER_SECOND / 2);
        assert_eq!(fuel_for(Duration::ZERO), 1);
    }
}
