//! One trial: the store and what the first step (`instantiate` or `run`) produced.

use execmodel_contract::{Limits, Outcome, RejectStage, Session, Step, StepResult, Value, WasiConfig};
use wasmtime::{Engine, Extern, Func, Instance, Linker, Memory, Module, Store};

use crate::budget;
use crate::classify::{classify, Stage};
use crate::compat;
use crate::run_policy;
use crate::values;
use crate::wasi::{prepare_store, PreparedStore, StoreState};

/// What later steps act on.
pub enum Target {
    /// No `instantiate` or `run` yet, or the store could not be built.
    Nothing,
    /// `instantiate` failed: the store exists (its output is reported) but holds no instance.
    Failed,
    /// `instantiate` succeeded.
    Instance(Instance),
    /// `run`: exports resolve through the linker `Linker::module` filled under the name "".
    Linked { linker: Linker<StoreState>, command: bool },
}

pub struct WasmtimeSession {
    engine: Engine,
    module: Module,
    base_linker: Linker<StoreState>,
    limits: Limits,
    store: Option<PreparedStore>,
    target: Target,
    /// Entry points the runtime called by itself in the current step.
    implicit: Vec<String>,
    /// Whether the current step armed the budget (it ran, or was about to run, guest code).
    armed: bool,
}

impl WasmtimeSession {
    pub fn new(engine: Engine, module: Module, base_linker: Linker<StoreState>, limits: Limits) -> Self {
        WasmtimeSession {
            engine,
            module,
            base_linker,
            limits,
            store: None,
            target: Target::Nothing,
            implicit: Vec::new(),
            armed: false,
        }
    }

    /// A fresh store for `instantiate`/`run`, with the step's budget armed.
    fn fresh_store(&mut self, config: &WasiConfig) -> Result<&mut Store<StoreState>, Outcome> {
        self.target = Target::Failed;
        let prepared = prepare_store(&self.engine, config, &self.limits).map_err(|message| {
            self.target = Target::Nothing;
            Outcome::harness_reject(RejectStage::Instantiate, message)
        })?;
        let prepared = self.store.insert(prepared);
        budget::arm(&mut prepared.store, self.limits.budget);
        self.armed = true;
        Ok(&mut prepared.store)
    }

    fn instantiate(&mut self, config: &WasiConfig) -> Outcome {
        let linker = self.base_linker.clone();
        let module = self.module.clone();
        let store = match self.fresh_store(config) {
            Ok(store) => store,
            Err(outcome) => return outcome,
        };
        match linker.instantiate(&mut *store, &module) {
            Ok(instance) => {
                self.target = Target::Instance(instance);
                Outcome::returned_nothing()
            }
            Err(error) => classify(&error, Stage::Instantiate),
        }
    }

    fn run(&mut self, config: &WasiConfig) -> Outcome {
        let mut linker = self.base_linker.clone();
        let module = self.module.clone();
        let store = match self.fresh_store(config) {
            Ok(store) => store,
            Err(outcome) => return outcome,
        };
        let outcome = run_policy::run(store, &mut linker, &module);
        self.implicit = run_policy::implicit_calls(&module, &outcome);
        self.target = Target::Linked { linker, command: run_policy::is_command(&module) };
        outcome
    }

    fn call(&mut self, export: &str, args: &[Value]) -> Outcome {
        let Some(prepared) = self.store.as_mut() else {
            return no_instance();
        };
        let store = &mut prepared.store;
        let found = match &self.target {
            Target::Nothing | Target::Failed => return no_instance(),
            Target::Instance(instance) => instance.get_export(&mut *store, export),
            Target::Linked { linker, .. } => compat::linker_get(linker, &mut *store, "", export),
        };
        let func = match found {
            Some(Extern::Func(func)) => func,
            Some(_) => {
                return Outcome::harness_reject(RejectStage::Call, format!("export `{export}` is not a function"))
            }
            None => return Outcome::harness_reject(RejectStage::Call, self.missing_export(export)),
        };
        budget::arm(store, self.limits.budget);
        self.armed = true;
        call_func(store, func, export, args)
    }

    fn missing_export(&self, export: &str) -> String {
        match self.target {
            Target::Linked { .. } => {
                format!("no export `{export}` defined by wasmtime's Linker::module for this module")
            }
            _ => format!("no export `{export}`"),
        }
    }

    /// The instance's exported `memory` and its store, or why there is none to act on.
    fn memory(&mut self) -> Result<(Memory, &mut Store<StoreState>), Outcome> {
        let Some(prepared) = self.store.as_mut() else {
            return Err(no_instance());
        };
        let store = &mut prepared.store;
        let memory = match &self.target {
            Target::Nothing | Target::Failed => return Err(no_instance()),
            Target::Instance(instance) => instance.get_memory(&mut *store, "memory"),
            Target::Linked { linker, command } => match compat::linker_get(linker, &mut *store, "", "memory") {
                Some(Extern::Memory(memory)) => Some(memory),
                _ if *command => {
                    return Err(Outcome::harness_reject(
                        RejectStage::Call,
                        "no memory to read: wasmtime's Linker::module keeps no instance for a command \
                         (every export call instantiates the module afresh)",
                    ))
                }
                _ => None,
            },
        };
        match memory {
            Some(memory) => Ok((memory, store)),
            None => Err(Outcome::harness_reject(RejectStage::Call, "no `memory` export")),
        }
    }

    fn memory_pages(&mut self) -> Outcome {
        let (memory, store) = match self.memory() {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        match i32::try_from(memory.size(&*store)) {
            Ok(pages) => Outcome::Returned(vec![Value::I32(pages)]),
            Err(_) => Outcome::harness_reject(RejectStage::Call, "memory size does not fit an i32 page count"),
        }
    }

    fn write_memory(&mut self, offset: u32, bytes: &[u8]) -> Outcome {
        match self.memory() {
            Ok((memory, store)) => execmodel_contract::write_memory(memory.data_mut(store), offset, bytes),
            Err(outcome) => outcome,
        }
    }

    fn read_memory(&mut self, offset: u32, len: u32) -> Outcome {
        match self.memory() {
            Ok((memory, store)) => execmodel_contract::read_memory(memory.data(&*store), offset, len),
            Err(outcome) => outcome,
        }
    }
}

/// Calls `func` with the contract's arguments; the budget must already be armed.
pub fn call_func(store: &mut Store<StoreState>, func: Func, export: &str, args: &[Value]) -> Outcome {
    let ty = func.ty(&*store);
    let params = match values::arguments(export, &ty, args) {
        Ok(params) => params,
        Err(message) => return Outcome::harness_reject(RejectStage::Call, message),
    };
    let mut results = values::result_slots(&ty);
    match func.call(&mut *store, &params, &mut results) {
        Ok(()) => Outcome::Returned(values::results(&results)),
        Err(error) => classify(&error, Stage::Call),
    }
}

/// After `run` of a command, `Linker::module` exposes each export through a wrapper that makes a
/// new instance for every call: its start section runs again and no state survives from the
/// call before
/// (<https://github.com/bytecodealliance/wasmtime/blob/v48.0.0/crates/wasmtime/src/runtime/linker.rs#L905-L950>; documented at #L714).
const FRESH_COMMAND_INSTANCE: &str =
    "in a fresh instance: Linker::module's command wrapper instantiates the module anew for each call";

fn no_instance() -> Outcome {
    Outcome::harness_reject(RejectStage::Call, "no instance: `instantiate` or `run` did not produce one")
}

impl Session for WasmtimeSession {
    fn step(&mut self, step: &Step) -> StepResult {
        let outcome = match step {
            Step::Instantiate(config) => self.instantiate(config),
            Step::Run(config) => self.run(config),
            Step::Call { export, args } => self.call(export, args),
            Step::MemoryPages => self.memory_pages(),
            Step::WriteMemory { offset, bytes } => self.write_memory(*offset, bytes),
            Step::ReadMemory { offset, len } => self.read_memory(*offset, *len),
        };
        let mut result = StepResult::new(outcome).with_implicit_calls(std::mem::take(&mut self.implicit));
        let armed_call = self.armed && matches!(step, Step::Call { .. });
        let surfaced = [
            (armed_call && matches!(self.target, Target::Linked { command: true, .. }))
                .then_some(FRESH_COMMAND_INSTANCE),
            matches!(result.outcome, Outcome::Exited(_)).then_some("wasmtime_wasi::I32Exit error"),
        ];
        let surfaced: Vec<&str> = surfaced.into_iter().flatten().collect();
        if !surfaced.is_empty() {
            result.surfaced = Some(surfaced.join("; "));
        }
        if let Some(prepared) = &self.store {
            if std::mem::take(&mut self.armed) {
                result.budget_use = budget::spent(&prepared.store, self.limits.budget);
            }
            result.stdout = prepared.stdout.take();
            result.stderr = prepared.stderr.take();
            (result.stdout_dropped, result.stderr_dropped) =
                (prepared.stdout.take_dropped(), prepared.stderr.take_dropped());
        }
        result
    }
}
