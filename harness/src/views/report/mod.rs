//! The nightly compatibility report: one matrix run written as `report.json` (the versioned schema
//! documented in `docs/report-schema.md`), `report.md`, a self-contained `index.html` and
//! `junit.xml`.

pub mod answers;
mod html;
mod junit;
mod markdown;
pub mod merge;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use execmodel_contract::{Outcome, StepResult};

use crate::expectations::questions::{self, Questions};
use crate::trials::runner::Verdict;
use crate::trials::{Partition, Plan};
use crate::views::host::Host;
use crate::views::lifecycle::{self, LifecycleBench};
use crate::views::matrix::MatrixRun;
pub use crate::views::matrix::Summary;

pub const SCHEMA: &str = "execmodel-report";
pub const SCHEMA_VERSION: u32 = 2;
/// Captured output kept per step in the report.
const EXCERPT_CHARS: usize = 2000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub schema_version: u32,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub host: Host,
    pub harness_version: String,
    pub runtimes: Vec<RuntimeInfo>,
    pub rules: BTreeMap<String, RuleInfo>,
    /// The lifecycle questions of `expectations/questions.toml`, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<QuestionInfo>,
    pub trials: Vec<TrialRecord>,
    pub summary: Summary,
    /// What each runtime does per question, worked out from `trials` (`answers::answer`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<answers::AnswerRow>,
    /// Set when this report is one part of a split run (`report --partition K/N`); `execmodel
    /// merge` puts the parts back together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartInfo>,
    /// A `bench lifecycle --json` document given to `report --lifecycle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LifecycleBench>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PartInfo {
    #[serde(flatten)]
    pub part: Partition,
    /// Trials in the whole run this part was cut from.
    pub whole_total: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuntimeInfo {
    pub name: String,
    pub version: String,
    pub embedded: bool,
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleInfo {
    pub basis: String,
    pub text: String,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QuestionInfo {
    pub id: String,
    pub ask: String,
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

impl Report {
    pub fn from_run(plan: &Plan, run: &MatrixRun) -> Report {
        let runtimes = plan
            .slots
            .iter()
            .map(|slot| {
                let unavailable = slot.availability().err().map(|why| why.to_string());
                RuntimeInfo {
                    name: slot.name().to_string(),
                    version: if unavailable.is_some() { String::new() } else { slot.version() },
                    embedded: slot.entry.embedded,
                    unavailable,
                }
            })
            .collect();
        let rules = plan
            .suite
            .rules
            .ids()
            .filter_map(|id| plan.suite.rules.get(id).map(|rule| (id, rule)))
            .map(|(id, rule)| {
                let info = RuleInfo {
                    basis: rule.basis.as_str().to_string(),
                    text: rule.text.clone(),
                    source: rule.source.clone(),
                };
                (id.to_string(), info)
            })
            .collect();
        let mut summary = Summary { wall_time_ms: millis(run.wall_time), ..Summary::default() };
        let trials = run
            .reports
            .iter()
            .map(|(trial, report)| {
                let module = &plan.suite.modules[trial.module];
                let scenario = &module.expectations.scenarios[trial.scenario];
                let (verdict, message) = match (&trial.ignored, report.as_ref().map(|r| &r.verdict)) {
                    (Some(reason), _) => ("ignored", Some(reason.clone())),
                    (None, Some(Verdict::Pass)) => ("pass", None),
                    (None, Some(Verdict::KnownDeviation)) => ("deviation", None),
                    (None, Some(Verdict::Fail(message))) => ("fail", Some(message.clone())),
                    (None, Some(Verdict::Error(message))) => ("error", Some(message.clone())),
                    (None, None) => ("error", Some("trial did not run".to_string())),
                };
                summary.add(verdict);
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
                    duration_ms: report.as_ref().map_or(0.0, |r| millis(r.duration)),
                    steps,
                }
            })
            .collect();
        Report {
            schema: SCHEMA.to_string(),
            schema_version: SCHEMA_VERSION,
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            host: Host::this_machine(),
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            runtimes,
            rules,
            questions: Vec::new(),
            trials,
            summary,
            partition: run.partition.map(|(part, whole_total)| PartInfo { part, whole_total }),
            answers: Vec::new(),
            lifecycle: None,
        }
    }

    /// Tag each trial with the questions its scenario answers, so the page can filter by them.
    /// Problems of the questions file are `execmodel coverage`'s to report, not the report's.
    pub fn answer_questions(&mut self, questions: &Questions, plan: &Plan) {
        let answers = questions::answers(questions, &plan.suite);
        let mut by_scenario: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for (question, matched) in questions.list.iter().zip(&answers.scenarios) {
            for reference in matched {
                let module = &plan.suite.modules[reference.module];
                let scenario = &module.expectations.scenarios[reference.scenario];
                by_scenario.entry((&module.id, &scenario.name)).or_default().push(question.id.clone());
            }
        }
        for trial in &mut self.trials {
            trial.questions =
                by_scenario.get(&(trial.module.as_str(), trial.scenario.as_str())).cloned().unwrap_or_default();
        }
        self.questions = questions.list.iter().map(|q| QuestionInfo { id: q.id.clone(), ask: q.ask.clone() }).collect();
        self.answers = answers::answer(self);
    }

    pub fn read(path: &Path) -> anyhow::Result<Report> {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        let schema =
            (value.get("schema").and_then(|v| v.as_str()), value.get("schema_version").and_then(|v| v.as_u64()));
        if schema != (Some(SCHEMA), Some(u64::from(SCHEMA_VERSION))) {
            anyhow::bail!(
                "{} is not an {SCHEMA} version {SCHEMA_VERSION} file (found schema {:?}, version {:?})",
                path.display(),
                schema.0,
                schema.1
            );
        }
        serde_json::from_value(value).with_context(|| format!("{} does not follow the report schema", path.display()))
    }

    /// Write all four files into `dir`, atomically: into a temporary sibling first, then renamed
    /// file by file, so a reader never sees a half-written report.
    pub fn write_dir(&self, dir: &Path) -> anyhow::Result<()> {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let json = serde_json::to_string_pretty(self)?;
        let files = [
            ("report.json", json.clone()),
            ("report.md", markdown::render(self)),
            (
                "index.html",
                html::render(&json, &self.lifecycle.as_ref().map(lifecycle::render_html_section).unwrap_or_default()),
            ),
            ("junit.xml", junit::render(self)?),
        ];
        for (name, contents) in files {
            let target = dir.join(name);
            let mut temporary = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
            std::io::Write::write_all(&mut temporary, contents.as_bytes())?;
            // Temporary files are private; a published report is for everyone to read.
            #[cfg(unix)]
            temporary
                .as_file()
                .set_permissions(<fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644))?;
            temporary.persist(&target).with_context(|| format!("writing {}", target.display()))?;
        }
        Ok(())
    }

    /// The matrix rows: `(module, scenario)` and each runtime's trial, in first-seen order.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows: Vec<Row<'_>> = Vec::new();
        for trial in &self.trials {
            let key = (trial.module.clone(), trial.scenario.clone());
            let index = rows.iter().position(|(k, _)| *k == key).unwrap_or_else(|| {
                rows.push((key, BTreeMap::new()));
                rows.len() - 1
            });
            rows[index].1.insert(trial.runtime.clone(), trial);
        }
        rows
    }
}

/// `((module, scenario), runtime → trial)`.
pub type Row<'a> = ((String, String), BTreeMap<String, &'a TrialRecord>);

fn millis(duration: std::time::Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() <= EXCERPT_CHARS {
        return text.into_owned();
    }
    let mut cut: String = text.chars().take(EXCERPT_CHARS).collect();
    cut.push_str("…[truncated]");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expectations::suite::Suite;

    fn trial(module: &str, scenario: &str) -> TrialRecord {
        TrialRecord {
            name: format!("wasmtime::{module}::{scenario}"),
            runtime: "wasmtime".into(),
            module: module.into(),
            language: module.split('/').next().unwrap().into(),
            scenario: scenario.into(),
            rule: "observed".into(),
            questions: Vec::new(),
            verdict: "pass".into(),
            message: None,
            duration_ms: 0.0,
            steps: Vec::new(),
        }
    }

    #[test]
    fn trials_are_tagged_with_the_questions_their_scenarios_answer() {
        let root = crate::corpus::default_root();
        let plan = Plan::new(Suite::load(&root).unwrap(), &[]);
        let mut report = Report {
            schema: SCHEMA.into(),
            schema_version: SCHEMA_VERSION,
            generated_at: "t".into(),
            host: Host::this_machine(),
            harness_version: "0".into(),
            runtimes: Vec::new(),
            rules: BTreeMap::new(),
            questions: Vec::new(),
            trials: vec![trial("c/command_echo", "exit_code_256"), trial("c/no_such_module", "s")],
            summary: Summary::default(),
            partition: None,
            answers: Vec::new(),
            lifecycle: None,
        };
        let questions = Questions::load(&root).unwrap();
        report.answer_questions(&questions, &plan);
        assert_eq!(report.trials[0].questions, ["exit-code-range"]);
        assert!(report.trials[1].questions.is_empty());
        assert_eq!(report.questions.len(), questions.list.len());
        assert_eq!(report.questions[0].id, "main-returns-zero");
    }
}
