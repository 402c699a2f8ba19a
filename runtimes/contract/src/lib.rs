//! The contract between the execmodel harness and its runtime adapters.
//!
//! Data flows one way: the harness turns an expectation file into [`Step`]s, hands them one by one
//! to a [`Session`] opened on a [`CompiledModule`], and compares the [`StepResult`]s it gets back.
//! Adapters know nothing about TOML, expectations or reports.

mod capture;
pub mod cpu;
mod outcome;
mod value;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use capture::CappedOutput;
pub use outcome::{first_line, Author, Outcome, RejectStage, TrapKind};
pub use value::{Value, ValueParseError};

/// Part of the `surfaced` note of a `Run` performed by the harness for a runtime that has no
/// command/reactor policy of its own (wasmi): the entry point it calls is then the harness's,
/// and is not listed among the runtime's implicit calls.
pub const RUN_BY_THE_HARNESS: &str = "this run is the harness's reading of the WASI application ABI";

/// WASI configuration for one instance: what `instantiate` and `run` set up before the guest runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasiConfig {
    /// `argv`, including `argv[0]` (the harness passes the module's file name unless a scenario says otherwise).
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdin: Vec<u8>,
    /// A host directory preopened for the guest under `guest_path`. The harness creates one
    /// temporary directory per trial; the adapter only maps it.
    pub preopen: Option<Preopen>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    pub host_path: PathBuf,
    pub guest_path: String,
}

/// Bounds on one trial. Every adapter must enforce all three; a guest that hits one gets a
/// classified outcome (`trapped deadline`, a memory-growth failure, truncated output), never a hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The budget of each step that runs guest code, as CPU time. It never counts elapsed time,
    /// so a verdict does not depend on how busy the machine is: a runtime that can count its work
    /// (fuel, metering) converts it at a fixed rate of its own; a worker runtime is given this
    /// much CPU time of its process. A step that spends it ends `trapped deadline`.
    pub budget: Duration,
    /// Maximum linear-memory size of one instance, in bytes.
    pub memory_bytes: usize,
    /// Maximum bytes kept per output stream per instance; the rest is dropped (and counted).
    pub output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { budget: Duration::from_secs(10), memory_bytes: 64 << 20, output_bytes: 1 << 20 }
    }
}

/// One action on a session. `start` and `initialize` in the scenario language are calls of
/// `_start` and `_initialize`.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Instantiate the module directly with WASI imports: only the wasm `start` section runs.
    Instantiate(WasiConfig),
    /// The runtime's own recommended way to run this module (its command/reactor policy),
    /// e.g. wasmtime's `Linker::module` followed by the default export. Later `Call`s on the
    /// session resolve exports the way that policy exposes them.
    Run(WasiConfig),
    /// Call an export of the current instance.
    Call { export: String, args: Vec<Value> },
    /// Report the current size of the exported `memory` in 64 KiB pages as `Returned([I32])`.
    MemoryPages,
    /// Copy `bytes` into the exported `memory` at `offset`, from the host (no guest code runs):
    /// `Returned([])`, or `Rejected(call)` when the range is outside the memory.
    WriteMemory { offset: u32, bytes: Vec<u8> },
    /// Read `len` bytes of the exported `memory` at `offset` as `Outcome::Bytes`.
    ReadMemory { offset: u32, len: u32 },
}

/// The shape of a step, without its WASI configuration or arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    Instantiate,
    Run,
    Call(String),
    MemoryPages,
    /// `WriteMemory` or `ReadMemory`: host access to the exported memory of a live instance.
    MemoryAccess,
}

impl Step {
    pub fn kind(&self) -> StepKind {
        match self {
            Step::Instantiate(_) => StepKind::Instantiate,
            Step::Run(_) => StepKind::Run,
            Step::Call { export, .. } => StepKind::Call(export.clone()),
            Step::MemoryPages => StepKind::MemoryPages,
            Step::WriteMemory { .. } | Step::ReadMemory { .. } => StepKind::MemoryAccess,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Step::Instantiate(_) => "instantiate".to_string(),
            Step::Run(_) => "run".to_string(),
            Step::Call { export, .. } if export == "_start" => "start".to_string(),
            Step::Call { export, .. } if export == "_initialize" => "initialize".to_string(),
            Step::Call { export, args } => {
                let args: Vec<String> = args.iter().map(Value::to_string).collect();
                format!("call {export}({})", args.join(", "))
            }
            Step::MemoryPages => "memory".to_string(),
            Step::WriteMemory { offset, bytes } => format!("write {} bytes at {offset}", bytes.len()),
            Step::ReadMemory { offset, len } => format!("read {len} bytes at {offset}"),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    pub outcome: Outcome,
    /// Output written by the guest during this step only.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Bytes of output the instance's cap dropped during this step.
    pub stdout_dropped: u64,
    pub stderr_dropped: u64,
    /// Entry points (`_start`, `_initialize`) the runtime called by itself during this step, in
    /// order: wasmer-wasix calling `_initialize` inside instantiation, wazero running `_start`
    /// while instantiating, wasmtime's `Linker::module` calling `_initialize`.
    pub implicit_calls: Vec<String>,
    /// The code the guest passed to `proc_exit` when the runtime reported something else (e.g.
    /// an initialisation failure): what the guest asked for, beside what an embedder sees.
    pub requested_exit: Option<i64>,
    /// How the outcome came out of the runtime's API, in a few words (`I32Exit error`,
    /// `thrown by wasi.initialize() as node's private exit symbol`), when that is worth knowing.
    pub surfaced: Option<String>,
    /// How much of its budget the step used, for steps that ran guest code under one.
    pub budget_use: Option<BudgetUse>,
}

/// What a step spent of its budget, in the unit its runtime counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetUse {
    pub used: u64,
    pub limit: u64,
    pub unit: BudgetUnit,
}

/// How a runtime counts a step's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetUnit {
    /// wasmtime's and wasmi's fuel (about one unit per wasm instruction).
    Fuel,
    /// wasmer's metering points (one per operator, more for operators that call the runtime).
    MeteringPoints,
    /// CPU time of the process running the guest, in microseconds (worker and CLI runtimes).
    CpuMicros,
}

impl BudgetUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetUnit::Fuel => "fuel",
            BudgetUnit::MeteringPoints => "metering points",
            BudgetUnit::CpuMicros => "CPU µs",
        }
    }
}

impl BudgetUse {
    pub fn new(used: u64, limit: u64, unit: BudgetUnit) -> Self {
        BudgetUse { used, limit, unit }
    }

    /// The units of work that stand for `budget` at a runtime's fixed rate of `per_second` (at
    /// least one, so that a zero budget still ends the first instruction).
    pub fn units_for(budget: Duration, per_second: u64) -> u64 {
        ((budget.as_secs_f64() * per_second as f64) as u64).max(1)
    }

    /// `used` of a `budget` of CPU time.
    pub fn cpu(used: Duration, budget: Duration) -> Self {
        BudgetUse::new(used.as_micros() as u64, budget.as_micros() as u64, BudgetUnit::CpuMicros)
    }

    /// The share of the budget used, 0.0 to 1.0 (more when a runtime overshoots its own count).
    pub fn fraction(&self) -> f64 {
        self.used as f64 / self.limit.max(1) as f64
    }
}

impl StepResult {
    pub fn new(outcome: Outcome) -> Self {
        StepResult {
            outcome,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stdout_dropped: 0,
            stderr_dropped: 0,
            implicit_calls: Vec::new(),
            requested_exit: None,
            surfaced: None,
            budget_use: None,
        }
    }

    pub fn with_output(mut self, stdout: Vec<u8>, stderr: Vec<u8>) -> Self {
        self.stdout = stdout;
        self.stderr = stderr;
        self
    }

    pub fn with_implicit_calls(mut self, calls: Vec<String>) -> Self {
        self.implicit_calls = calls;
        self
    }

    pub fn surfaced(mut self, how: impl Into<String>) -> Self {
        self.surfaced = Some(how.into());
        self
    }

    pub fn with_budget_use(mut self, budget_use: Option<BudgetUse>) -> Self {
        self.budget_use = budget_use;
        self
    }
}

/// The payload an adapter unwinds with when it cannot perform a step at all (`Session::step` has
/// no error channel): the harness reports it as its own error of the trial, never as a crash of
/// the runtime, which any other panic out of a step is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterFailure(pub String);

/// Why a runtime cannot take part in this run (its trials are then ignored with this reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// An error of the adapter or the runtime that is not an outcome of the guest: the module could
/// not be compiled, the worker process died, the runtime panicked. The harness reports these as
/// harness failures, apart from conformance failures.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("module does not compile on {runtime}: {message}")]
    Compile { runtime: String, message: String },
    #[error("{0}")]
    Other(String),
}

/// A WebAssembly runtime under test.
pub trait Runtime: Send + Sync {
    /// Short, stable name used in trial names and expectation files (`wasmtime`, `wasmer`, …).
    fn name(&self) -> &'static str;
    /// Exact version of the runtime (crate version or CLI `--version`).
    fn version(&self) -> String;
    /// `Ok` when trials can run; otherwise why not (binary missing, too old).
    fn availability(&self) -> Result<(), Unavailable> {
        Ok(())
    }
    /// Whether this runtime can perform a scenario made of these steps at all (a CLI runtime can
    /// only `run` a module). `Err` says why not; the harness then reports the trial as not
    /// expressible instead of running it.
    fn expressible(&self, steps: &[StepKind]) -> Result<(), String> {
        let _ = steps;
        Ok(())
    }
    /// Compile once; the result is shared by every trial of the module, possibly in parallel.
    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError>;
}

pub trait CompiledModule: Send + Sync {
    /// A fresh session: no instance yet; the first step is `Instantiate` or `Run`.
    fn session(&self, limits: Limits) -> Box<dyn Session>;
}

/// One instance (or, under `Run`, whatever the runtime's policy produced) and its captured output.
pub trait Session {
    /// Perform one step. Guest failures are outcomes, not errors; a step with no instance to act
    /// on yields `Outcome::Rejected { stage: RejectStage::Call, .. }`.
    fn step(&mut self, step: &Step) -> StepResult;
}

/// Run `f`, turning a panic inside a runtime into a harness error instead of a crashed trial.
/// The byte range `offset..offset + len` of a memory of `size` bytes, or the rejection a
/// `WriteMemory`/`ReadMemory` outside it gets. Adapters share it so the message is the same.
pub fn memory_range(offset: u32, len: usize, size: usize) -> Result<std::ops::Range<usize>, Outcome> {
    let start = offset as usize;
    match start.checked_add(len) {
        Some(end) if end <= size => Ok(start..end),
        _ => Err(Outcome::reject(
            RejectStage::Call,
            format!("memory access of {len} bytes at {offset} is outside the memory ({size} bytes)"),
        )),
    }
}

/// `WriteMemory` on a memory the adapter can borrow as a slice.
pub fn write_memory(data: &mut [u8], offset: u32, bytes: &[u8]) -> Outcome {
    match memory_range(offset, bytes.len(), data.len()) {
        Ok(range) => {
            data[range].copy_from_slice(bytes);
            Outcome::returned_nothing()
        }
        Err(outcome) => outcome,
    }
}

/// `ReadMemory` on a memory the adapter can borrow as a slice.
pub fn read_memory(data: &[u8], offset: u32, len: u32) -> Outcome {
    match memory_range(offset, len as usize, data.len()) {
        Ok(range) => Outcome::Bytes(data[range].to_vec()),
        Err(outcome) => outcome,
    }
}

pub fn catch_runtime_panic<T>(runtime: &str, f: impl FnOnce() -> T) -> Result<T, AdapterError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|payload| AdapterError::Other(format!("{runtime} panicked: {}", panic_message(&*payload))))
}

/// The text of a panic payload (`&str` or `String`), for messages.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .or_else(|| payload.downcast_ref::<AdapterFailure>().map(|failure| failure.0.clone()))
        .unwrap_or_else(|| "non-string panic payload".to_string())
}

/// The versions of `package` locked in the workspace's Cargo.lock (two when a build carries two
/// majors, e.g. wasmtime and wasmtime-36), for adapters' tests that their reported `version()` is
/// one actually built.
#[doc(hidden)]
pub fn locked_versions(package: &str) -> Vec<String> {
    let Ok(lock) = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock")) else {
        return Vec::new();
    };
    let needle = format!("name = \"{package}\"\n");
    lock.match_indices(&needle)
        .filter_map(|(at, _)| lock[at + needle.len()..].lines().next())
        .filter_map(|line| Some(line.strip_prefix("version = \"")?.strip_suffix('"')?.to_string()))
        .collect()
}
