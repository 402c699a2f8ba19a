//! One trial's session: a worker leased for its whole life and one worker-side session in it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use execmodel_contract::{
    AdapterFailure, Author, BudgetUse, Limits, Outcome, RejectStage, Session, Step, StepResult, TrapKind, Value,
    WasiConfig,
};
use serde_json::Value as Json;

use crate::backend::Backend;
use crate::process::{Failure, Worker};
use crate::protocol::{self, Reply, WireOutcome};
use crate::runtime::{ModuleInner, Ready};

/// Requests that run no guest code (open, close, memory) only guard against a hung worker.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

pub struct WorkerSession {
    module: Arc<ModuleInner>,
    limits: Limits,
    state: State,
}

/// How a step is bounded: guest code by the trial's CPU budget, anything else by a fixed guard.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Guest,
    Control,
}

enum State {
    /// Nothing done yet: the first step must be `Instantiate` or `Run`.
    Fresh,
    /// A session exists in the worker; it may hold no instance (e.g. after a link error).
    Open { worker: Worker, name: String, has_instance: bool },
    /// The first step ended before the worker had a session (memory too large, no worker).
    NoInstance,
    /// The worker was killed or died; the instance went with it.
    Lost(String),
}

impl WorkerSession {
    pub(crate) fn new(module: Arc<ModuleInner>, limits: Limits) -> WorkerSession {
        WorkerSession { module, limits, state: State::Fresh }
    }

    /// `Instantiate` comes first; `Run`, the runtime's own run of the module, may come at any
    /// point and is always a new run: a later one closes the worker's session (and instance) and
    /// opens another in the same worker process, or in a new one if that process has ended,
    /// which `surfaced` says.
    fn begin(&mut self, step: &Step, wasi: &WasiConfig, stage: RejectStage) -> StepResult {
        let (kept, again) = match std::mem::replace(&mut self.state, State::NoInstance) {
            State::Fresh => (None, None),
            State::Open { mut worker, name, .. } if stage == RejectStage::Run => {
                match worker.request(protocol::close(&name), CONTROL_TIMEOUT) {
                    Ok(_) => (Some(worker), Some(RUN_AGAIN_SAME_PROCESS)),
                    Err(_) => (None, Some(RUN_AGAIN_NEW_PROCESS)),
                }
            }
            State::NoInstance | State::Lost(_) if stage == RejectStage::Run => (None, Some(RUN_AGAIN_NEW_PROCESS)),
            earlier => {
                self.state = earlier;
                return rejected(stage, "the session already has an instance: instantiate only comes first");
            }
        };
        let mut result = self.begin_in(kept, step, wasi, stage);
        if let Some(how) = again {
            result.surfaced = Some(match result.surfaced.take() {
                Some(surfaced) => format!("{how}; {surfaced}"),
                None => how.to_string(),
            });
        }
        result
    }

    fn begin_in(&mut self, kept: Option<Worker>, step: &Step, wasi: &WasiConfig, stage: RejectStage) -> StepResult {
        let variant = match self.module.prepare(self.limits.memory_bytes) {
            Ok(Ready::Variant(variant)) => variant,
            Ok(Ready::InitialTooLarge { initial_pages, cap_pages }) => {
                return rejected(
                    RejectStage::Instantiate,
                    format!(
                        "initial memory of {initial_pages} pages exceeds the limit of {cap_pages} pages ({} bytes)",
                        self.limits.memory_bytes
                    ),
                );
            }
            Err(err) => return rejected(RejectStage::Instantiate, format!("cannot cap the module's memory: {err}")),
        };
        let runtime = self.module.shared.backend.name();
        let leased = match kept {
            Some(worker) => Ok(worker),
            None => self.module.shared.lease(),
        };
        let mut worker = match leased {
            Ok(worker) => worker,
            Err(err) => return rejected(stage, format!("the {runtime} worker could not start: {err}")),
        };
        let name = next_session_name();
        let opened = variant
            .load_into(&mut worker)
            .and_then(|()| worker.request(protocol::open(&name, &variant.id, &self.limits), CONTROL_TIMEOUT));
        if let Err(failure) = opened {
            if matches!(failure, Failure::Refused(_)) {
                self.module.shared.pool.give_back(worker);
            }
            return rejected(stage, describe_failure(runtime, &failure));
        }
        let request = match step {
            Step::Run(_) => protocol::run(&name, wasi),
            _ => protocol::instantiate(&name, wasi),
        };
        self.state = State::Open { worker, name, has_instance: false };
        self.exchange(request, Wait::Guest, stage)
    }

    fn call(&mut self, export: &str, args: &[Value]) -> StepResult {
        let name = match &self.state {
            State::Open { name, has_instance: true, .. } => name.clone(),
            State::Lost(why) => return rejected(RejectStage::Call, why.clone()),
            _ => return rejected(RejectStage::Call, "there is no instance to call"),
        };
        let results = match self.module.exports.result_types(export) {
            Ok(results) => results,
            Err(why) => return rejected(RejectStage::Call, why),
        };
        self.exchange(protocol::call(&name, export, args, &results), Wait::Guest, RejectStage::Call)
    }

    fn memory(&mut self, request: impl FnOnce(&str) -> Json) -> StepResult {
        let name = match &self.state {
            State::Open { name, has_instance: true, .. } => name.clone(),
            State::Lost(why) => return rejected(RejectStage::Call, why.clone()),
            _ => return rejected(RejectStage::Call, "there is no instance"),
        };
        self.exchange(request(&name), Wait::Control, RejectStage::Call)
    }

    /// Send a step to the session's worker and turn the reply (or its absence) into a result.
    fn exchange(&mut self, request: Json, wait: Wait, stage: RejectStage) -> StepResult {
        let backend = &*self.module.shared.backend;
        let runtime = backend.name();
        let budget = self.limits.budget;
        let State::Open { worker, has_instance, .. } = &mut self.state else {
            return rejected(stage, format!("there is no {runtime} session"));
        };
        let answered = match wait {
            Wait::Guest => worker.request_within(request, budget).map(|(reply, used)| (reply, Some(used))),
            Wait::Control => worker.request(request, CONTROL_TIMEOUT).map(|reply| (reply, None)),
        };
        match answered {
            Ok((reply, used)) => {
                *has_instance = reply.has_instance;
                step_result(backend, reply, stage).with_budget_use(used.map(|used| BudgetUse::cpu(used, budget)))
            }
            // The texts name no column: two versions of one runtime must read alike here, or
            // every upgrade diff lists the harness's own words as a change.
            Err(Failure::BudgetSpent(used)) => {
                let entered = worker.take_last_words();
                self.state = State::Lost(
                    "the instance is gone: its worker was killed when a step spent its CPU budget".to_string(),
                );
                let spent = StepResult::new(Outcome::harness_trap(
                    TrapKind::Deadline,
                    // What it used is in the budget use: a text that changed with it would read as
                    // a change of the runtime in every diff of two runs.
                    format!("the step spent its budget of {budget:?} of CPU time; the worker was killed"),
                ))
                .with_budget_use(Some(BudgetUse::cpu(used, budget)));
                // Entry points the runtime had called by itself before the budget ran out.
                match entered {
                    Some(words) => with_last_words(spent, words),
                    None => spent,
                }
            }
            Err(Failure::Timeout(waited)) if wait == Wait::Guest => {
                // Not the guest's budget: the worker neither answered nor used its CPU time
                // (blocked, or starved far beyond any load the budget allows for).
                self.state =
                    State::Lost("the instance is gone: its worker was killed by the harness's timeout".to_string());
                std::panic::panic_any(AdapterFailure(format!(
                    "the {runtime} worker neither answered nor spent its CPU budget of {budget:?} within {waited:?} (the harness's wall-clock safety net); it was killed"
                )))
            }
            Err(failure @ Failure::Refused(_)) => rejected(stage, describe_failure(runtime, &failure)),
            // The process running the runtime ended in the middle of a step: the runtime (or
            // the host process it lives in) failed, not the guest.
            Err(failure) => {
                let why = describe_failure(runtime, &failure);
                let last_words = worker.take_last_words();
                self.state = State::Lost(format!("the instance is gone: {why}"));
                let ended = StepResult::new(Outcome::crashed(why, Author::Harness));
                match last_words {
                    Some(words) => with_last_words(ended, words),
                    None => ended,
                }
            }
        }
    }
}

impl Session for WorkerSession {
    fn step(&mut self, step: &Step) -> StepResult {
        match step {
            Step::Instantiate(wasi) => self.begin(step, wasi, RejectStage::Instantiate),
            Step::Run(wasi) => self.begin(step, wasi, RejectStage::Run),
            Step::Call { export, args } => self.call(export, args),
            Step::MemoryPages => self.memory(protocol::memory),
            Step::WriteMemory { offset, bytes } => self.memory(|name| protocol::write_memory(name, *offset, bytes)),
            Step::ReadMemory { offset, len } => self.memory(|name| protocol::read_memory(name, *offset, *len)),
        }
    }
}

impl Drop for WorkerSession {
    fn drop(&mut self) {
        if let State::Open { mut worker, name, .. } = std::mem::replace(&mut self.state, State::NoInstance) {
            if worker.request(protocol::close(&name), CONTROL_TIMEOUT).is_ok() {
                self.module.shared.pool.give_back(worker);
            }
        }
    }
}

pub(crate) fn step_result(backend: &dyn Backend, mut reply: Reply, stage: RejectStage) -> StepResult {
    let outcome = match reply.outcome.take() {
        Some(outcome) => outcome_from_wire(backend, outcome, stage),
        None => Outcome::harness_reject(stage, "worker protocol error: the reply has no outcome"),
    };
    with_notes(StepResult::new(outcome), reply)
        .unwrap_or_else(|err| rejected(stage, format!("worker protocol error: {err}")))
}

/// A step whose worker process ended midway, with what the worker said of it before the end.
fn with_last_words(ended: StepResult, words: Box<Reply>) -> StepResult {
    with_notes(ended.clone(), *words).unwrap_or(ended)
}

/// `result` with what a reply says besides its outcome: output, implicit calls, how it surfaced.
fn with_notes(result: StepResult, reply: Reply) -> Result<StepResult, String> {
    let stdout = protocol::decode_output(&reply.stdout)?;
    let stderr = protocol::decode_output(&reply.stderr)?;
    let mut result = result.with_output(stdout, stderr).with_implicit_calls(reply.implicit_calls);
    result.stdout_dropped = reply.stdout_dropped;
    result.stderr_dropped = reply.stderr_dropped;
    result.surfaced = reply.surfaced;
    result.requested_exit = reply.requested_exit;
    Ok(result)
}

fn outcome_from_wire(backend: &dyn Backend, outcome: WireOutcome, stage: RejectStage) -> Outcome {
    match outcome {
        WireOutcome::Returned { values } => match values.iter().map(protocol::value_from_wire).collect() {
            Ok(values) => Outcome::Returned(values),
            Err(err) => Outcome::harness_reject(stage, format!("worker protocol error: {err}")),
        },
        WireOutcome::Bytes { bytes } => match protocol::decode_bytes(&bytes) {
            Ok(bytes) => Outcome::Bytes(bytes),
            Err(err) => Outcome::harness_reject(stage, format!("worker protocol error: {err}")),
        },
        WireOutcome::Exited { code } => Outcome::Exited(code),
        WireOutcome::Trapped { trap, message, by } => {
            match TrapKind::ALL.into_iter().find(|kind| kind.as_str() == trap) {
                Some(kind) => Outcome::Trapped { kind, message, by: by.into() },
                None => Outcome::harness_reject(
                    stage,
                    format!("worker protocol error: unknown trap kind {trap:?} ({message})"),
                ),
            }
        }
        WireOutcome::Rejected { stage: named, message, by } => {
            Outcome::Rejected { stage: stage_named(&named).unwrap_or(stage), message, by: by.into() }
        }
        WireOutcome::HostError { message, by } => Outcome::HostError { message, by: by.into() },
        WireOutcome::Crashed { message } => Outcome::crashed(message, Author::Runtime),
        WireOutcome::Threw(thrown) => backend.thrown(&thrown),
    }
}

fn stage_named(name: &str) -> Option<RejectStage> {
    RejectStage::ALL.into_iter().find(|stage| stage.as_str() == name)
}

/// A failed worker has no contract error to report through `Session::step`; its step reports
/// this text.
fn describe_failure(runtime: &str, failure: &Failure) -> String {
    match failure {
        Failure::Timeout(waited) => format!("the {runtime} worker did not answer within {waited:?} and was killed"),
        Failure::BudgetSpent(used) => format!("the {runtime} worker used {used:?} of CPU time and was killed"),
        Failure::Died(end) => format!("the {runtime} worker's host process {end}"),
        Failure::Refused(error) => format!("worker protocol error: {error}"),
    }
}

/// A refusal the adapter or its worker wrote (no instance, a worker that could not start).
fn rejected(stage: RejectStage, message: impl Into<String>) -> StepResult {
    StepResult::new(Outcome::harness_reject(stage, message))
}

fn next_session_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("s{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

const RUN_AGAIN_SAME_PROCESS: &str =
    "a run after an earlier step: the earlier instance was closed, and this run is new, in the same worker process";
const RUN_AGAIN_NEW_PROCESS: &str =
    "a run after an earlier step: the earlier worker process had ended, so this run is new, in a new process";
