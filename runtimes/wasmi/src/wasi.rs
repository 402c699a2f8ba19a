//! One store per instance: the WASI context built from a `WasiConfig`, its captured output, the
//! memory cap and the sleeps' share of the step budget.

use execmodel_contract::{Limits, WasiConfig};
use wasmi::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmi_wasi::wasi_common::pipe::ReadPipe;
use wasmi_wasi::wasi_common::sync::{self, ambient_authority, Dir};
use wasmi_wasi::wasi_common::{Table, WasiCtx};

use crate::budget::{BudgetSched, SleepBudget};
use crate::capture::Capture;

/// What the store holds for host functions: the WASI context and the resource limiter.
pub struct HostState {
    pub wasi: WasiCtx,
    limits: StoreLimits,
}

/// A store ready for instantiation, with the host's handles on its output and its sleeps.
pub struct PreparedStore {
    pub store: Store<HostState>,
    pub stdout: Capture,
    pub stderr: Capture,
    pub sleeps: SleepBudget,
}

impl PreparedStore {
    pub fn new(engine: &Engine, config: &WasiConfig, limits: &Limits) -> Result<Self, String> {
        let sleeps = SleepBudget::default();
        let stdout = Capture::new(limits.output_bytes);
        let stderr = Capture::new(limits.output_bytes);
        let wasi = wasi_ctx(config, &stdout, &stderr, &sleeps)?;
        // `memory.grow` past the cap returns -1 (the limiter refuses without trapping); an initial
        // size past it fails instantiation.
        let store_limits = StoreLimitsBuilder::new().memory_size(limits.memory_bytes).build();
        let mut store = Store::new(engine, HostState { wasi, limits: store_limits });
        store.limiter(|state| &mut state.limits);
        Ok(PreparedStore { store, stdout, stderr, sleeps })
    }
}

/// The same context `wasi_common::sync::WasiCtxBuilder` builds, with the scheduler's sleeps
/// counted against the step budget (the builder offers no way to replace the scheduler).
fn wasi_ctx(config: &WasiConfig, stdout: &Capture, stderr: &Capture, sleeps: &SleepBudget) -> Result<WasiCtx, String> {
    let sched = BudgetSched::new(sync::sched_ctx(), sleeps.clone());
    let mut ctx = WasiCtx::new(sync::random_ctx(), sync::clocks_ctx(), Box::new(sched), Table::new());
    for arg in &config.args {
        ctx.push_arg(arg).map_err(|error| format!("argument {arg:?}: {error}"))?;
    }
    for (name, value) in &config.env {
        ctx.push_env(name, value).map_err(|error| format!("environment variable {name:?}: {error}"))?;
    }
    ctx.set_stdin(Box::new(ReadPipe::from(config.stdin.clone())));
    ctx.set_stdout(Box::new(stdout.pipe()));
    ctx.set_stderr(Box::new(stderr.pipe()));
    if let Some(preopen) = &config.preopen {
        let dir = Dir::open_ambient_dir(&preopen.host_path, ambient_authority())
            .map_err(|error| format!("cannot open {} to preopen it: {error}", preopen.host_path.display()))?;
        ctx.push_preopened_dir(Box::new(sync::dir::Dir::from_cap_std(dir)), &preopen.guest_path)
            .map_err(|error| format!("cannot preopen {}: {error}", preopen.guest_path))?;
    }
    Ok(ctx)
}
