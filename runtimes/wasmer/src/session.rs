//! One trial's instance and its captured output.

use std::sync::Arc;

use execmodel_contract::{
    memory_range, Author, Limits, Outcome, RejectStage, Session, Step, StepResult, Value, WasiConfig,
};
use wasmer::{Engine, Extern, Instance, Module, RuntimeError, Store};
use wasmer_wasix::{WasiFunctionEnv, WasiRuntimeError, WasiThreadError};

use crate::wasi::{self, Outputs};
use crate::{budget, classify, memory_cap, run_policy, tokio_rt, values};

pub struct WasmerSession {
    setup: Result<Setup, String>,
    live: Option<Live>,
    /// The streams of the latest instance, kept even when its instantiation failed so that the
    /// failing step still reports what the guest wrote.
    outputs: Option<Outputs>,
    /// What the current step found beyond its outcome: entry points wasmer called by itself,
    /// the guest's exit request, how the outcome surfaced.
    notes: Notes,
}

#[derive(Default)]
pub(crate) struct Notes {
    pub implicit_calls: Vec<String>,
    pub requested_exit: Option<i64>,
    pub surfaced: Option<String>,
    /// Whether the step gave the instance its budget (it ran, or was about to run, guest code).
    pub armed: bool,
}

struct Setup {
    /// The module's engine with this session's memory cap.
    engine: Engine,
    module: Module,
    wasm: Arc<[u8]>,
    limits: Limits,
    budget: u64,
}

pub(crate) struct Live {
    store: Store,
    instance: Instance,
    env: WasiFunctionEnv,
}

impl WasmerSession {
    pub fn new(engine: Engine, module: Module, wasm: Arc<[u8]>, limits: Limits, budget: u64) -> Self {
        let engine = memory_cap::with_memory_cap(&engine, limits.memory_bytes);
        WasmerSession {
            setup: Ok(Setup { engine, module, wasm, limits, budget }),
            live: None,
            outputs: None,
            notes: Notes::default(),
        }
    }

    /// A session whose module could not be prepared; every step reports why.
    pub fn broken(message: String) -> Self {
        WasmerSession { setup: Err(message), live: None, outputs: None, notes: Notes::default() }
    }

    fn perform(&mut self, step: &Step) -> Outcome {
        match step {
            Step::Instantiate(config) => self.instantiate(config),
            Step::Run(config) => run_policy::run(self, config),
            Step::Call { export, args } => self.call(export, args),
            Step::MemoryPages => self.memory_pages(),
            Step::WriteMemory { offset, bytes } => self.write_memory(*offset, bytes),
            Step::ReadMemory { offset, len } => self.read_memory(*offset, *len),
        }
    }

    /// `WasiEnvBuilder::instantiate`: instantiates with the WASI imports, which runs the start
    /// section, and then calls `_initialize` itself when the module exports it
    /// (<https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/env.rs#L633-L644>,
    /// `call_initialize` is true unless journals are configured:
    /// <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/builder.rs#L1084-L1089>).
    /// It also refuses a module that neither imports nor exports a memory, after instantiating it
    /// (<https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/env.rs#L583-L607>).
    pub(crate) fn instantiate(&mut self, config: &WasiConfig) -> Outcome {
        self.finish();
        let setup = match &self.setup {
            Ok(setup) => setup,
            Err(message) => return Outcome::harness_reject(RejectStage::Instantiate, message.clone()),
        };
        let outputs = Outputs::new(setup.limits.output_bytes);
        self.outputs = Some(outputs.clone());
        let builder = match wasi::builder(config, &setup.engine, &outputs) {
            Ok(builder) => builder,
            Err(message) => return Outcome::harness_reject(RejectStage::Instantiate, message),
        };
        let mut store = Store::new(setup.engine.clone());
        self.notes.armed = true;
        // A start section that calls WASI makes wasmer-wasix panic ("You must initialize the
        // WasiEnv before using it"): its environment is bound only after instantiation
        // (https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/env.rs#L891).
        // That is the runtime failing (a panic in its host function), not the guest trapping.
        // The error is wasmer-wasix's own type, large as it is: it is classified right here.
        #[allow(clippy::result_large_err)]
        let instantiated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            builder.instantiate(setup.module.clone(), &mut store)
        }));
        let instantiated = match instantiated {
            Ok(instantiated) => instantiated,
            Err(panic) => {
                let message = execmodel_contract::panic_message(&*panic);
                return Outcome::crashed(format!("wasmer-wasix panicked: {message}"), Author::Runtime);
            }
        };
        // `instantiate` calls `_initialize` itself once the instance exists and WASI is bound.
        let initialize = matches!(
            setup.module.exports().find(|e| e.name() == "_initialize").map(|e| e.ty().clone()),
            Some(wasmer::ExternType::Function(_))
        );
        match instantiated {
            Ok((instance, env)) => {
                if initialize {
                    self.notes.implicit_calls.push("_initialize".to_string());
                }
                self.live = Some(Live { store, instance, env });
                Outcome::returned_nothing()
            }
            Err(err) => {
                let wasm = &setup.wasm;
                if initialize && matches!(err, WasiRuntimeError::Thread(WasiThreadError::InitFailed(_))) {
                    self.notes.implicit_calls.push("_initialize".to_string());
                }
                let classified = classify::instantiate_error(&err, &mut |trap: &RuntimeError| {
                    budget::trapped_on_injected_unreachable(trap, wasm)
                });
                self.notes.requested_exit = classified.requested_exit;
                if let Some(how) = &classified.surfaced {
                    self.note_surfaced(how);
                }
                classified.outcome
            }
        }
    }

    /// What `WasiRunner::run_wasm` does with a module that imports a memory which is not
    /// `shared`: its `task_wasm` makes that memory `shared` (maximum 65536 pages when none is
    /// declared) and instantiates with it as `env.memory`
    /// (<https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/func_env.rs#L50-L82>),
    /// which wasmer's import check refuses, and `run_wasm` returns the error ("Spawn failed")
    /// before any guest code runs
    /// (<https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/runners/wasi.rs#L416-L417>).
    /// `WasiEnvBuilder::instantiate`, which `instantiate` uses, gives the memory the imported type
    /// unchanged, so the replay makes the runner's memory and lets wasmer check it. `None` when the
    /// module imports no such memory.
    pub(crate) fn runner_memory_refusal(&mut self, config: &WasiConfig) -> Option<Outcome> {
        let setup = self.setup.as_ref().ok()?;
        let mut memory_type = setup.module.imports().find_map(|import| match import.ty() {
            wasmer::ExternType::Memory(ty) => Some(*ty),
            _ => None,
        })?;
        if memory_type.shared {
            return None;
        }
        memory_type.shared = true;
        memory_type.maximum.get_or_insert(wasmer::Pages::max_value());
        let outputs = Outputs::new(setup.limits.output_bytes);
        let builder = match wasi::builder(config, &setup.engine, &outputs) {
            Ok(builder) => builder,
            Err(message) => return Some(Outcome::harness_reject(RejectStage::Instantiate, message)),
        };
        let mut store = Store::new(setup.engine.clone());
        let memory = match wasmer::Memory::new(&mut store, memory_type) {
            Ok(memory) => memory,
            Err(err) => {
                return Some(Outcome::reject(RejectStage::Instantiate, format!("creating the runner's memory: {err}")))
            }
        };
        let env = match builder.finalize(&mut store) {
            Ok(env) => env,
            Err(err) => return Some(Outcome::reject(RejectStage::Instantiate, err.to_string())),
        };
        let mut imports = match env.import_object(&mut store, &setup.module) {
            Ok(imports) => imports,
            Err(err) => return Some(Outcome::reject(RejectStage::Instantiate, err.to_string())),
        };
        imports.define("env", "memory", memory);
        let instantiated = Instance::new(&mut store, &setup.module, &imports);
        self.note_surfaced(RUNNER_SHARED_MEMORY);
        match instantiated {
            Err(err) => Some(
                classify::instantiate_error(&WasiRuntimeError::Instantiation(err), &mut |_: &RuntimeError| false)
                    .outcome,
            ),
            Ok(_) => Some(Outcome::harness_reject(
                RejectStage::Run,
                "wasmer accepted a shared memory for a non-shared memory import, which 7.4.2 refuses: \
                 the adapter's replay of WasiRunner no longer matches this wasmer",
            )),
        }
    }

    pub(crate) fn note_implicit_call(&mut self, entry: &str) {
        self.notes.implicit_calls.push(entry.to_string());
    }

    /// Adds to how this step's outcome surfaced (notes accumulate within a step).
    pub(crate) fn note_surfaced(&mut self, how: &str) {
        self.notes.surfaced = Some(match self.notes.surfaced.take() {
            Some(earlier) => format!("{earlier}; {how}"),
            None => how.to_string(),
        });
    }

    pub(crate) fn exports_function(&self, export: &str) -> bool {
        self.live.as_ref().is_some_and(|live| live.instance.exports.get_function(export).is_ok())
    }

    pub(crate) fn call(&mut self, export: &str, args: &[Value]) -> Outcome {
        let (Some(live), Ok(setup)) = (&mut self.live, &self.setup) else {
            return Outcome::harness_reject(RejectStage::Call, format!("no instance to call `{export}` on"));
        };
        let function = match live.instance.exports.get_extern(export) {
            Some(Extern::Function(function)) => function.clone(),
            Some(other) => {
                return Outcome::harness_reject(
                    RejectStage::Call,
                    format!("export `{export}` is not a function but {:?}", other.ty(&live.store)),
                )
            }
            None => {
                return Outcome::harness_reject(RejectStage::Call, format!("the instance has no export `{export}`"))
            }
        };
        if let Some(message) = values::call_mismatch(export, &function.ty(&live.store), args) {
            return Outcome::harness_reject(RejectStage::Call, message);
        }
        budget::refill(&mut live.store, &live.instance, setup.budget);
        self.notes.armed = true;
        let params: Vec<wasmer::Value> = args.iter().map(values::to_wasmer).collect();
        match function.call(&mut live.store, &params) {
            Ok(results) => match values::from_wasmer(&results) {
                Ok(results) => Outcome::Returned(results),
                Err(message) => Outcome::harness_reject(RejectStage::Call, message),
            },
            Err(err) => {
                let Live { store, instance, .. } = live;
                classify::guest_error(&err, &mut |_: &RuntimeError| budget::exhausted(store, instance))
            }
        }
    }

    fn memory(&self) -> Result<(&Live, wasmer::Memory), Outcome> {
        let Some(live) = &self.live else {
            return Err(Outcome::harness_reject(RejectStage::Call, "no instance to access `memory` of"));
        };
        match live.instance.exports.get_memory("memory") {
            Ok(memory) => Ok((live, memory.clone())),
            Err(err) => Err(Outcome::harness_reject(RejectStage::Call, format!("no `memory` export: {err}"))),
        }
    }

    fn memory_pages(&mut self) -> Outcome {
        match self.memory() {
            Ok((live, memory)) => Outcome::Returned(vec![Value::I32(memory.view(&live.store).size().0 as i32)]),
            Err(outcome) => outcome,
        }
    }

    fn write_memory(&mut self, offset: u32, bytes: &[u8]) -> Outcome {
        let (live, memory) = match self.memory() {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let view = memory.view(&live.store);
        if let Err(outcome) = memory_range(offset, bytes.len(), view.data_size() as usize) {
            return outcome;
        }
        match view.write(u64::from(offset), bytes) {
            Ok(()) => Outcome::returned_nothing(),
            Err(err) => Outcome::reject(RejectStage::Call, format!("writing memory: {err}")),
        }
    }

    fn read_memory(&mut self, offset: u32, len: u32) -> Outcome {
        let (live, memory) = match self.memory() {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let view = memory.view(&live.store);
        if let Err(outcome) = memory_range(offset, len as usize, view.data_size() as usize) {
            return outcome;
        }
        let mut bytes = vec![0; len as usize];
        match view.read(u64::from(offset), &mut bytes) {
            Ok(()) => Outcome::Bytes(bytes),
            Err(err) => Outcome::reject(RejectStage::Call, format!("reading memory: {err}")),
        }
    }

    /// What the current instance spent of the step's budget. A failed instantiation leaves no
    /// instance to read: it ran out of points only if it said so.
    fn budget_use(&mut self) -> Option<execmodel_contract::BudgetUse> {
        let points = self.setup.as_ref().ok()?.budget;
        match &mut self.live {
            Some(live) => Some(budget::spent(&mut live.store, &live.instance, points)),
            None => None,
        }
    }

    /// Tear down the current WASI environment (open files, the wasix process) as
    /// `WasiFunctionEnv::on_exit` requires once an instance is done.
    fn finish(&mut self) {
        if let Some(Live { mut store, env, .. }) = self.live.take() {
            // A panic in wasix's cleanup must not escape a destructor.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| env.on_exit(&mut store, None)));
        }
    }
}

impl Session for WasmerSession {
    fn step(&mut self, step: &Step) -> StepResult {
        let outcome = match tokio_rt::enter() {
            Ok(_runtime) => self.perform(step),
            Err(message) => Outcome::harness_reject(RejectStage::Instantiate, message),
        };
        let notes = std::mem::take(&mut self.notes);
        let asked = self.outputs.as_ref().and_then(|outputs| outputs.exit.take()).map(i64::from);
        let mut result = StepResult::new(outcome).with_implicit_calls(notes.implicit_calls);
        // The guest's own argument when wasmer reported anything else (wasix keeps it mod 256).
        result.requested_exit = match asked {
            Some(code) if result.outcome == Outcome::Exited(code) => None,
            Some(code) => Some(code),
            None => notes.requested_exit,
        };
        result.surfaced = notes.surfaced;
        if let Outcome::Exited(_) = result.outcome {
            result.surfaced.get_or_insert_with(|| "WasiError::Exit inside a RuntimeError".to_string());
        }
        if notes.armed {
            result.budget_use = self.budget_use();
        }
        if let Some(outputs) = &self.outputs {
            result.stdout = outputs.stdout.take();
            result.stderr = outputs.stderr.take();
            result.stdout_dropped = outputs.stdout.take_dropped();
            result.stderr_dropped = outputs.stderr.take_dropped();
        }
        result
    }
}

impl Drop for WasmerSession {
    fn drop(&mut self) {
        if self.live.is_some() {
            if let Ok(_runtime) = tokio_rt::enter() {
                self.finish();
            }
        }
    }
}

const RUNNER_SHARED_MEMORY: &str =
    "WasiRunner's task_wasm made the imported memory shared; wasmer refused it at link time and run_wasm returned Err(\"Spawn failed\")";
