//! `execmodel merge`: the parts of a split run (`report --partition K/N`, one per CI machine)
//! put back together into the report one whole run would have written, in the whole run's
//! trial order. A part that cannot belong with the others is refused, naming its file.

use std::path::{Path, PathBuf};

use anyhow::bail;

use super::{Report, Summary};

/// Merge every part of one split run. `parts` are the files' paths and their contents, in any order.
pub fn merge(parts: &[(PathBuf, Report)]) -> anyhow::Result<Report> {
    let Some((first_path, first)) = parts.first() else { bail!("no parts to merge") };
    let parted = |path: &Path, report: &Report| {
        match report.partition {
        Some(info) => Ok(info),
        None => Err(anyhow::anyhow!(
            "{} is a whole run's report, not a part of one (it has no `partition`); merge takes the files written by `report --partition K/N`",
            path.display()
        )),
    }
    };
    let first_info = parted(first_path, first)?;
    let count = first_info.part.count;
    let whole_total = first_info.whole_total;
    let mut slots: Vec<Option<(&Path, &Report)>> = vec![None; count];
    for (path, report) in parts {
        let info = parted(path, report)?;
        if info.part.count != count || info.whole_total != whole_total {
            bail!(
                "{} is part {} of a run of {} trials, but {} is part {} of a run of {}: parts of one run share their split and their trials",
                path.display(),
                info.part,
                info.whole_total,
                first_path.display(),
                first_info.part,
                whole_total
            );
        }
        for (what, same) in [
            ("harness version", report.harness_version == first.harness_version),
            ("runtimes and their versions", report.runtimes == first.runtimes),
            ("rules", serde_json::to_value(&report.rules)? == serde_json::to_value(&first.rules)?),
            ("questions", report.questions == first.questions),
        ] {
            if !same {
                bail!(
                    "{} and {} differ in their {what}: the parts of one report come from one harness build, with the same runtimes and expectations",
                    path.display(),
                    first_path.display()
                );
            }
        }
        let expected = info.part.size(whole_total);
        if report.trials.len() != expected {
            bail!(
                "{} holds {} trials, but part {} of a run of {whole_total} holds {expected}: the file is not a whole part",
                path.display(),
                report.trials.len(),
                info.part
            );
        }
        match &mut slots[info.part.index - 1] {
            Some((other, _)) => bail!("part {} is given twice: {} and {}", info.part, other.display(), path.display()),
            slot => *slot = Some((path, report)),
        }
    }
    let given: Vec<(&Path, &Report)> = match slots.iter().position(Option::is_none) {
        Some(missing) => bail!("part {}/{count} is missing; merge needs all {count} parts of the run", missing + 1),
        None => slots.into_iter().flatten().collect(),
    };

    // Part K holds whole-run positions K-1, K-1+N, K-1+2N, ...: deal them back in turn.
    let mut parts_trials: Vec<_> = given.iter().map(|(_, report)| report.trials.iter()).collect();
    let trials: Vec<_> =
        (0..whole_total).filter_map(|position| parts_trials[position % count].next().cloned()).collect();
    let mut summary = Summary {
        wall_time_ms: given.iter().map(|(_, r)| r.summary.wall_time_ms).fold(0.0, f64::max),
        ..Summary::default()
    };
    for trial in &trials {
        summary.add(&trial.verdict);
    }
    let newest = given.iter().map(|(_, r)| r.generated_at.as_str()).max().unwrap_or_default().to_string();
    let mut merged = Report {
        generated_at: newest,
        trials,
        summary,
        partition: None,
        lifecycle: given.iter().find_map(|(_, r)| r.lifecycle.clone()),
        ..first.clone()
    };
    // Each part answered from its own trials only.
    merged.answers = super::answers::answer(&merged);
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::registry;
    use crate::expectations::suite::Suite;
    use crate::trials::{Partition, Plan};
    use crate::views::matrix::{self, Options};

    fn run(plan: &Plan, partition: Option<Partition>) -> Report {
        let options =
            Options { jobs: 2, filter: Some("wat/exit"), partition, all_runtimes: false, progress: &|_, _, _| {} };
        Report::from_run(plan, &matrix::run(plan, &options))
    }

    fn plan() -> Plan {
        let entries: Vec<_> = ["wasmi", "wasmtime"].iter().map(|name| registry::find(name).unwrap()).collect();
        Plan::new(Suite::load(&crate::corpus::default_root()).unwrap(), &entries)
    }

    /// What a trial says, without the timings that differ from run to run.
    fn observed(report: &Report) -> Vec<String> {
        report
            .trials
            .iter()
            .map(|trial| {
                let steps: Vec<_> = trial
                    .steps
                    .iter()
                    .map(|step| (&step.step, &step.expected, &step.deviation, &step.observed))
                    .collect();
                format!("{} {} {:?} {:?}", trial.name, trial.verdict, trial.message, steps)
            })
            .collect()
    }

    fn parts(plan: &Plan, count: usize) -> Vec<(PathBuf, Report)> {
        (1..=count)
            .map(|index| (PathBuf::from(format!("part{index}.json")), run(plan, Some(Partition { index, count }))))
            .collect()
    }

    #[test]
    fn uneven_parts_merged_equal_the_whole_run() {
        let plan = plan();
        let whole = run(&plan, None);
        assert!(
            whole.trials.len() > 5 && !whole.trials.len().is_multiple_of(5),
            "{} trials: pick a filter that splits unevenly",
            whole.trials.len()
        );
        let mut parts = parts(&plan, 5);
        parts.reverse();
        let merged = merge(&parts).unwrap();
        assert_eq!(observed(&merged), observed(&whole));
        let counts = |s: &Summary| (s.total, s.pass, s.deviation, s.fail, s.error, s.ignored);
        assert_eq!(counts(&merged.summary), counts(&whole.summary));
        assert_eq!(merged.partition, None);
        assert_eq!(merged.runtimes, whole.runtimes);
    }

    #[test]
    fn parts_that_do_not_belong_together_are_refused_by_name() {
        let plan = plan();
        let two = parts(&plan, 2);
        let refusal = |parts: &[(PathBuf, Report)]| merge(parts).unwrap_err().to_string();

        assert!(refusal(&two[..1]).contains("part 2/2 is missing"), "{}", refusal(&two[..1]));
        let twice = [two[0].clone(), two[0].clone(), two[1].clone()];
        assert!(refusal(&twice).contains("part 1/2 is given twice: part1.json and part1.json"), "{}", refusal(&twice));
        let whole = [two[0].clone(), (PathBuf::from("whole.json"), run(&plan, None))];
        assert!(refusal(&whole).contains("whole.json is a whole run's report"), "{}", refusal(&whole));
        let three = parts(&plan, 3);
        let mixed = [two[0].clone(), three[1].clone()];
        assert!(refusal(&mixed).contains("part2.json is part 2/3 of a run of"), "{}", refusal(&mixed));

        let mut other_build = two[1].clone();
        other_build.1.harness_version = "0.0.0-other".into();
        assert!(refusal(&[two[0].clone(), other_build]).contains("differ in their harness version"));
        let mut other_runtime = two[1].clone();
        other_runtime.1.runtimes[0].version = "0.1.0".into();
        assert!(refusal(&[two[0].clone(), other_runtime]).contains("differ in their runtimes"));
        let mut other_rules = two[1].clone();
        other_rules.1.rules.clear();
        assert!(refusal(&[two[0].clone(), other_rules]).contains("differ in their rules"));
        let mut other_questions = two[1].clone();
        other_questions.1.questions.push(crate::views::report::QuestionInfo { id: "x".into(), ask: "x?".into() });
        assert!(refusal(&[two[0].clone(), other_questions]).contains("differ in their questions"));
        let mut short = two[1].clone();
        short.1.trials.pop();
        assert!(refusal(&[two[0].clone(), short]).contains("part2.json holds"), "not a whole part");
        assert_eq!(merge(&[]).unwrap_err().to_string(), "no parts to merge");
    }
}
