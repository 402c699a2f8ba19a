//! The process-wide wasmtime `Engine` and the thread that advances its epoch.
//!
//! Every store arms an epoch deadline before each step; the ticker turns wall-clock time into
//! epochs, so a guest looping without end traps with `Trap::Interrupt` shortly after the deadline.

use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::{Config, Engine, Linker};

use crate::wasi::{base_linker, StoreState};

/// How often the epoch advances. The deadline is rounded up to whole ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The shared engine; the first call starts the ticker thread, which lives as long as the process.
pub fn shared() -> Result<&'static Engine, String> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut config = Config::new();
            config.epoch_interruption(true);
            crate::compat::keep_backtraces(&mut config);
            let engine = Engine::new(&config).map_err(|e| format!("creating the wasmtime engine: {e:#}"))?;
            let ticking = engine.clone();
            std::thread::Builder::new()
                .name("execmodel-wasmtime-epoch".into())
                .spawn(move || loop {
                    std::thread::sleep(EPOCH_TICK);
                    ticking.increment_epoch();
                })
                .map_err(|e| format!("starting the epoch ticker thread: {e}"))?;
            Ok(engine)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The WASI preview1 linker for the shared engine, built once: it depends only on the engine,
/// and building it for every module was about a tenth of each compile (`bench lifecycle`).
pub fn shared_linker() -> Result<&'static Linker<StoreState>, String> {
    static LINKER: OnceLock<Result<Linker<StoreState>, String>> = OnceLock::new();
    LINKER.get_or_init(|| base_linker(shared()?)).as_ref().map_err(Clone::clone)
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
