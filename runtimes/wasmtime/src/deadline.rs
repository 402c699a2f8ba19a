//! The deadline: a thread advances the shared engine's epoch every tick, and every store arms
//! an epoch deadline before each step, so a guest looping without end traps with
//! `Trap::Interrupt` shortly after the deadline.

use std::time::Duration;

use wasmtime::Engine;

/// How often the epoch advances. The deadline is rounded up to whole ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Starts the thread that advances `engine`'s epoch; it lives as long as the process.
pub fn start_ticker(engine: Engine) -> Result<(), String> {
    std::thread::Builder::new()
        .name("execmodel-wasmtime-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            engine.increment_epoch();
        })
        .map(drop)
        .map_err(|e| format!("starting the epoch ticker thread: {e}"))
}

/// Epoch ticks that cover `deadline`: one extra because the current tick is already under way.
pub fn ticks_for(deadline: Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos();
    let whole = deadline.as_nanos().div_ceil(tick);
    u64::try_from(whole).unwrap_or(u64::MAX / 2).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_rounds_up_to_whole_ticks_plus_one() {
        assert_eq!(ticks_for(Duration::ZERO), 1);
        assert_eq!(ticks_for(Duration::from_millis(10)), 2);
        assert_eq!(ticks_for(Duration::from_millis(11)), 3);
        assert_eq!(ticks_for(Duration::from_secs(5)), 501);
    }
}
