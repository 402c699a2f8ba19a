//! A module the runtime refused to compile, as the trials see it: a verdict of the runtime (it
//! does not enable a proposal the module uses, say), not a failure of the harness.

use execmodel_contract::{CompiledModule, Limits, Outcome, RejectStage, Session, Step, StepResult};

/// Stands in for the compiled module: each session's first step is the runtime's refusal, with
/// its own text; the steps after it have no instance to act on.
pub struct RefusedModule {
    message: String,
}

impl RefusedModule {
    pub fn new(message: String) -> RefusedModule {
        RefusedModule { message }
    }
}

impl CompiledModule for RefusedModule {
    fn session(&self, _limits: Limits) -> Box<dyn Session> {
        Box::new(RefusedSession { message: self.message.clone(), refused: false })
    }
}

struct RefusedSession {
    message: String,
    refused: bool,
}

impl Session for RefusedSession {
    fn step(&mut self, _step: &Step) -> StepResult {
        if std::mem::replace(&mut self.refused, true) {
            return StepResult::new(Outcome::harness_reject(
                RejectStage::Call,
                "the module did not compile: there is no instance",
            ));
        }
        StepResult::new(Outcome::reject(RejectStage::Compile, self.message.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use execmodel_contract::WasiConfig;

    #[test]
    fn the_first_step_is_the_refusal_and_later_ones_have_no_instance() {
        let module = RefusedModule::new("memory count of 2 exceeds internal limit of 1".into());
        let mut session = module.session(Limits::default());
        let first = session.step(&Step::Run(WasiConfig::default()));
        assert_eq!(first.outcome.to_string(), "rejected compile: memory count of 2 exceeds internal limit of 1");
        let later = session.step(&Step::Call { export: "f".into(), args: Vec::new() });
        assert_eq!(later.outcome.to_string(), "rejected call: the module did not compile: there is no instance");
    }
}
