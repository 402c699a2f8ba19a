//! Judging one observed step against its expectation and, if any, the runtime's deviation.

use execmodel_contract::{Author, Outcome, StepResult, TrapKind};

use crate::expectations::suite::CorpusModule;
use crate::expectations::{Deviation, Expected, ExpectedStep, OutcomePattern, Scenario};
use crate::text::show_bytes;

/// What a failure message needs to name the trial and point into the expectation file.
pub struct TrialContext<'a> {
    pub runtime: &'a str,
    pub module: &'a CorpusModule,
    pub scenario: &'a Scenario,
}

impl TrialContext<'_> {
    pub fn name(&self) -> String {
        trial_name(self.runtime, self.module, self.scenario)
    }
}

/// `runtime::language/module::scenario`, the trial's name everywhere: libtest, reports, diffs.
pub fn trial_name(runtime: &str, module: &CorpusModule, scenario: &Scenario) -> String {
    format!("{runtime}::{}::{}", module.id, scenario.name)
}

pub enum StepJudgement {
    AsExpected,
    AsDeviation,
    Failed(String),
}

pub fn outcome_matches(pattern: &OutcomePattern, outcome: &Outcome) -> bool {
    match (pattern, outcome) {
        (OutcomePattern::Returned(expected), Outcome::Returned(observed)) => expected == observed,
        (OutcomePattern::ReturnedString(expected), Outcome::Bytes(observed)) => expected.as_bytes() == observed,
        (OutcomePattern::Exited(expected), Outcome::Exited(observed)) => expected == observed,
        (OutcomePattern::Trapped(expected), Outcome::Trapped { kind, .. }) => expected == kind,
        (OutcomePattern::Rejected { stage, text }, Outcome::Rejected { stage: observed, message, .. }) => {
            stage == observed && mentions(message, text)
        }
        (OutcomePattern::HostError { text }, Outcome::HostError { message, .. }) => mentions(message, text),
        (OutcomePattern::Crashed { text }, Outcome::Crashed { message, .. }) => mentions(message, text),
        _ => false,
    }
}

/// An expected message fragment, case-insensitively; no fragment matches any message.
fn mentions(message: &str, text: &Option<String>) -> bool {
    text.as_ref().is_none_or(|text| message.to_lowercase().contains(&text.to_lowercase()))
}

pub fn fits(expected: &Expected, observed: &StepResult) -> bool {
    outcome_matches(&expected.outcome, &observed.outcome)
        && expected.stdout.as_bytes() == observed.stdout.as_slice()
        && expected.stderr.as_bytes() == observed.stderr.as_slice()
        && expected.implicit.as_ref().is_none_or(|calls| *calls == observed.implicit_calls)
}

/// The share of its budget a step expected to finish may use. Four times the work fits in the
/// budget, so no machine slower or busier than the one that measured it by less than that flips
/// the verdict to `trapped deadline`; a step near its budget is a verdict waiting to flip.
pub const BUDGET_MARGIN: f64 = 0.25;

/// Why a step that was expected to finish used too much of its budget, or `None`. Steps expected
/// to end `trapped deadline` (loops without end) are meant to spend all of it.
pub fn over_budget_margin(
    context: &TrialContext,
    index: usize,
    step: &ExpectedStep,
    expected: &Expected,
    observed: &StepResult,
) -> Option<String> {
    if expected.outcome == OutcomePattern::Trapped(TrapKind::Deadline) {
        return None;
    }
    let used = observed.budget_use?;
    if used.fraction() <= BUDGET_MARGIN {
        return None;
    }
    Some(format!(
        "{} — step {} `{}` ({}:{})\nthe step used {:.0} % of its budget ({} of {} {}), more than the {:.0} % a step \
         expected to finish may use: a slower or busier machine could end it `trapped deadline`. Give the \
         scenario a larger `budget_ms`, or less work.",
        context.name(),
        index + 1,
        step.action,
        context.module.expectations.file.display(),
        step.line,
        used.fraction() * 100.0,
        used.used,
        used.limit,
        used.unit.as_str(),
        BUDGET_MARGIN * 100.0,
    ))
}

pub fn judge_step(context: &TrialContext, index: usize, step: &ExpectedStep, observed: &StepResult) -> StepJudgement {
    let applied = step.deviation_for(context.runtime);
    let deviation = applied.map(|(_, deviation)| deviation);
    let expected = deviation.map_or(&step.expected, |d| &d.expected);
    if fits(expected, observed) {
        return if deviation.is_some() { StepJudgement::AsDeviation } else { StepJudgement::AsExpected };
    }
    let file = context.module.expectations.file.display();
    let runtime = context.runtime;
    let header = format!("{} — step {} `{}` ({file}:{})", context.name(), index + 1, step.action, step.line);
    match applied.filter(|_| fits(&step.expected, observed)) {
        Some((owner, deviation)) if owner == runtime => {
            return StepJudgement::Failed(stopped_deviating(&header, runtime, &file.to_string(), step, deviation))
        }
        Some((owner, deviation)) => {
            return StepJudgement::Failed(format!(
                "{header}\n{runtime} does what the default expectation says (`{}`), not what {owner} is recorded \
                 to do (`{}`, [scenario.step.deviation.{owner}] at {file}:{}, which {runtime} inherits as an older \
                 major): the behaviour changed between the two. Record it for {runtime} below that step:\n{}",
                step.expected.outcome,
                deviation.expected.outcome,
                deviation.line,
                suggested_deviation(runtime, observed)
            ))
        }
        None => {}
    }
    let mut message = format!("{header}\n{}", differences(expected, observed));
    if let Some((detail, by)) = observed.outcome.message().filter(|(detail, _)| !detail.is_empty()) {
        let who = match by {
            Author::Runtime => runtime.to_string(),
            Author::Harness => format!("the harness ({runtime}'s adapter)"),
        };
        message.push_str(&format!("\n  {who} said: {detail}"));
    }
    if !observed.implicit_calls.is_empty() {
        message.push_str(&format!("\n  {runtime} called by itself: {}", observed.implicit_calls.join(", ")));
    }
    match applied {
        Some((owner, deviation)) if owner == runtime => message.push_str(&format!(
            "\n{runtime} has a recorded deviation here ({file}:{}), but does something else again: update that table to\n{}",
            deviation.line,
            suggested_deviation(runtime, observed)
        )),
        Some((owner, deviation)) => message.push_str(&format!(
            "\n{runtime} inherits {owner}'s deviation here ({file}:{}) as another build of that runtime, but does something else: \
             record what it does below that step:\n{}",
            deviation.line,
            suggested_deviation(runtime, observed)
        )),
        None => message.push_str(&format!(
            "\nIf {runtime} is right to differ (or the ABI allows it), record it below that step with a reason and a link:\n{}",
            suggested_deviation(runtime, observed)
        )),
    }
    StepJudgement::Failed(message)
}

fn stopped_deviating(header: &str, runtime: &str, file: &str, step: &ExpectedStep, deviation: &Deviation) -> String {
    format!(
        "{header}\n{runtime} no longer deviates: it now does what the default expectation says (`{}`) \
         instead of the recorded deviation (`{}`).\nDelete [scenario.step.deviation.{runtime}] at {file}:{} \
         (it said: {} — {}), and check the runtime's release notes for the change.",
        step.expected.outcome, deviation.expected.outcome, deviation.line, deviation.reason, deviation.link
    )
}

fn differences(expected: &Expected, observed: &StepResult) -> String {
    let mut lines = vec![format!("  expected: {}", expected.outcome), format!("  observed: {}", observed.outcome)];
    for (stream, want, got) in [
        ("stdout", expected.stdout.as_bytes(), observed.stdout.as_slice()),
        ("stderr", expected.stderr.as_bytes(), observed.stderr.as_slice()),
    ] {
        if want != got {
            lines.push(format!("  {stream}: expected {}, observed {}", show_bytes(want, 300), show_bytes(got, 300)));
        }
    }
    if let Some(calls) = expected.implicit.as_ref().filter(|calls| **calls != observed.implicit_calls) {
        lines.push(format!(
            "  entry points the runtime called by itself: expected {calls:?}, observed {:?}",
            observed.implicit_calls
        ));
    }
    lines.join("\n")
}

fn suggested_deviation(runtime: &str, observed: &StepResult) -> String {
    let expect = toml_string(observed.outcome.to_string().as_bytes());
    let mut table = format!("  [scenario.step.deviation.{runtime}]\n  expect = {expect}\n");
    for (key, bytes) in [("stdout", &observed.stdout), ("stderr", &observed.stderr)] {
        if !bytes.is_empty() {
            table.push_str(&format!("  {key} = {}\n", toml_string(bytes)));
        }
    }
    if !observed.implicit_calls.is_empty() {
        let calls: Vec<String> = observed.implicit_calls.iter().map(|call| toml_string(call.as_bytes())).collect();
        table.push_str(&format!("  implicit = [{}]\n", calls.join(", ")));
    }
    table.push_str("  summary = \"… (what the runtime does, ≤ 60 characters)\"\n  reason = \"…\"\n  link = \"…\"");
    table
}

/// A one-line TOML basic string (JSON's string escapes are valid TOML), easy to paste.
fn toml_string(bytes: &[u8]) -> String {
    serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use execmodel_contract::{RejectStage, TrapKind, Value};

    #[test]
    fn rejection_text_is_a_case_insensitive_substring() {
        let pattern = OutcomePattern::Rejected { stage: RejectStage::Run, text: Some("both".into()) };
        assert!(outcome_matches(
            &pattern,
            &Outcome::reject(RejectStage::Run, "Program cannot be BOTH a Command and a Reactor")
        ));
        assert!(!outcome_matches(&pattern, &Outcome::reject(RejectStage::Link, "both")));
        assert!(!outcome_matches(&pattern, &Outcome::reject(RejectStage::Run, "unknown import")));
    }

    #[test]
    fn host_errors_and_crashes_are_neither_traps_nor_rejections() {
        let host = OutcomePattern::HostError { text: Some("exit status".into()) };
        let status = Outcome::host_error("exit with invalid exit status outside of [0..126)");
        assert!(outcome_matches(&host, &status));
        assert!(!outcome_matches(&OutcomePattern::Trapped(TrapKind::Other), &status));
        let crashed =
            Outcome::crashed("You must initialize the WasiEnv before using it", execmodel_contract::Author::Runtime);
        assert!(outcome_matches(&OutcomePattern::Crashed { text: None }, &crashed));
        assert!(!outcome_matches(&OutcomePattern::Trapped(TrapKind::Other), &crashed));
        assert!(!outcome_matches(&host, &crashed));
    }

    #[test]
    fn stated_implicit_calls_must_match() {
        let expected = Expected {
            outcome: OutcomePattern::Returned(vec![]),
            stdout: String::new(),
            stderr: String::new(),
            implicit: Some(vec!["_initialize".into()]),
        };
        let observed = StepResult::new(Outcome::returned_nothing());
        assert!(!fits(&expected, &observed));
        assert!(fits(&expected, &observed.clone().with_implicit_calls(vec!["_initialize".into()])));
        assert!(fits(&Expected { implicit: None, ..expected }, &observed));
    }

    #[test]
    fn returned_values_and_traps_compare_exactly() {
        let three = OutcomePattern::Returned(vec![Value::I32(3)]);
        assert!(outcome_matches(&three, &Outcome::Returned(vec![Value::I32(3)])));
        assert!(!outcome_matches(&three, &Outcome::Returned(vec![Value::I64(3)])));
        assert!(!outcome_matches(&three, &Outcome::Returned(vec![])));
        let trap = OutcomePattern::Trapped(TrapKind::Unreachable);
        assert!(outcome_matches(&trap, &Outcome::trap(TrapKind::Unreachable, "wasm trap")));
        assert!(!outcome_matches(&trap, &Outcome::trap(TrapKind::Other, "")));
        assert!(!outcome_matches(&OutcomePattern::Exited(0), &Outcome::Returned(vec![])));
    }
}
