//! The step budget: fuel for guest code, and the same budget for the guest's sleeps.
//!
//! Every step that runs guest code starts with the fuel that stands for the step's budget of CPU
//! time at a fixed rate, `fuel_for(budget)`, and ends `trapped deadline` when the fuel runs out:
//! the same amount of work on any machine and under any load.
//!
//! A guest can also block in the host: `poll_oneoff` (libc `sleep`) sleeps in wasi-common's
//! scheduler without consuming fuel. `BudgetSched` wraps that scheduler and counts the time each
//! sleep asks for against the step's budget: a sleep that fits is slept, one that would outlast
//! what is left traps at once (the session sees the flag and reports `trapped deadline`). It
//! counts what the guest asked for, not the time that passed, so it too does not depend on load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use execmodel_contract::{BudgetUnit, BudgetUse};
use wasmi::Store;
use wasmi_wasi::wasi_common::sched::{Poll, WasiSched};
use wasmi_wasi::wasi_common::Error as WasiError;

/// Fuel that stands for one second of guest CPU time: about what wasmi 2.0 burns per second on
/// `loop br 0` in this project's test build (dependencies at opt-level 1) on its 2-core
/// machines (520 to 570 million, measured with
/// `cargo test -p execmodel-wasmi --test limits -- --ignored --nocapture measure_fuel_per_second`).
/// A fixed number, never measured at run time, so the budget is the same work everywhere.
pub const FUEL_PER_SECOND: u64 = 500_000_000;

pub fn fuel_for(budget: Duration) -> u64 {
    BudgetUse::units_for(budget, FUEL_PER_SECOND)
}

/// Gives `store` a full budget for the guest code about to run.
pub fn arm<T>(store: &mut Store<T>, budget: Duration) -> Result<(), wasmi::Error> {
    store.set_fuel(fuel_for(budget))
}

/// What the guest code spent since `arm`.
pub fn spent<T>(store: &Store<T>, budget: Duration) -> Option<BudgetUse> {
    let limit = fuel_for(budget);
    let left = store.get_fuel().ok()?;
    Some(BudgetUse::new(limit.saturating_sub(left), limit, BudgetUnit::Fuel))
}

#[derive(Debug, Default)]
struct SleepState {
    left: Mutex<Option<Duration>>,
    spent_in_host: AtomicBool,
}

/// The sleeping time left in the current step, shared by the session and the WASI scheduler of
/// its store.
#[derive(Debug, Clone, Default)]
pub struct SleepBudget(Arc<SleepState>);

impl SleepBudget {
    /// Starts a step whose sleeps may add up to `budget`.
    pub fn arm(&self, budget: Duration) {
        *self.lock() = Some(budget);
        self.0.spent_in_host.store(false, Ordering::SeqCst);
    }

    /// Whether the step ended because a sleep asked for more than the budget left.
    pub fn spent_in_host(&self) -> bool {
        self.0.spent_in_host.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Duration>> {
        self.0.left.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes `wait` out of the budget, or, when it does not fit, the trap that ends the step.
    fn take(&self, wait: Duration) -> Result<(), WasiError> {
        let mut left = self.lock();
        match *left {
            Some(remaining) if wait > remaining => {
                self.0.spent_in_host.store(true, Ordering::SeqCst);
                Err(WasiError::trap(anyhow::anyhow!(
                    "the guest asked to sleep {wait:?}, more than the {remaining:?} left of the step's budget"
                )))
            }
            Some(remaining) => {
                *left = Some(remaining - wait);
                Ok(())
            }
            None => Ok(()),
        }
    }
}

/// wasi-common's scheduler, with every wait counted against the step's budget.
pub struct BudgetSched {
    inner: Box<dyn WasiSched>,
    sleeps: SleepBudget,
}

impl BudgetSched {
    pub fn new(inner: Box<dyn WasiSched>, sleeps: SleepBudget) -> Self {
        BudgetSched { inner, sleeps }
    }
}

#[wiggle::async_trait]
impl WasiSched for BudgetSched {
    async fn poll_oneoff<'a>(&self, poll: &mut Poll<'a>) -> Result<(), WasiError> {
        if let Some(clock) = poll.earliest_clock_deadline() {
            self.sleeps.take(clock.duration_until().unwrap_or(Duration::ZERO))?;
        }
        self.inner.poll_oneoff(poll).await
    }

    async fn sched_yield(&self) -> Result<(), WasiError> {
        self.inner.sched_yield().await
    }

    async fn sleep(&self, duration: Duration) -> Result<(), WasiError> {
        self.sleeps.take(duration)?;
        self.inner.sleep(duration).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_are_taken_out_of_the_budget_until_one_does_not_fit() {
        let sleeps = SleepBudget::default();
        sleeps.arm(Duration::from_millis(300));
        assert!(sleeps.take(Duration::from_millis(200)).is_ok());
        assert!(sleeps.take(Duration::from_millis(100)).is_ok());
        assert!(!sleeps.spent_in_host());
        assert!(sleeps.take(Duration::from_millis(1)).is_err());
        assert!(sleeps.spent_in_host());
        sleeps.arm(Duration::from_millis(300));
        assert!(!sleeps.spent_in_host(), "a new step starts afresh");
    }
}
