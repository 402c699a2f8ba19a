//! `execmodel coverage`: which source languages and runtimes answer each lifecycle question
//! (`expectations/questions.toml`), with the reason written for every empty language cell; then
//! how many scenarios cite each rule from each language.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::corpus::languages::{language_of, LANGUAGES};
use crate::expectations::questions::{self, Answers, Questions};
use crate::expectations::rules::OBSERVED;
use crate::trials::Plan;

/// The grid, the gaps with their reasons, and the problems of the questions file (if any).
pub fn render_text(plan: &Plan, questions: &Questions) -> (String, Vec<String>) {
    let answers = questions::answers(questions, &plan.suite);
    let mut out = render_questions(plan, questions, &answers);
    out.push('\n');
    out.push_str(&render_rules(plan));
    (out, answers.problems)
}

fn render_questions(plan: &Plan, questions: &Questions, answers: &Answers) -> String {
    // (runtime, module, scenario) -> (runs here, declares a deviation for this runtime)
    let mut trials: BTreeMap<(&str, usize, usize), (bool, bool)> = BTreeMap::new();
    for trial in plan.trials(&|_| true) {
        let scenario = &plan.suite.modules[trial.module].expectations.scenarios[trial.scenario];
        let deviates = scenario.steps.iter().any(|step| step.deviation_for(trial.slot.name()).is_some());
        trials.insert((trial.slot.name(), trial.module, trial.scenario), (trial.ignored.is_none(), deviates));
    }
    let available: Vec<&str> =
        plan.slots.iter().filter(|slot| slot.availability().is_ok()).map(|slot| slot.name()).collect();

    let label = |index: usize, id: &str| format!("{:>2} {id}", index + 1);
    let width = questions.list.iter().enumerate().map(|(i, q)| label(i, &q.id).len()).max().unwrap_or(8);
    let mut out = format!("{:width$}", "question");
    for language in LANGUAGES {
        let _ = write!(out, " {language:>4}");
    }
    out.push_str("  |");
    for runtime in &available {
        let _ = write!(out, " {runtime:>w$}", w = runtime.len().max(5));
    }
    out.push('\n');
    let mut gaps = Vec::new();
    for (index, (question, matched)) in questions.list.iter().zip(&answers.scenarios).enumerate() {
        let _ = write!(out, "{:width$}", label(index, &question.id));
        for language in LANGUAGES {
            let count = matched.iter().filter(|r| language_of(&plan.suite.modules[r.module].id) == language).count();
            let cell = if count == 0 { "-".to_string() } else { count.to_string() };
            let _ = write!(out, " {cell:>4}");
            if let (0, Some(gap)) = (count, question.gaps.get(language)) {
                gaps.push(format!("{:>2} {} × {language}: {}", index + 1, question.id, gap.value));
            }
        }
        out.push_str("  |");
        for runtime in &available {
            let (mut runs, mut deviates) = (0, 0);
            for r in matched {
                if let Some(&(run, deviation)) = trials.get(&(*runtime, r.module, r.scenario)) {
                    runs += usize::from(run);
                    deviates += usize::from(run && deviation);
                }
            }
            let cell = match (runs, deviates) {
                (0, _) => "-".to_string(),
                (n, 0) => n.to_string(),
                (n, d) => format!("{n}/{d}"),
            };
            let _ = write!(out, " {cell:>w$}", w = runtime.len().max(5));
        }
        out.push('\n');
    }
    out.push_str("\nlanguage cells: scenarios answering the question; runtime cells: trials that run, /N of them with a declared deviation.\n");
    let unavailable: Vec<String> = plan
        .slots
        .iter()
        .filter_map(|slot| slot.availability().err().map(|why| format!("{} ({why})", slot.name())))
        .collect();
    if !unavailable.is_empty() {
        let _ = writeln!(out, "not shown, unavailable here: {}", unavailable.join("; "));
    }
    if !gaps.is_empty() {
        let _ = writeln!(out, "\nempty language cells, and why:");
        for gap in gaps {
            let _ = writeln!(out, "  {gap}");
        }
    }
    if !questions.not_in_corpus.is_empty() {
        let _ = writeln!(out, "\nlanguages without a corpus here, and why:");
        for (language, reason) in &questions.not_in_corpus {
            let _ = writeln!(out, "  {language}: {}", reason.value);
        }
    }
    for (index, question) in questions.list.iter().enumerate() {
        if index == 0 {
            out.push_str("\nquestions:\n");
        }
        let _ = writeln!(out, "  {:>2} {}: {}", index + 1, question.id, question.ask);
    }
    out
}

fn render_rules(plan: &Plan) -> String {
    // rule -> language -> scenario count
    let mut counts: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    for id in plan.suite.rules.ids().chain([OBSERVED]) {
        counts.entry(id.to_string()).or_default();
    }
    for module in &plan.suite.modules {
        for scenario in &module.expectations.scenarios {
            *counts.entry(scenario.rule.clone()).or_default().entry(language_of(&module.id)).or_default() += 1;
        }
    }
    let width = counts.keys().map(String::len).max().unwrap_or(10).max(4);
    let mut out = format!("{:width$}  {:22}", "rule", "basis");
    for language in LANGUAGES {
        let _ = write!(out, "  {language:>4}");
    }
    out.push('\n');
    let mut uncited = Vec::new();
    for (rule, by_language) in &counts {
        let basis = plan.suite.rules.get(rule).map_or("ABI silent: observed", |r| r.basis.as_str());
        let _ = write!(out, "{rule:width$}  {basis:22}");
        for language in LANGUAGES {
            let cell = by_language.get(language).map_or("-".to_string(), usize::to_string);
            let _ = write!(out, "  {cell:>4}");
        }
        out.push('\n');
        if by_language.is_empty() {
            uncited.push(rule.clone());
        }
    }
    if !uncited.is_empty() {
        let _ = writeln!(out, "rules no scenario cites yet: {}", uncited.join(", "));
    }
    out
}
