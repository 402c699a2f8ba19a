//! The lifecycle steps `bench lifecycle` times, and how one batch of iterations of each is run.
//!
//! Only the step under measurement is inside the timer. A fresh session, the steps that bring it
//! to the state the measured step needs, and dropping it afterwards all happen outside.

use std::sync::Arc;
use std::time::Instant;

use execmodel_contract::{CompiledModule, Limits, Outcome, Runtime, Session, Step, StepKind, Value, WasiConfig};

use super::fixtures::Fixtures;
use crate::views::lifecycle::Measured;

impl Measured {
    /// The whole sequence of steps this measurement performs, to ask a runtime whether it can.
    pub fn kinds(self) -> Vec<StepKind> {
        match self.plan() {
            Some(plan) => plan.setup.iter().chain([&plan.timed]).map(Step::kind).collect(),
            None => vec![StepKind::Instantiate],
        }
    }

    /// The session steps, or `None` for `compile`, which needs no session.
    fn plan(self) -> Option<SessionPlan> {
        let call = |export: &str| Step::Call { export: export.to_string(), args: Vec::new() };
        let instantiate = Step::Instantiate(wasi_config());
        let plan = match self {
            Measured::Compile => return None,
            Measured::Instantiate => SessionPlan::each_iteration(Fixture::Command, vec![], instantiate),
            Measured::Start => SessionPlan::each_iteration(Fixture::Command, vec![instantiate], call("_start")),
            Measured::Initialize => {
                SessionPlan::each_iteration(Fixture::Reactor, vec![instantiate], call("_initialize"))
            }
            Measured::Call => SessionPlan {
                fixture: Fixture::Reactor,
                setup: vec![instantiate, call("_initialize")],
                timed: call("bump"),
                fresh_session: FreshSession::PerBatch,
            },
            Measured::RunCall => {
                SessionPlan::each_iteration(Fixture::Command, vec![Step::Run(wasi_config())], call("bump"))
            }
        };
        Some(plan)
    }
}

fn wasi_config() -> WasiConfig {
    WasiConfig { args: vec!["bench.wasm".to_string()], ..WasiConfig::default() }
}

#[derive(Debug, Clone, Copy)]
enum Fixture {
    Command,
    Reactor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FreshSession {
    PerIteration,
    /// One session for a whole batch: the measured step leaves it ready for the next iteration.
    PerBatch,
}

struct SessionPlan {
    fixture: Fixture,
    setup: Vec<Step>,
    timed: Step,
    fresh_session: FreshSession,
}

impl SessionPlan {
    fn each_iteration(fixture: Fixture, setup: Vec<Step>, timed: Step) -> SessionPlan {
        SessionPlan { fixture, setup, timed, fresh_session: FreshSession::PerIteration }
    }
}

/// One runtime with the fixtures compiled once, ready to time any [`Measured`] step.
pub struct Subject {
    runtime: Arc<dyn Runtime>,
    fixtures: Fixtures,
    command: Arc<dyn CompiledModule>,
    reactor: Arc<dyn CompiledModule>,
}

impl Subject {
    pub fn new(runtime: Arc<dyn Runtime>) -> Result<Subject, String> {
        let fixtures = Fixtures::build();
        let compile = |wasm: &[u8]| runtime.compile(wasm).map_err(|err| err.to_string());
        let command = compile(&fixtures.command)?;
        let reactor = compile(&fixtures.reactor)?;
        Ok(Subject { runtime, fixtures, command, reactor })
    }

    /// Runs `iterations` iterations of `measured`, appending each one's duration in nanoseconds.
    pub fn time(&self, measured: Measured, iterations: u64, durations: &mut Vec<u64>) -> Result<(), String> {
        let Some(plan) = measured.plan() else {
            return self.time_compile(iterations, durations);
        };
        let compiled = match plan.fixture {
            Fixture::Command => &self.command,
            Fixture::Reactor => &self.reactor,
        };
        match plan.fresh_session {
            FreshSession::PerBatch => {
                let mut session = prepared_session(compiled.as_ref(), &plan.setup)?;
                for _ in 0..iterations {
                    time_step(session.as_mut(), &plan.timed, durations)?;
                }
            }
            FreshSession::PerIteration => {
                for _ in 0..iterations {
                    let mut session = prepared_session(compiled.as_ref(), &plan.setup)?;
                    time_step(session.as_mut(), &plan.timed, durations)?;
                    // The session is dropped here, after its duration was taken.
                }
            }
        }
        Ok(())
    }

    fn time_compile(&self, iterations: u64, durations: &mut Vec<u64>) -> Result<(), String> {
        for _ in 0..iterations {
            let started = Instant::now();
            let compiled = self.runtime.compile(&self.fixtures.command);
            durations.push(nanos_since(started));
            drop(compiled.map_err(|err| format!("compile: {err}"))?);
        }
        Ok(())
    }
}

fn prepared_session(compiled: &dyn CompiledModule, setup: &[Step]) -> Result<Box<dyn Session>, String> {
    let mut session = compiled.session(Limits::default());
    for step in setup {
        check(step, &session.step(step).outcome)?;
    }
    Ok(session)
}

fn time_step(session: &mut dyn Session, step: &Step, durations: &mut Vec<u64>) -> Result<(), String> {
    let started = Instant::now();
    let result = session.step(step);
    durations.push(nanos_since(started));
    check(step, &result.outcome)
}

/// Every step of the fixtures completes; `bump` returns one i32.
fn check(step: &Step, outcome: &Outcome) -> Result<(), String> {
    let fine = match step {
        Step::Call { export, .. } if export == "bump" => {
            matches!(outcome, Outcome::Returned(values) if matches!(values[..], [Value::I32(_)]))
        }
        _ => matches!(outcome, Outcome::Returned(_) | Outcome::Exited(0)),
    };
    if fine {
        Ok(())
    } else {
        Err(format!("{} gave `{outcome}` on a bench fixture", step.describe()))
    }
}

fn nanos_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_live_call_reuses_its_session_across_iterations() {
        for measured in Measured::ALL {
            let reused = measured.plan().is_some_and(|plan| plan.fresh_session == FreshSession::PerBatch);
            assert_eq!(reused, measured == Measured::Call, "{measured:?}");
        }
    }

    #[test]
    fn every_step_times_on_wasmi() {
        let subject = Subject::new(execmodel_wasmi::runtime()).expect("fixtures compile on wasmi");
        for measured in Measured::ALL {
            let mut durations = Vec::new();
            subject.time(measured, 3, &mut durations).unwrap_or_else(|err| panic!("{measured:?}: {err}"));
            assert_eq!(durations.len(), 3, "{measured:?}");
        }
    }
}
