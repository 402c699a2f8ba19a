//! One trial's session: a worker leased for its whole life and one node-side session in it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use execmodel_contract::{
    Limits, Outcome, RejectStage, Session, Step, StepResult, TrapKind, Value, WasiConfig,
};
use serde_json::Value as Json;

use crate::protocol::{self, Reply, WireOutcome};
use crate::runtime::{ModuleInner, Prepared};
use crate::throws;
use crate::worker::{Failure, Worker};

/// Requests that run no guest code (open, close, memory) only guard against a hung worker.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);
/// Added to the trial deadline before the worker is declared stuck: message passing, WASI
/// setup and reading back output take a few milliseconds, a loaded machine more.
const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

pub struct NodeSession {
    module: Arc<ModuleInner>,
    limits: Limits,
    state: State,
}

/// How long a step may take: guest code gets the trial deadline, anything else a fixed guard.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Guest,
    Control,
}

enum State {
    /// Nothing done yet: the first step must be `Instantiate` or `Run`.
    Fresh,
    /// A node-side session exists in this worker; it may hold no instance (e.g. after a link error).
    Open {
        worker: Worker,
        name: String,
        has_instance: bool,
    },
    /// The first step ended before node had a session (memory too large, no worker).
    NoInstance,
    /// The worker was killed or died; the instance went with it.
    Lost(String),
}

impl NodeSession {
    pub(crate) fn new(module: Arc<ModuleInner>, limits: Limits) -> NodeSession {
        NodeSession {
            module,
            limits,
            state: State::Fresh,
        }
    }

    fn begin(&mut self, step: &Step, wasi: &WasiConfig, stage: RejectStage) -> StepResult {
        if !matches!(self.state, State::Fresh) {
            return rejected(
                stage,
                "the session already has an instance: instantiate and run only come first",
            );
        }
        self.state = State::NoInstance;
        let variant = match self.module.prepare(self.limits.memory_bytes) {
            Ok(Prepared::Ready(variant)) => variant,
            Ok(Prepared::InitialTooLarge {
                initial_pages,
                cap_pages,
            }) => {
                return rejected(
                    RejectStage::Instantiate,
                    format!(
                        "initial memory of {initial_pages} pages exceeds the limit of {cap_pages} pages ({} bytes)",
                        self.limits.memory_bytes
                    ),
                );
            }
            Err(err) => {
                return rejected(
                    RejectStage::Instantiate,
                    format!("cannot cap the module's memory: {err}"),
                )
            }
        };
        let mut worker = match self.module.shared.pool.lease() {
            Ok(worker) => worker,
            Err(err) => return rejected(stage, format!("node worker could not start: {err}")),
        };
        let name = next_session_name();
        let opened = variant.load_into(&mut worker).and_then(|()| {
            worker.request(
                protocol::open(&name, &variant.id, self.limits.output_bytes),
                CONTROL_TIMEOUT,
            )
        });
        if let Err(failure) = opened {
            if matches!(failure, Failure::Refused(_)) {
                self.module.shared.pool.give_back(worker);
            }
            return rejected(stage, describe_failure(&failure));
        }
        let request = match step {
            Step::Run(_) => protocol::run(&name, wasi),
            _ => protocol::instantiate(&name, wasi),
        };
        self.state = State::Open {
            worker,
            name,
            has_instance: false,
        };
        self.exchange(request, Wait::Guest, stage)
    }

    fn call(&mut self, export: &str, args: &[Value]) -> StepResult {
        let name = match &self.state {
            State::Open {
                name,
                has_instance: true,
                ..
            } => name.clone(),
            State::Lost(why) => return rejected(RejectStage::Call, why.clone()),
            _ => return rejected(RejectStage::Call, "there is no instance to call"),
        };
        let results = match self.module.exports.check_call(export, args) {
            Ok(results) => results,
            Err(why) => return rejected(RejectStage::Call, why),
        };
        self.exchange(
            protocol::call(&name, export, args, &results),
            Wait::Guest,
            RejectStage::Call,
        )
    }

    fn memory(&mut self, request: impl FnOnce(&str) -> Json) -> StepResult {
        let name = match &self.state {
            State::Open {
                name,
                has_instance: true,
                ..
            } => name.clone(),
            State::Lost(why) => return rejected(RejectStage::Call, why.clone()),
            _ => return rejected(RejectStage::Call, "there is no instance"),
        };
        self.exchange(request(&name), Wait::Control, RejectStage::Call)
    }

    /// Send a step to the session's worker and turn the reply (or its absence) into a result.
    fn exchange(&mut self, request: Json, wait: Wait, stage: RejectStage) -> StepResult {
        let timeout = match wait {
            Wait::Guest => self.limits.deadline + DEADLINE_MARGIN,
            Wait::Control => CONTROL_TIMEOUT,
        };
        let State::Open {
            worker,
            has_instance,
            ..
        } = &mut self.state
        else {
            return rejected(stage, "there is no node session");
        };
        match worker.request(request, timeout) {
            Ok(reply) => {
                *has_instance = reply.has_instance;
                step_result(reply, stage)
            }
            Err(Failure::Timeout(waited)) if wait == Wait::Guest => {
                self.state = State::Lost(format!(
                    "the instance is gone: its node worker was killed when a step ran past the deadline ({waited:?})"
                ));
                StepResult::new(Outcome::trap(
                    TrapKind::Deadline,
                    format!("no answer within {waited:?}; the node worker was killed"),
                ))
            }
            Err(failure @ Failure::Refused(_)) => rejected(stage, describe_failure(&failure)),
            Err(failure) => {
                let why = describe_failure(&failure);
                self.state = State::Lost(format!("the instance is gone: {why}"));
                rejected(stage, why)
            }
        }
    }
}

impl Session for NodeSession {
    fn step(&mut self, step: &Step) -> StepResult {
        match step {
            Step::Instantiate(wasi) => self.begin(step, wasi, RejectStage::Instantiate),
            Step::Run(wasi) => self.begin(step, wasi, RejectStage::Run),
            Step::Call { export, args } => self.call(export, args),
            Step::MemoryPages => self.memory(protocol::memory),
            Step::WriteMemory { offset, bytes } => {
                self.memory(|name| protocol::write_memory(name, *offset, bytes))
            }
            Step::ReadMemory { offset, len } => {
                self.memory(|name| protocol::read_memory(name, *offset, *len))
            }
        }
    }
}

impl Drop for NodeSession {
    fn drop(&mut self) {
        if let State::Open {
            mut worker, name, ..
        } = std::mem::replace(&mut self.state, State::NoInstance)
        {
            if worker
                .request(protocol::close(&name), CONTROL_TIMEOUT)
                .is_ok()
            {
                self.module.shared.pool.give_back(worker);
            }
        }
    }
}

fn step_result(reply: Reply, stage: RejectStage) -> StepResult {
    let outcome = match reply.outcome {
        Some(outcome) => outcome_from_wire(outcome, stage),
        None => Outcome::reject(
            stage,
            "node adapter error: the worker's reply has no outcome",
        ),
    };
    let output = protocol::decode_output(&reply.stdout)
        .and_then(|stdout| Ok((stdout, protocol::decode_output(&reply.stderr)?)));
    match output {
        Ok((stdout, stderr)) => StepResult {
            outcome,
            stdout,
            stderr,
        },
        Err(err) => rejected(stage, format!("node adapter error: {err}")),
    }
}

fn outcome_from_wire(outcome: WireOutcome, stage: RejectStage) -> Outcome {
    match outcome {
        WireOutcome::Returned { values } => {
            match values.iter().map(protocol::value_from_wire).collect() {
                Ok(values) => Outcome::Returned(values),
                Err(err) => Outcome::reject(stage, format!("node adapter error: {err}")),
            }
        }
        WireOutcome::Bytes { bytes } => match protocol::decode_bytes(&bytes) {
            Ok(bytes) => Outcome::Bytes(bytes),
            Err(err) => Outcome::reject(stage, format!("node adapter error: {err}")),
        },
        WireOutcome::Exited { code } => Outcome::Exited(code),
        WireOutcome::Rejected {
            stage: named,
            message,
        } => Outcome::reject(stage_named(&named).unwrap_or(stage), message),
        WireOutcome::Threw(thrown) => throws::outcome_of(&thrown),
    }
}

fn stage_named(name: &str) -> Option<RejectStage> {
    RejectStage::ALL
        .into_iter()
        .find(|stage| stage.as_str() == name)
}

/// A failed worker has no contract error to report through `Session::step`, so it becomes a
/// rejection of the step with this text.
fn describe_failure(failure: &Failure) -> String {
    match failure {
        Failure::Timeout(waited) => {
            format!("node worker did not answer within {waited:?} and was killed")
        }
        Failure::Died(stderr) => format!("node worker died: {stderr}"),
        Failure::Refused(error) => format!("node adapter error: {error}"),
    }
}

fn rejected(stage: RejectStage, message: impl Into<String>) -> StepResult {
    StepResult::new(Outcome::reject(stage, message))
}

fn next_session_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("s{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
