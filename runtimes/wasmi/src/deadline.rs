//! The step deadline: fuel for guest code, a bounded scheduler for guest sleeps.
//!
//! wasmi has no wall-clock interruption (no epochs). Guest code is bounded by fuel: a `Call` runs
//! as a resumable call that gets `FUEL_SLICE` fuel at a time and is resumed only while the step's
//! wall-clock budget lasts (`session.rs`). A `start` section runs inside instantiation, which
//! cannot be resumed, so it gets one fixed budget, `fuel_for(deadline)`, from a measured rate.
//!
//! A guest can also block in the host: `poll_oneoff` (libc `sleep`) sleeps in wasi-common's
//! scheduler without consuming fuel. `DeadlineSched` wraps that scheduler: a sleep that would
//! outlast the step sleeps only until the deadline, then traps; the session sees the flag and
//! reports the step as `Trapped{Deadline}`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmi_wasi::wasi_common::sched::{Poll, WasiSched};
use wasmi_wasi::wasi_common::Error as WasiError;

/// Fuel wasmi 2.0 burns per second on `loop br 0` in this project's test build (dependencies at
/// opt-level 1), measured on the 2-core development machine: 520 to 570 million with nothing else
/// running, rounded down. A loaded machine burns it more slowly, so a spinning `start` section
/// may outlast the deadline somewhat. Remeasure with
/// `cargo test -p execmodel-wasmi --test limits -- --ignored --nocapture measure_fuel_per_second`.
/// Used only for `start` sections; calls are bounded by the wall clock.
pub const FUEL_PER_SECOND: u64 = 500_000_000;

/// Fuel between two wall-clock checks of a call: a few milliseconds of guest code.
pub const FUEL_SLICE: u64 = FUEL_PER_SECOND / 200;

/// The fixed fuel budget for guest code that cannot be resumed (a `start` section).
pub fn fuel_for(deadline: Duration) -> u64 {
    let fuel = deadline.as_secs_f64() * FUEL_PER_SECOND as f64;
    (fuel as u64).max(1)
}

#[derive(Debug, Default)]
struct ClockState {
    deadline: Mutex<Option<Instant>>,
    expired_in_host: AtomicBool,
}

/// The current step's deadline, shared by the session and the WASI scheduler of its store.
#[derive(Debug, Clone, Default)]
pub struct StepClock(Arc<ClockState>);

impl StepClock {
    /// Starts a step that may run for `budget`.
    pub fn arm(&self, budget: Duration) {
        *self.lock() = Some(Instant::now() + budget);
        self.0.expired_in_host.store(false, Ordering::SeqCst);
    }

    /// Time left in the current step; `None` when no step is armed.
    pub fn remaining(&self) -> Option<Duration> {
        self.lock().map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    pub fn expired(&self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// Whether the step ended because a host call (a sleep) reached the deadline.
    pub fn expired_in_host(&self) -> bool {
        self.0.expired_in_host.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.0.deadline.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sleeps out the rest of the step and returns the trap that ends it.
    fn expire_in_host(&self, remaining: Duration) -> WasiError {
        std::thread::sleep(remaining);
        self.0.expired_in_host.store(true, Ordering::SeqCst);
        WasiError::trap(anyhow::anyhow!("the step deadline passed while the guest was sleeping"))
    }
}

/// wasi-common's scheduler, with every wait cut at the step deadline.
pub struct DeadlineSched {
    inner: Box<dyn WasiSched>,
    clock: StepClock,
}

impl DeadlineSched {
    pub fn new(inner: Box<dyn WasiSched>, clock: StepClock) -> Self {
        DeadlineSched { inner, clock }
    }

    /// `Some(remaining)` when waiting `wait` would outlast the step.
    fn cut(&self, wait: Duration) -> Option<Duration> {
        self.clock.remaining().filter(|remaining| wait > *remaining)
    }
}

#[wiggle::async_trait]
impl WasiSched for DeadlineSched {
    async fn poll_oneoff<'a>(&self, poll: &mut Poll<'a>) -> Result<(), WasiError> {
        let wait = poll.earliest_clock_deadline().map(|clock| clock.duration_until().unwrap_or(Duration::ZERO));
        if let Some(remaining) = wait.and_then(|wait| self.cut(wait)) {
            return Err(self.clock.expire_in_host(remaining));
        }
        self.inner.poll_oneoff(poll).await
    }

    async fn sched_yield(&self) -> Result<(), WasiError> {
        self.inner.sched_yield().await
    }

    async fn sleep(&self, duration: Duration) -> Result<(), WasiError> {
        if let Some(remaining) = self.cut(duration) {
            return Err(self.clock.expire_in_host(remaining));
        }
        self.inner.sleep(duration).await
    }
}
