//! `execmodel diff OLD.json NEW.json`: what changed between two reports — runtime versions, and
//! every trial whose verdict or observed step outcomes differ. Written as Markdown for a PR comment.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::views::report::{Observation, Report, TrialRecord};

#[derive(Debug, Default)]
pub struct ReportDiff {
    /// `(runtime, old version, new version)`; an empty version means absent or unavailable.
    pub versions: Vec<(String, String, String)>,
    pub changed: Vec<TrialChange>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Trials present in both reports.
    pub compared: usize,
    /// Whether the runtimes' own texts and the guests' output were compared too.
    pub details: bool,
}

#[derive(Debug)]
pub struct TrialChange {
    pub name: String,
    pub old_verdict: String,
    pub new_verdict: String,
    /// `(step number, step, old observed outcome, new observed outcome)`.
    pub steps: Vec<(usize, String, String, String)>,
}

impl ReportDiff {
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty() && self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

/// What counts as a change of a step besides its outcome.
#[derive(Debug, Clone, Copy, Default)]
pub struct Compare {
    /// The runtime's own trap or rejection text, and the guest's output.
    pub details: bool,
}

pub fn diff(old: &Report, new: &Report) -> ReportDiff {
    diff_with(old, new, Compare::default())
}

pub fn diff_with(old: &Report, new: &Report, compare: Compare) -> ReportDiff {
    let mut result = ReportDiff { details: compare.details, ..ReportDiff::default() };
    let versions = |report: &Report| -> BTreeMap<String, String> {
        report.runtimes.iter().map(|r| (r.name.clone(), r.version.clone())).collect()
    };
    let (old_versions, new_versions) = (versions(old), versions(new));
    for name in old_versions.keys().chain(new_versions.keys()).collect::<std::collections::BTreeSet<_>>() {
        let before = old_versions.get(name).cloned().unwrap_or_default();
        let after = new_versions.get(name).cloned().unwrap_or_default();
        if before != after {
            result.versions.push((name.clone(), before, after));
        }
    }

    let by_name = |report: &Report| -> BTreeMap<String, TrialRecord> {
        report.trials.iter().map(|t| (t.name.clone(), t.clone())).collect()
    };
    let (old_trials, new_trials) = (by_name(old), by_name(new));
    for (name, before) in &old_trials {
        let Some(after) = new_trials.get(name) else {
            result.removed.push(name.clone());
            continue;
        };
        result.compared += 1;
        fn observed(trial: &TrialRecord, index: usize) -> Option<&Observation> {
            trial.steps.get(index).and_then(|s| s.observed.as_ref())
        }
        let step_count = before.steps.len().max(after.steps.len());
        let steps: Vec<_> = (0..step_count)
            .filter_map(|i| {
                let (was, is) = shown_change(observed(before, i), observed(after, i), compare)?;
                let step = after.steps.get(i).or(before.steps.get(i)).map_or(String::new(), |s| s.step.clone());
                Some((i + 1, step, was, is))
            })
            .collect();
        if before.verdict != after.verdict || !steps.is_empty() {
            result.changed.push(TrialChange {
                name: name.clone(),
                old_verdict: before.verdict.clone(),
                new_verdict: after.verdict.clone(),
                steps,
            });
        }
    }
    result.added = new_trials.keys().filter(|name| !old_trials.contains_key(*name)).cloned().collect();
    result
}

/// How a step's observation changed, as two short texts, or `None` if it did not.
fn shown_change(
    before: Option<&Observation>,
    after: Option<&Observation>,
    compare: Compare,
) -> Option<(String, String)> {
    let outcome = |o: Option<&Observation>| o.map_or("(not run)".to_string(), |o| o.outcome.clone());
    if outcome(before) != outcome(after) {
        return Some((outcome(before), outcome(after)));
    }
    let (before, after) = (before?, after?);
    if !compare.details {
        return None;
    }
    let fields = [
        ("said", before.detail.as_deref().unwrap_or(""), after.detail.as_deref().unwrap_or("")),
        ("stdout", before.stdout.as_str(), after.stdout.as_str()),
        ("stderr", before.stderr.as_str(), after.stderr.as_str()),
    ];
    let (field, was, is) = fields.into_iter().find(|(_, was, is)| was != is)?;
    // The first line that differs is the change; the rest of a backtrace is usually the same.
    let (was_line, is_line) = was
        .lines()
        .zip(is.lines())
        .find(|(a, b)| a != b)
        .unwrap_or((was.lines().last().unwrap_or(""), is.lines().last().unwrap_or("")));
    let show = |line: &str| format!("{} ({field}: `{}`)", before.outcome, line.trim());
    Some((show(was_line), show(is_line)))
}

/// One runtime's column of `report`, renamed `shown_as`, so that two columns of one report (an
/// older and a newer major) can be diffed as if they were two runs of one runtime.
pub fn column(report: &Report, runtime: &str, shown_as: &str) -> Result<Report, String> {
    let Some(info) = report.runtimes.iter().find(|info| info.name == runtime) else {
        let present: Vec<_> = report.runtimes.iter().map(|info| info.name.as_str()).collect();
        return Err(format!("the report has no runtime `{runtime}`; it has: {}", present.join(", ")));
    };
    let prefix = format!("{runtime}::");
    let trials = report
        .trials
        .iter()
        .filter(|trial| trial.runtime == runtime)
        .map(|trial| TrialRecord {
            name: format!("{shown_as}::{}", trial.name.strip_prefix(&prefix).unwrap_or(&trial.name)),
            runtime: shown_as.to_string(),
            ..trial.clone()
        })
        .collect();
    let info = crate::views::report::RuntimeInfo { name: shown_as.to_string(), ..info.clone() };
    Ok(Report { runtimes: vec![info], trials, ..report.clone() })
}

pub fn render_markdown(diff: &ReportDiff, old: &Report, new: &Report) -> String {
    let mut out = format!("## execmodel: {} → {}\n\n", old.generated_at, new.generated_at);
    if diff.is_empty() {
        out.push_str("No change: same runtime versions, same observed outcomes.\n");
        return out;
    }
    if !diff.versions.is_empty() {
        out.push_str("| runtime | before | after |\n| --- | --- | --- |\n");
        for (name, before, after) in &diff.versions {
            let _ = writeln!(out, "| {name} | {} | {} |", or_dash(before), or_dash(after));
        }
        out.push('\n');
    }
    if !diff.changed.is_empty() {
        let _ = writeln!(out, "### {} trial(s) changed\n", diff.changed.len());
        out.push_str("| trial | verdict | step | before | after |\n| --- | --- | --- | --- | --- |\n");
        for change in &diff.changed {
            let verdict = if change.old_verdict == change.new_verdict {
                change.new_verdict.clone()
            } else {
                format!("{} → {}", change.old_verdict, change.new_verdict)
            };
            if change.steps.is_empty() {
                let _ = writeln!(out, "| `{}` | {verdict} | | | |", change.name);
            }
            for (number, step, before, after) in &change.steps {
                let _ = writeln!(out, "| `{}` | {verdict} | {number}. {step} | {before} | {after} |", change.name);
            }
        }
        out.push('\n');
    }
    if diff.changed.is_empty() && diff.added.is_empty() && diff.removed.is_empty() {
        // Only a version moved: say what was compared, so that "nothing changed" reads as a
        // measurement rather than as a diff that stopped early.
        let what = if diff.details { "outcomes, runtime messages and output" } else { "outcomes" };
        let _ = writeln!(out, "No trial changed: {} trial(s) compared, same {what}.", diff.compared);
    }
    for (title, names) in [("added", &diff.added), ("removed", &diff.removed)] {
        if !names.is_empty() {
            let _ = writeln!(out, "### {} trial(s) {title}\n", names.len());
            for name in names {
                let _ = writeln!(out, "- `{name}`");
            }
            out.push('\n');
        }
    }
    out
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "—"
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::host::Host;
    use crate::views::report::{Expectation, Observation, RuntimeInfo, StepRecord, Summary};
    use execmodel_contract::{Outcome, StepResult};

    fn report(version: &str, observed: &str, verdict: &str) -> Report {
        let step = StepRecord {
            step: "initialize".into(),
            line: 3,
            expected: Expectation {
                outcome: "trapped unreachable".into(),
                stdout: String::new(),
                stderr: String::new(),
            },
            deviation: None,
            observed: Some(Observation {
                outcome: observed.into(),
                ..Observation::of(&StepResult::new(Outcome::returned_nothing()))
            }),
            duration_ms: 1.0,
        };
        Report {
            schema: crate::views::report::SCHEMA.into(),
            schema_version: crate::views::report::SCHEMA_VERSION,
            generated_at: "t".into(),
            host: Host { os: "linux".into(), arch: "x86_64".into(), cpus: 2 },
            harness_version: "0".into(),
            runtimes: vec![RuntimeInfo {
                name: "wasmtime".into(),
                version: version.into(),
                embedded: true,
                unavailable: None,
            }],
            rules: Default::default(),
            questions: Vec::new(),
            trials: vec![TrialRecord {
                name: "wasmtime::c/x::s".into(),
                runtime: "wasmtime".into(),
                module: "c/x".into(),
                language: "c".into(),
                scenario: "s".into(),
                rule: "observed".into(),
                questions: Vec::new(),
                verdict: verdict.into(),
                message: None,
                duration_ms: 1.0,
                steps: vec![step],
            }],
            summary: Summary::default(),
            partition: None,
            answers: Vec::new(),
            lifecycle: None,
        }
    }

    #[test]
    fn identical_reports_do_not_differ() {
        let a = report("48.0.0", "trapped unreachable", "pass");
        assert!(diff(&a, &a).is_empty());
    }

    #[test]
    fn a_changed_outcome_and_version_are_listed() {
        let old = report("48.0.0", "trapped unreachable", "pass");
        let new = report("49.0.0", "returned", "fail");
        let result = diff(&old, &new);
        assert_eq!(result.versions, vec![("wasmtime".into(), "48.0.0".into(), "49.0.0".into())]);
        assert_eq!(result.changed.len(), 1);
        let text = render_markdown(&result, &old, &new);
        assert!(
            text.contains("| `wasmtime::c/x::s` | pass → fail | 1. initialize | trapped unreachable | returned |"),
            "{text}"
        );
    }

    #[test]
    fn a_version_change_alone_says_how_many_trials_were_compared() {
        let old = report("48.0.0", "returned", "pass");
        let new = report("49.0.0", "returned", "pass");
        let result = diff_with(&old, &new, Compare { details: true });
        assert_eq!((result.compared, result.changed.len()), (1, 0));
        let text = render_markdown(&result, &old, &new);
        assert!(
            text.contains("No trial changed: 1 trial(s) compared, same outcomes, runtime messages and output."),
            "{text}"
        );
    }

    #[test]
    fn details_count_only_when_asked_and_show_the_first_differing_line() {
        let old = report("36.0.20", "trapped unreachable", "pass");
        let mut new = old.clone();
        let with_detail = |report: &mut Report, offset: &str| {
            let observed = report.trials[0].steps[0].observed.as_mut().unwrap();
            observed.detail = Some(format!("wasm trap: unreachable\n    0: {offset} - f"));
        };
        with_detail(&mut new, "0x62");
        let mut old = old;
        with_detail(&mut old, "0x63");
        assert!(diff(&old, &new).is_empty());
        let result = diff_with(&old, &new, Compare { details: true });
        let (_, _, before, after) = &result.changed[0].steps[0];
        assert_eq!(before, "trapped unreachable (said: `0: 0x63 - f`)");
        assert_eq!(after, "trapped unreachable (said: `0: 0x62 - f`)");
    }

    #[test]
    fn two_columns_of_one_report_compare_as_one_runtime() {
        let mut both = report("48.0.0", "returned", "pass");
        let mut older = both.trials[0].clone();
        older.name = "wasmtime-36::c/x::s".into();
        older.runtime = "wasmtime-36".into();
        older.steps[0].observed.as_mut().unwrap().outcome = "trapped unreachable".into();
        both.trials.push(older);
        both.runtimes.push(RuntimeInfo {
            name: "wasmtime-36".into(),
            version: "36.0.20".into(),
            embedded: true,
            unavailable: None,
        });
        let (before, after) =
            (column(&both, "wasmtime-36", "wasmtime").unwrap(), column(&both, "wasmtime", "wasmtime").unwrap());
        let result = diff(&before, &after);
        assert_eq!(result.versions, vec![("wasmtime".into(), "36.0.20".into(), "48.0.0".into())]);
        assert_eq!(result.changed[0].name, "wasmtime::c/x::s");
        assert!(result.added.is_empty() && result.removed.is_empty());
        let missing = column(&both, "wasmtime-24", "wasmtime").unwrap_err();
        assert!(missing.contains("no runtime `wasmtime-24`; it has: wasmtime, wasmtime-36"), "{missing}");
    }
}
