//! The answer at a glance: for each lifecycle question, what each runtime does, worked out from
//! one run's trials — "as the ABI says" where every trial of the question passes, otherwise the
//! `summary` of the deviations the runtime showed. Nothing here is written per runtime by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{Report, TrialRecord};

/// One question's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRow {
    pub question: String,
    pub ask: String,
    /// One cell per runtime column of the report, in column order.
    pub cells: Vec<AnswerCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerCell {
    pub runtime: String,
    pub class: CellClass,
    /// What the runtime does, in a few words.
    pub text: String,
    /// The rules the question's trials check (the ones a `conforms` cell conforms to).
    pub rules: Vec<String>,
    /// Trials of the question that ran on this runtime, and how many of them deviated.
    pub trials: usize,
    pub deviating: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellClass {
    /// Every trial passed, and at least one checks a rule the ABI (or wasi-libc) states.
    Conforms,
    /// The ABI is silent on every trial that deviated, or on all of them: what the runtime does is
    /// recorded, not judged.
    Silent,
    /// A trial checking a stated rule ran as a known deviation.
    Deviates,
    /// A trial failed or could not run: the expectations are out of date, or the harness erred.
    Fails,
    /// No trial of the question ran on this runtime.
    NotRun,
}

impl CellClass {
    pub fn as_str(self) -> &'static str {
        match self {
            CellClass::Conforms => "conforms",
            CellClass::Silent => "ABI silent",
            CellClass::Deviates => "deviates",
            CellClass::Fails => "FAILS",
            CellClass::NotRun => "not run",
        }
    }
}

/// Rows for every question of `report`, columns for every runtime that has trials in it.
pub fn answer(report: &Report) -> Vec<AnswerRow> {
    let columns = columns(report);
    report
        .questions
        .iter()
        .map(|question| {
            let cells = columns
                .iter()
                .map(|runtime| {
                    let trials: Vec<&TrialRecord> = report
                        .trials
                        .iter()
                        .filter(|t| &t.runtime == runtime && t.questions.contains(&question.id))
                        .collect();
                    cell(report, runtime, &trials)
                })
                .collect();
            AnswerRow { question: question.id.clone(), ask: question.ask.clone(), cells }
        })
        .collect()
}

/// The runtimes that have trials in `report`, in its order: a runtime that is not installed
/// where the report was made has none (unless the run asked for every runtime).
pub fn columns(report: &Report) -> Vec<String> {
    report
        .runtimes
        .iter()
        .filter(|r| report.trials.iter().any(|t| t.runtime == r.name))
        .map(|r| r.name.clone())
        .collect()
}

/// `(runtime, why)` for each runtime the report names but could not run.
pub fn not_installed(report: &Report) -> Vec<(&str, &str)> {
    let columns = columns(report);
    report
        .runtimes
        .iter()
        .filter(|r| !columns.contains(&r.name))
        .filter_map(|r| Some((r.name.as_str(), r.unavailable.as_deref()?)))
        .collect()
}

fn cell(report: &Report, runtime: &str, trials: &[&TrialRecord]) -> AnswerCell {
    let ran: Vec<&&TrialRecord> = trials.iter().filter(|t| t.verdict != "ignored").collect();
    let rules: BTreeSet<&str> = ran.iter().map(|t| t.rule.as_str()).collect();
    let is_stated = |rule: &str| {
        report.rules.get(rule).is_some_and(|info| info.basis != crate::expectations::rules::Basis::Silent.as_str())
    };
    let mut summaries: Vec<&str> = Vec::new();
    let mut stated_deviation = false;
    let mut deviating = 0;
    for trial in ran.iter().filter(|t| t.verdict == "deviation") {
        deviating += 1;
        stated_deviation |= is_stated(&trial.rule);
        for summary in trial.steps.iter().filter_map(|s| s.deviation.as_ref()).map(|d| d.summary.as_str()) {
            if !summaries.contains(&summary) {
                summaries.push(summary);
            }
        }
    }
    let failing = ran.iter().filter(|t| t.verdict == "fail" || t.verdict == "error").count();
    let (class, text) = if ran.is_empty() {
        let why = trials.first().and_then(|t| t.message.as_deref()).unwrap_or("no trial answers it here");
        (CellClass::NotRun, why.to_string())
    } else if failing > 0 {
        (CellClass::Fails, format!("{failing} trial(s) neither pass nor deviate as recorded: see the matrix"))
    } else if deviating > 0 {
        let text =
            if summaries.is_empty() { "differs (no summary recorded)".to_string() } else { summaries.join("; ") };
        (if stated_deviation { CellClass::Deviates } else { CellClass::Silent }, text)
    } else if rules.iter().any(|rule| is_stated(rule)) {
        let bases: BTreeSet<&str> =
            rules.iter().filter_map(|rule| report.rules.get(*rule)).map(|info| info.basis.as_str()).collect();
        let text = if bases.contains("ABI") {
            "as the ABI says"
        } else if bases.contains("wasi-libc") {
            "as wasi-libc's start files do"
        } else {
            "bounded, as the harness requires"
        };
        (CellClass::Conforms, text.to_string())
    } else {
        (CellClass::Silent, "as recorded (the ABI is silent)".to_string())
    };
    AnswerCell {
        runtime: runtime.to_string(),
        class,
        text,
        rules: rules.into_iter().map(str::to_string).collect(),
        trials: ran.len(),
        deviating,
    }
}

/// The answers for a terminal: one block per question, one line per runtime, then the runtimes
/// that are not installed.
pub fn render_text(report: &Report) -> String {
    let mut out = render_questions(report);
    for (runtime, why) in not_installed(report) {
        let _ = writeln!(out, "not installed here: {runtime} — {why}");
    }
    out
}

/// The answers' blocks and their tally, without the runtimes that are not installed.
pub fn render_questions(report: &Report) -> String {
    let mut out = String::new();
    let width = columns(report).iter().map(String::len).max().unwrap_or(8);
    for (index, row) in report.answers.iter().enumerate() {
        let _ = writeln!(out, "{} {} — {}", index + 1, row.question, row.ask);
        for cell in &row.cells {
            let _ =
                writeln!(out, "  {:width$}  {:10}  {}{}", cell.runtime, cell.class.as_str(), cell.text, counts(cell));
        }
        out.push('\n');
    }
    let classes = tally(&report.answers);
    let _ = writeln!(out, "{} questions × {} runtimes: {classes}", report.answers.len(), columns(report).len());
    out
}

/// The answers as a Markdown table: questions down, runtimes across.
pub fn render_markdown(report: &Report) -> String {
    let columns = columns(report);
    let mut out = String::from("## Answers\n\n");
    out.push_str("What each runtime does, per lifecycle question, from this run's trials ");
    out.push_str("(✅ conforms, 🔵 the ABI is silent: recorded, 🟡 deviates, ❌ a trial failed).\n\n");
    let _ = writeln!(out, "| question | {} |", columns.join(" | "));
    let _ = writeln!(out, "| --- |{}", " --- |".repeat(columns.len()));
    for row in &report.answers {
        let marks: Vec<String> = row
            .cells
            .iter()
            .map(|cell| {
                let mark = match cell.class {
                    CellClass::Conforms => "✅",
                    CellClass::Silent => "🔵",
                    CellClass::Deviates => "🟡",
                    CellClass::Fails => "❌",
                    CellClass::NotRun => "⏭",
                };
                format!("{mark} {}", cell.text.replace('|', "\\|"))
            })
            .collect();
        let _ = writeln!(out, "| `{}` | {} |", row.question, marks.join(" | "));
    }
    for (runtime, why) in not_installed(report) {
        let _ = writeln!(out, "\nnot installed here: {runtime} — {}", why.replace('\n', " "));
    }
    out
}

fn counts(cell: &AnswerCell) -> String {
    match cell.class {
        CellClass::Deviates | CellClass::Silent if cell.deviating > 0 => {
            format!(" ({} of {} trials)", cell.deviating, cell.trials)
        }
        CellClass::NotRun => String::new(),
        _ => format!(" ({} trials)", cell.trials),
    }
}

fn tally(rows: &[AnswerRow]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for cell in rows.iter().flat_map(|row| &row.cells) {
        *counts.entry(cell.class.as_str()).or_default() += 1;
    }
    counts.into_iter().map(|(class, n)| format!("{n} {class}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::host::Host;
    use crate::views::report::{DeviationInfo, Expectation, QuestionInfo, RuleInfo, RuntimeInfo, StepRecord, Summary};

    fn trial(runtime: &str, rule: &str, verdict: &str, summary: Option<&str>) -> TrialRecord {
        TrialRecord {
            name: format!("{runtime}::c/x::{rule}"),
            runtime: runtime.into(),
            module: "c/x".into(),
            language: "c".into(),
            scenario: rule.into(),
            rule: rule.into(),
            questions: vec!["q".into()],
            verdict: verdict.into(),
            message: None,
            duration_ms: 0.0,
            steps: vec![StepRecord {
                step: "run".into(),
                line: 1,
                expected: Expectation { outcome: "returned".into(), stdout: String::new(), stderr: String::new() },
                deviation: summary.map(|s| DeviationInfo { summary: s.into(), reason: "r".into(), link: "l".into() }),
                observed: None,
                duration_ms: 0.0,
            }],
        }
    }

    fn report(trials: Vec<TrialRecord>) -> Report {
        let rule = |basis: &str| RuleInfo { basis: basis.into(), text: String::new(), source: String::new() };
        let runtime = |name: &str, unavailable: Option<&str>| RuntimeInfo {
            name: name.into(),
            version: "1".into(),
            embedded: true,
            unavailable: unavailable.map(str::to_string),
        };
        let mut report = Report {
            schema: crate::views::report::SCHEMA.into(),
            schema_version: crate::views::report::SCHEMA_VERSION,
            generated_at: "t".into(),
            host: Host::this_machine(),
            harness_version: "0".into(),
            runtimes: vec![runtime("a", None), runtime("b", None), runtime("gone", Some("install it with X"))],
            rules: [("stated".to_string(), rule("ABI")), ("silent".to_string(), rule("ABI silent: observed"))].into(),
            questions: vec![QuestionInfo { id: "q".into(), ask: "what?".into() }],
            trials,
            summary: Summary::default(),
            partition: None,
            answers: Vec::new(),
            lifecycle: None,
        };
        report.answers = answer(&report);
        report
    }

    #[test]
    fn a_cell_says_what_the_runtime_did_and_how_it_stands() {
        let report = report(vec![
            trial("a", "stated", "pass", None),
            trial("a", "silent", "pass", None),
            trial("b", "stated", "deviation", Some("never calls `_initialize`")),
            trial("b", "silent", "deviation", Some("never calls `_initialize`")),
        ]);
        let cells = &report.answers[0].cells;
        assert_eq!(cells.len(), 2, "a runtime without trials is no column");
        assert_eq!((cells[0].class, cells[0].text.as_str()), (CellClass::Conforms, "as the ABI says"));
        assert_eq!(
            (cells[1].class, cells[1].text.as_str(), cells[1].deviating),
            (CellClass::Deviates, "never calls `_initialize`", 2)
        );
        let text = render_text(&report);
        assert!(text.contains("not installed here: gone — install it with X"), "{text}");
        assert!(render_markdown(&report).contains("| `q` | ✅ as the ABI says | 🟡 never calls `_initialize` |"));
    }

    #[test]
    fn silence_failure_and_absence_are_told_apart() {
        let report = report(vec![
            trial("a", "silent", "deviation", Some("exits 0 on proc_exit")),
            trial("b", "stated", "fail", None),
        ]);
        let cells = &report.answers[0].cells;
        assert_eq!((cells[0].class, cells[0].text.as_str()), (CellClass::Silent, "exits 0 on proc_exit"));
        assert_eq!(cells[1].class, CellClass::Fails);
        let quiet = report_of_one(trial("a", "silent", "pass", None));
        assert_eq!(quiet.answers[0].cells[0].class, CellClass::Silent);
        let mut ignored = trial("a", "stated", "ignored", None);
        ignored.message = Some("not expressible by a: no invoke".into());
        let absent = report_of_one(ignored);
        assert_eq!(
            (absent.answers[0].cells[0].class, absent.answers[0].cells[0].text.as_str()),
            (CellClass::NotRun, "not expressible by a: no invoke")
        );
    }

    fn report_of_one(trial: TrialRecord) -> Report {
        report(vec![trial])
    }
}
