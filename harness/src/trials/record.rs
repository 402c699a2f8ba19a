//! The record of one finished trial: what was expected, what each step observed, the verdict.
//! Built once, when the trial ends, and written as a line of the run's records
//! (`trials::records`); every view renders these.

use serde::{Deserialize, Serialize};

use execmodel_contract::{Outcome, StepResult};

use crate::trials::plan::{Plan, PlannedTrial};
use crate::trials::runner::{RuntimeSlot, TrialReport, Verdict};

/// Captured output kept per step in a record.
const EXCERPT_CHARS: usize = 2000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuntimeInfo {
    pub name: String,
    pub version: String,
    pub embedded: bool,
    pub unavailable: Option<String>,
}

impl RuntimeInfo {
    pub fn of(slot: &RuntimeSlot) -> RuntimeInfo {
        let unavailable = slot.availability().err().map(|why| why.to_string());
        RuntimeInfo {
            name: slot.name().to_string(),
            version: if unavailable.is_some() { String::new() } else { slot.version() },
            embedded: slot.entry.embedded,
            unavailable,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrialRecord {
    pub name: String,
    pub runtime: String,
    /// `<lang>/<module>`.
    pub module: String,
    pub language: String,
    pub scenario: String,
    pub rule: String,
    /// Ids of the questions this trial's scenario answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
    /// pass | deviation | fail | error | ignored
    pub verdict: String,
    pub message: Option<String>,
    pub duration_ms: f64,
    pub steps: Vec<StepRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepRecord {
    pub step: String,
    /// Line of the step in the expectation file.
    pub line: usize,
    pub expected: Expectation,
    pub deviation: Option<DeviationInfo>,
    pub observed: Option<Observation>,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Expectation {
    pub outcome: String,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeviationInfo {
    /// What the runtime does, in a few words (older reports have none).
    #[serde(default)]
    pub summary: String,
    pub reason: String,
    pub link: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Observation {
    pub outcome: String,
    /// `returned`, `bytes`, `exited`, `trapped`, `rejected`, `host-error` or `crashed`.
    pub kind: String,
    /// The whole message of a trap, rejection, host error or crash.
    pub detail: Option<String>,
    /// Who wrote `detail`: `runtime` or `harness`.
    pub by: Option<String>,
    /// The exit code of `exited`.
    pub exit_code: Option<i64>,
    /// Entry points the runtime called by itself during the step.
    pub implicit_calls: Vec<String>,
    /// What the guest passed to `proc_exit` when the runtime reported something else.
    pub requested_exit: Option<i64>,
    /// How the outcome came out of the runtime's API.
    pub surfaced: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_dropped: u64,
    pub stderr_dropped: u64,
    /// What the step spent of its budget, for steps that ran guest code (older reports: none).
    #[serde(default)]
    pub budget: Option<BudgetRecord>,
}

/// A step's budget use: `used` of `limit`, in `unit` (`fuel`, `metering points`, `CPU µs`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BudgetRecord {
    pub used: u64,
    pub limit: u64,
    pub unit: String,
    /// `used / limit`, rounded to a thousandth.
    pub share: f64,
}

impl BudgetRecord {
    pub fn of(used: &execmodel_contract::BudgetUse) -> BudgetRecord {
        BudgetRecord {
            used: used.used,
            limit: used.limit,
            unit: used.unit.as_str().to_string(),
            share: (used.fraction() * 1000.0).round() / 1000.0,
        }
    }
}

impl Observation {
    pub fn of(observed: &StepResult) -> Observation {
        let outcome = &observed.outcome;
        let message = outcome.message().filter(|(message, _)| !message.is_empty());
        Observation {
            outcome: outcome.to_string(),
            kind: outcome_kind(outcome).to_string(),
            detail: message.map(|(message, _)| excerpt(message.as_bytes())),
            by: message.map(|(_, by)| by.as_str().to_string()),
            exit_code: match outcome {
                Outcome::Exited(code) => Some(*code),
                _ => None,
            },
            implicit_calls: observed.implicit_calls.clone(),
            requested_exit: observed.requested_exit,
            surfaced: observed.surfaced.clone(),
            stdout: excerpt(&observed.stdout),
            stderr: excerpt(&observed.stderr),
            stdout_dropped: observed.stdout_dropped,
            stderr_dropped: observed.stderr_dropped,
            budget: observed.budget_use.as_ref().map(BudgetRecord::of),
        }
    }
}

/// The outcome's kind as one word, the first word of its expectation syntax.
pub fn outcome_kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Returned(_) => "returned",
        Outcome::Bytes(_) => "bytes",
        Outcome::Exited(_) => "exited",
        Outcome::Trapped { .. } => "trapped",
        Outcome::Rejected { .. } => "rejected",
        Outcome::HostError { .. } => "host-error",
        Outcome::Crashed { .. } => "crashed",
    }
}

impl TrialRecord {
    /// The record of a planned trial: `report` is `None` for a trial that did not run (`ignored`
    /// says why, or it is an error).
    pub fn of(plan: &Plan, trial: &PlannedTrial, report: Option<&TrialReport>) -> TrialRecord {
        let module = &plan.suite.modules[trial.module];
        let scenario = &module.expectations.scenarios[trial.scenario];
        let (verdict, message) = match (&trial.ignored, report.map(|r| &r.verdict)) {
            (Some(reason), _) => ("ignored", Some(reason.clone())),
            (None, Some(Verdict::Pass)) => ("pass", None),
            (None, Some(Verdict::KnownDeviation)) => ("deviation", None),
            (None, Some(Verdict::Fail(message))) => ("fail", Some(message.clone())),
            (None, Some(Verdict::Error(message))) => ("error", Some(message.clone())),
            (None, None) => ("error", Some("trial did not run".to_string())),
        };
        let steps = report
            .iter()
            .flat_map(|report| report.steps.iter().zip(&scenario.steps))
            .map(|(step, expected_step)| StepRecord {
                step: step.description.clone(),
                line: step.line,
                expected: Expectation {
                    outcome: step.expected.outcome.to_string(),
                    stdout: step.expected.stdout.clone(),
                    stderr: step.expected.stderr.clone(),
                },
                // An older version of a runtime runs on its main column's tables.
                deviation: expected_step.deviation_for(trial.slot.name()).map(|(_, d)| DeviationInfo {
                    summary: d.summary.clone(),
                    reason: d.reason.clone(),
                    link: d.link.clone(),
                }),
                observed: step.observed.as_ref().map(Observation::of),
                duration_ms: millis(step.duration),
            })
            .collect();
        TrialRecord {
            name: trial.name.clone(),
            runtime: trial.slot.name().to_string(),
            module: module.id.clone(),
            language: module.id.split('/').next().unwrap_or_default().to_string(),
            scenario: scenario.name.clone(),
            rule: scenario.rule.clone(),
            questions: Vec::new(),
            verdict: verdict.to_string(),
            message,
            duration_ms: report.map_or(0.0, |r| millis(r.duration)),
            steps,
        }
    }
}

pub fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= EXCERPT_CHARS {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(EXCERPT_CHARS).collect();
    cut.push_str("…[truncated]");
    cut
}
