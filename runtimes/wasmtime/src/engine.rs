//! The process-wide wasmtime `Engine`, with fuel on (the step budget, `budget.rs`), and the
//! WASI linker built for it.

use std::sync::OnceLock;

use wasmtime::{Config, Engine, Linker};

use crate::wasi::{base_linker, StoreState};

/// The shared engine.
pub fn shared() -> Result<&'static Engine, String> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut config = Config::new();
            config.consume_fuel(true);
            crate::compat::keep_backtraces(&mut config);
            let engine = Engine::new(&config).map_err(|e| format!("creating the wasmtime engine: {e:#}"))?;
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
