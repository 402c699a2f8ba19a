//! The nightly compatibility report: one matrix run written as `report.json` (the versioned schema
//! documented in `docs/report-schema.md`), `report.md`, a self-contained `index.html` and
//! `junit.xml`.

pub mod answers;
mod html;
mod junit;
mod markdown;
pub mod merge;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::expectations::questions::{self, Questions};
use crate::trials::record::millis;
pub use crate::trials::record::{
    outcome_kind, BudgetRecord, DeviationInfo, Expectation, Observation, RuntimeInfo, StepRecord, TrialRecord,
};
use crate::trials::records::{RecordLine, RecordSet};
use crate::trials::{Partition, Plan};
use crate::views::host::Host;
use crate::views::lifecycle::{self, LifecycleBench};
use crate::views::matrix::MatrixRun;
pub use crate::views::matrix::Summary;

pub const SCHEMA: &str = "execmodel-report";
pub const SCHEMA_VERSION: u32 = 2;

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

impl Report {
    pub fn from_run(plan: &Plan, run: &MatrixRun) -> Report {
        let runtimes = plan.slots.iter().map(|slot| RuntimeInfo::of(slot)).collect();
        let rules = rule_infos(plan);
        let mut summary = Summary { wall_time_ms: millis(run.wall_time), ..Summary::default() };
        let trials = run
            .reports
            .iter()
            .map(|(trial, report)| {
                let record = TrialRecord::of(plan, trial, report.as_ref());
                summary.add(&record.verdict);
                record
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

    /// The report of a run read from its records, in the plan's order, as `from_run` would have
    /// made it from the same run: trials the plan ignores here (a scenario a runtime cannot
    /// express) are listed as ignored, those of runtimes not installed only with `all_runtimes`,
    /// as `report` does. A planned trial without a record is an error naming it, unless
    /// `partial` (a filtered or partitioned run), when only the recorded trials are listed.
    pub fn from_records(plan: &Plan, records: &RecordSet, all_runtimes: bool, partial: bool) -> anyhow::Result<Report> {
        let here = crate::trials::records::corpus_digest(&plan.suite);
        if records.corpus_digest != here {
            anyhow::bail!(
                "the records were made from another corpus or other expectations (digest {}, here {here}): run the trials again",
                records.corpus_digest
            );
        }
        let recorded = records.runtimes();
        let runtimes: Vec<RuntimeInfo> = plan
            .slots
            .iter()
            .map(|slot| {
                let line = records.lines.values().find(|line| line.runtime.name == slot.name());
                line.map_or_else(|| RuntimeInfo::of(slot), |line| line.runtime.clone())
            })
            .collect();
        let unavailable: Vec<&str> =
            runtimes.iter().filter(|info| info.unavailable.is_some()).map(|info| info.name.as_str()).collect();
        let mut missing = Vec::new();
        let mut summary = Summary { wall_time_ms: records.wall_time_ms(), ..Summary::default() };
        let mut trials = Vec::new();
        for trial in plan.trials(&|_| true) {
            let record = match records.lines.get(&trial.name) {
                Some(line) => line.trial.clone(),
                None if unavailable.contains(&trial.slot.name()) && !recorded.contains(trial.slot.name()) => {
                    if !all_runtimes {
                        continue;
                    }
                    TrialRecord::of(plan, &trial, None)
                }
                None if trial.ignored.is_some() => TrialRecord::of(plan, &trial, None),
                None => {
                    missing.push(trial.name);
                    continue;
                }
            };
            summary.add(&record.verdict);
            trials.push(record);
        }
        if !missing.is_empty() && !partial {
            let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
            anyhow::bail!(
                "{} planned trial(s) have no record, e.g. {} (a filtered or partitioned run: add --partial)",
                missing.len(),
                shown.join(", ")
            );
        }
        let known: BTreeSet<&str> = trials.iter().map(|trial| trial.name.as_str()).collect();
        // Records of runtimes outside the plan (`--runtime`) are left out; within it, every
        // record must be a planned trial.
        let planned_runtime = |line: &RecordLine| plan.slots.iter().any(|slot| slot.name() == line.runtime.name);
        let mut stray = records.lines.iter().filter(|(_, line)| planned_runtime(line)).map(|(name, _)| name);
        if let Some(stray) = stray.find(|name| !known.contains(name.as_str())) {
            anyhow::bail!("trial {stray} is recorded but not in this corpus's plan (records of another corpus?)");
        }
        Ok(Report {
            schema: SCHEMA.to_string(),
            schema_version: SCHEMA_VERSION,
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            host: Host::this_machine(),
            harness_version: records.harness_version.clone(),
            runtimes,
            rules: rule_infos(plan),
            questions: Vec::new(),
            trials,
            summary,
            partition: None,
            answers: Vec::new(),
            lifecycle: None,
        })
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

/// The suite's rules as the report lists them.
fn rule_infos(plan: &Plan) -> BTreeMap<String, RuleInfo> {
    plan.suite
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
        .collect()
}

/// `((module, scenario), runtime → trial)`.
pub type Row<'a> = ((String, String), BTreeMap<String, &'a TrialRecord>);

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

    /// The report rendered from a run's records is the report of that run: same runtimes,
    /// trials, verdicts and observations, durations and timestamps aside.
    #[test]
    fn a_report_from_the_records_of_a_run_is_the_report_of_that_run() {
        use crate::corpus::registry;
        use crate::trials::records::RecordSet;
        use crate::views::matrix::{self, Options};

        let root = crate::corpus::default_root();
        let mut suite = Suite::load(&root).unwrap();
        suite.modules.retain(|module| {
            ["wat/exit_256", "wat/initialize_busy", "c/reactor_counter"].contains(&module.id.as_str())
        });
        let runtimes = [registry::find("wasmtime").unwrap(), registry::find("wasmi").unwrap()];
        let records = tempfile::tempdir().unwrap();
        let mut plan = Plan::new(suite, &runtimes);
        plan.records_dir = Some(records.path().to_path_buf());
        let options = Options { jobs: 2, filter: None, partition: None, all_runtimes: false, progress: &|_, _, _| {} };
        let run = matrix::run(&plan, &options);
        let ran = Report::from_run(&plan, &run);

        let set = RecordSet::read(&[records.path().to_path_buf()]).unwrap();
        let rendered = Report::from_records(&plan, &set, false, false).unwrap();
        let without_times = |report: &Report| {
            let mut trials = report.trials.clone();
            for trial in &mut trials {
                trial.duration_ms = 0.0;
                for step in &mut trial.steps {
                    step.duration_ms = 0.0;
                }
            }
            serde_json::to_value(trials).unwrap()
        };
        assert!(ran.trials.len() > 10);
        assert_eq!(without_times(&rendered), without_times(&ran));
        assert_eq!(rendered.runtimes, ran.runtimes);
        assert_eq!(rendered.rules.len(), ran.rules.len());
        assert_eq!(
            (rendered.summary.total, rendered.summary.pass, rendered.summary.deviation),
            (ran.summary.total, ran.summary.pass, ran.summary.deviation)
        );

        // A run that lacks a planned trial is refused, naming it, unless it is declared partial.
        let mut fewer = set;
        let dropped = fewer.lines.keys().next().unwrap().clone();
        fewer.lines.remove(&dropped);
        let refused = Report::from_records(&plan, &fewer, false, false).unwrap_err().to_string();
        assert!(refused.contains(&dropped), "{refused}");
        assert_eq!(Report::from_records(&plan, &fewer, false, true).unwrap().trials.len(), ran.trials.len() - 1);
    }

    #[test]
    fn records_from_two_harness_versions_or_a_trial_twice_are_refused() {
        use crate::trials::records::RecordSet;
        let dir = tempfile::tempdir().unwrap();
        let line = |version: &str, name: &str| {
            format!(
                r#"{{"harness_version":"{version}","corpus_digest":"d","runtime":{{"name":"wasmi","version":"2","embedded":true,"unavailable":null}},"finished_at_ms":1,"trial":{{"name":"{name}","runtime":"wasmi","module":"wat/x","language":"wat","scenario":"s","rule":"r","verdict":"pass","message":null,"duration_ms":1.0,"steps":[]}}}}"#
            )
        };
        fs::write(dir.path().join("1.jsonl"), format!("{}\n{}\n", line("0.1.0", "a"), line("0.2.0", "b"))).unwrap();
        let mixed = RecordSet::read(&[dir.path().to_path_buf()]).unwrap_err().to_string();
        assert!(mixed.contains("2 harness versions") && mixed.contains("0.2.0"), "{mixed}");
        fs::write(dir.path().join("1.jsonl"), format!("{}\n", line("0.1.0", "a"))).unwrap();
        fs::write(dir.path().join("2.jsonl"), format!("{}\n", line("0.1.0", "a"))).unwrap();
        let twice = RecordSet::read(&[dir.path().to_path_buf()]).unwrap_err().to_string();
        assert!(twice.contains("trial a is recorded twice") && twice.contains("1.jsonl:1"), "{twice}");
        fs::write(dir.path().join("2.jsonl"), "{not json\n").unwrap();
        let bad = RecordSet::read(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(format!("{bad:#}").contains("2.jsonl:1: not a trial record"), "{bad:#}");
    }
}
