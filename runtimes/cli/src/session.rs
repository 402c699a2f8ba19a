//! One trial: at most one process. `run` spawns it at once; `instantiate` only records the WASI
//! configuration, and the following `call` spawns the CLI with its invoke option, so whatever
//! instantiation does (a link error, a trapping start section) is reported at that call.

use std::sync::Arc;

use execmodel_contract::{
    AdapterFailure, BudgetUse, Limits, Outcome, RejectStage, Session, Step, StepResult, WasiConfig,
};

use crate::infer::infer;
use crate::module::{Call, ModuleFiles};
use crate::process;
use crate::table::ResultStyle;

enum State {
    Fresh,
    Instantiated(WasiConfig),
    Finished,
}

pub struct CliSession {
    module: Arc<ModuleFiles>,
    limits: Limits,
    state: State,
}

impl CliSession {
    pub fn new(module: Arc<ModuleFiles>, limits: Limits) -> Self {
        CliSession { module, limits, state: State::Fresh }
    }

    fn execute(&self, wasi: &WasiConfig, call: Option<Call<'_>>) -> StepResult {
        let table = &self.module.launcher.table;
        let results = match &call {
            Some(call) => {
                let results = self.module.signature(call.export).map(|s| s.results.clone()).unwrap_or_default();
                let readable = table.invoke.as_ref().is_some_and(|i| i.results == ResultStyle::StdoutLines);
                if !results.is_empty() && !readable {
                    self.fail(&format!(
                        "{} prints results of `{}` in a form this adapter cannot read",
                        table.program, call.export
                    ));
                }
                Some(results)
            }
            None => None,
        };
        let command = self.module.command(wasi, call.as_ref(), &self.limits).unwrap_or_else(|why| self.fail(&why));
        let finished = process::run(command, &wasi.stdin, self.limits.budget, self.limits.output_bytes)
            .unwrap_or_else(|err| self.fail(&format!("starting {}: {err}", table.program)));
        let inference = infer(table, &finished, results.as_deref()).unwrap_or_else(|why| self.fail(&why));
        StepResult::new(inference.outcome)
            .with_output(inference.stdout, inference.stderr)
            .with_budget_use(Some(BudgetUse::cpu(finished.cpu_used, self.limits.budget)))
    }

    /// `Session::step` has no error channel: an adapter failure (the CLI cannot be started, or
    /// cannot express what the step asks) unwinds with an [`AdapterFailure`], which the harness
    /// reports as a harness error of this trial, not as something the runtime did.
    fn fail(&self, why: &str) -> ! {
        std::panic::panic_any(AdapterFailure(format!("execmodel-cli {}: {why}", self.module.launcher.name)))
    }
}

impl Session for CliSession {
    fn step(&mut self, step: &Step) -> StepResult {
        let program = self.module.launcher.table.program.clone();
        match (std::mem::replace(&mut self.state, State::Finished), step) {
            (State::Fresh, Step::Run(wasi)) => self.execute(wasi, None),
            (State::Fresh, Step::Instantiate(wasi)) if self.module.launcher.table.invoke.is_some() => {
                self.state = State::Instantiated(wasi.clone());
                StepResult::new(Outcome::returned_nothing())
            }
            (State::Instantiated(wasi), Step::Call { export, args }) => {
                self.execute(&wasi, Some(Call { export, args }))
            }
            (_, step) => StepResult::new(Outcome::reject(
                RejectStage::Call,
                format!(
                    "{program} cannot perform `{}` here: a CLI runs a module, or invokes one export, once per process",
                    step.describe()
                ),
            )),
        }
    }
}
