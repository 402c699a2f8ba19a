//! The per-store state: a WASI preview1 context built from the step's `WasiConfig`, the captured
//! output streams and the memory limiter.

use execmodel_contract::{Limits, WasiConfig};
use wasmtime::{Engine, Linker, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::WasiCtxBuilder;

use crate::capture::Capture;
use crate::compat::{self, WasiP1Ctx};

pub struct StoreState {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

/// A store ready for one instance (or, under `Run`, for what the linker creates), with the
/// handles on its output.
pub struct PreparedStore {
    pub store: Store<StoreState>,
    pub stdout: Capture,
    pub stderr: Capture,
}

/// The WASI imports wasmtime-wasi offers for core modules, preview1 and snapshot 0
/// (`wasi_unstable`, which `wasmtime run` links too), added once per engine and cloned into every
/// session.
pub fn base_linker(engine: &Engine) -> Result<Linker<StoreState>, String> {
    let mut linker = Linker::new(engine);
    compat::add_p1_to_linker(&mut linker, |state: &mut StoreState| &mut state.wasi)
        .map_err(|e| format!("adding WASI preview1 to the linker: {e:#}"))?;
    compat::add_p0_to_linker(&mut linker, |state: &mut StoreState| &mut state.wasi)
        .map_err(|e| format!("adding WASI snapshot 0 to the linker: {e:#}"))?;
    Ok(linker)
}

/// Builds the store; fails only when the preopened host directory cannot be opened.
pub fn prepare_store(engine: &Engine, config: &WasiConfig, limits: &Limits) -> Result<PreparedStore, String> {
    let stdout = Capture::new(limits.output_bytes);
    let stderr = Capture::new(limits.output_bytes);
    let mut builder = WasiCtxBuilder::new();
    builder
        .args(&config.args)
        .envs(&config.env)
        .stdin(MemoryInputPipe::new(config.stdin.clone()))
        .stdout(stdout.clone())
        .stderr(stderr.clone());
    if let Some(preopen) = &config.preopen {
        compat::preopen_read_write(&mut builder, &preopen.host_path, &preopen.guest_path)
            .map_err(|e| format!("cannot preopen {} as {}: {e:#}", preopen.host_path.display(), preopen.guest_path))?;
    }
    let state = StoreState {
        wasi: builder.build_p1(),
        // Growth past the cap makes memory.grow return -1 (wasmtime's default for a refused
        // growth); an initial size past it fails instantiation.
        limits: StoreLimitsBuilder::new().memory_size(limits.memory_bytes).build(),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    Ok(PreparedStore { store, stdout, stderr })
}
