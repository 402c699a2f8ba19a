//! One trial: the store and the instance the first step (`instantiate` or `run`) produced.

use std::sync::Arc;

use execmodel_contract::{Limits, Outcome, RejectStage, Session, Step, StepResult, TrapKind, Value, WasiConfig};
use wasmi::{Extern, Func, Instance, Memory, ResumableCall, Store, Val};

use crate::budget;
use crate::classify::{guest_failure, instantiation_failure};
use crate::module::Shared;
use crate::run_policy::{self, abi_entry_point};
use crate::values;
use crate::wasi::{HostState, PreparedStore};

pub struct WasmiSession {
    shared: Arc<Shared>,
    limits: Limits,
    live: Option<Live>,
    /// Whether the current step armed the budget (it ran, or was about to run, guest code).
    armed: bool,
}

/// The store of the current instance; `instance` is `None` when instantiation failed.
struct Live {
    prepared: PreparedStore,
    instance: Option<Instance>,
}

impl WasmiSession {
    pub fn new(shared: Arc<Shared>, limits: Limits) -> Self {
        WasmiSession { shared, limits, live: None, armed: false }
    }

    fn instantiate(&mut self, config: &WasiConfig) -> Outcome {
        self.live = None;
        let mut prepared = match PreparedStore::new(&self.shared.engine, config, &self.limits) {
            Ok(prepared) => prepared,
            Err(message) => return Outcome::harness_reject(RejectStage::Instantiate, message),
        };
        prepared.sleeps.arm(self.limits.budget);
        if let Err(error) = budget::arm(&mut prepared.store, self.limits.budget) {
            return Outcome::harness_reject(RejectStage::Instantiate, format!("cannot set fuel: {error}"));
        }
        self.armed = true;
        let result = self.shared.linker.instantiate_and_start(&mut prepared.store, &self.shared.module);
        let (instance, outcome) = match result {
            Ok(instance) => (Some(instance), Outcome::returned_nothing()),
            Err(error) => (None, instantiation_failure(&error, &prepared.sleeps)),
        };
        self.live = Some(Live { prepared, instance });
        outcome
    }

    fn run(&mut self, config: &WasiConfig) -> Outcome {
        let entry = match abi_entry_point(&self.shared.module) {
            Ok(entry) => entry,
            Err(message) => {
                self.live = None;
                return Outcome::harness_reject(RejectStage::Run, message);
            }
        };
        let instantiated = self.instantiate(config);
        match (instantiated, entry) {
            (Outcome::Returned(_), Some(export)) => self.call(export, &[]),
            (outcome, _) => outcome,
        }
    }

    fn call(&mut self, export: &str, args: &[Value]) -> Outcome {
        let Some(Live { prepared, instance }) = self.live.as_mut() else {
            return Outcome::harness_reject(
                RejectStage::Call,
                "no instance: the first step must be instantiate or run",
            );
        };
        let Some(instance) = *instance else {
            return Outcome::harness_reject(RejectStage::Call, "no instance: instantiation failed");
        };
        let func = match instance.get_export(&prepared.store, export) {
            Some(Extern::Func(func)) => func,
            Some(other) => {
                // The export's type, not its Debug form: that one carries a store id, which differs
                // with how many stores the process made before, so the text would differ run to run.
                return Outcome::harness_reject(
                    RejectStage::Call,
                    format!("export `{export}` is not a function: {:?}", other.ty(&prepared.store)),
                );
            }
            None => return Outcome::harness_reject(RejectStage::Call, format!("no export named `{export}`")),
        };
        let (inputs, mut outputs) = match values::prepare(export, &func.ty(&prepared.store), args) {
            Ok(prepared_values) => prepared_values,
            Err(message) => return Outcome::harness_reject(RejectStage::Call, message),
        };
        prepared.sleeps.arm(self.limits.budget);
        if let Err(error) = budget::arm(&mut prepared.store, self.limits.budget) {
            return Outcome::harness_reject(RejectStage::Call, format!("cannot set fuel: {error}"));
        }
        self.armed = true;
        match call_within_budget(&mut prepared.store, func, &inputs, &mut outputs) {
            Ok(()) => Outcome::Returned(values::from_vals(&outputs)),
            Err(CallFailure::Guest(error)) => guest_failure(&error, &prepared.sleeps),
            Err(CallFailure::BudgetSpent) => Outcome::harness_trap(
                TrapKind::Deadline,
                format!(
                    "the step spent its budget (the harness's): {} fuel for {:?}",
                    budget::fuel_for(self.limits.budget),
                    self.limits.budget
                ),
            ),
        }
    }

    fn memory(&mut self) -> Result<(&mut Store<HostState>, Memory), Outcome> {
        let live = self.live.as_mut();
        let found = live.and_then(|live| {
            let memory = live.instance?.get_memory(&live.prepared.store, "memory")?;
            Some((&mut live.prepared.store, memory))
        });
        found.ok_or_else(|| Outcome::harness_reject(RejectStage::Call, "no exported memory named `memory`"))
    }

    fn memory_pages(&mut self) -> Outcome {
        match self.memory() {
            Ok((store, memory)) => match i32::try_from(memory.size(&*store)) {
                Ok(pages) => Outcome::Returned(vec![Value::I32(pages)]),
                Err(_) => Outcome::harness_reject(RejectStage::Call, "memory size does not fit in an i32"),
            },
            Err(outcome) => outcome,
        }
    }

    fn write_memory(&mut self, offset: u32, bytes: &[u8]) -> Outcome {
        match self.memory() {
            Ok((store, memory)) => execmodel_contract::write_memory(memory.data_mut(store), offset, bytes),
            Err(outcome) => outcome,
        }
    }

    fn read_memory(&mut self, offset: u32, len: u32) -> Outcome {
        match self.memory() {
            Ok((store, memory)) => execmodel_contract::read_memory(memory.data(&*store), offset, len),
            Err(outcome) => outcome,
        }
    }

    /// What the guest wrote during this step.
    fn take_output(&self) -> (Vec<u8>, Vec<u8>) {
        match &self.live {
            Some(live) => (live.prepared.stdout.take(), live.prepared.stderr.take()),
            None => (Vec::new(), Vec::new()),
        }
    }
}

impl Session for WasmiSession {
    fn step(&mut self, step: &Step) -> StepResult {
        let outcome = match step {
            Step::Instantiate(config) => self.instantiate(config),
            Step::Run(config) => self.run(config),
            Step::Call { export, args } => self.call(export, args),
            Step::MemoryPages => self.memory_pages(),
            Step::WriteMemory { offset, bytes } => self.write_memory(*offset, bytes),
            Step::ReadMemory { offset, len } => self.read_memory(*offset, *len),
        };
        let (stdout, stderr) = self.take_output();
        let mut result = StepResult::new(outcome).with_output(stdout, stderr);
        if let Some(live) = &self.live {
            (result.stdout_dropped, result.stderr_dropped) =
                (live.prepared.stdout.take_dropped(), live.prepared.stderr.take_dropped());
            if std::mem::take(&mut self.armed) {
                result.budget_use = budget::spent(&live.prepared.store, self.limits.budget);
            }
        }
        if matches!(step, Step::Run(_)) {
            result.surfaced = Some(run_policy::RUN_IS_THE_HARNESS_READING.to_string());
        }
        result
    }
}

enum CallFailure {
    Guest(wasmi::Error),
    BudgetSpent,
}

/// Calls `func` with the fuel already in the store. A resumable call, because with one a failing
/// host function (e.g. `proc_exit`) and running out of fuel both stop the call where a plain one
/// would unwind; either ends the step as it would a plain call.
fn call_within_budget(
    store: &mut Store<HostState>,
    func: Func,
    inputs: &[Val],
    outputs: &mut [Val],
) -> Result<(), CallFailure> {
    match func.call_resumable(&mut *store, inputs, outputs).map_err(CallFailure::Guest)? {
        ResumableCall::Finished => Ok(()),
        ResumableCall::HostTrap(trap) => Err(CallFailure::Guest(trap.into_host_error())),
        ResumableCall::OutOfFuel(_) => Err(CallFailure::BudgetSpent),
    }
}
