//! `execmodel coverage`: for every rule, how many scenarios cite it from each source language,
//! and which runtimes run them — the empty cells are the gaps.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::rules::OBSERVED;
use crate::trials::Plan;

pub const LANGUAGES: [&str; 4] = ["rust", "c", "zig", "wat"];

pub fn render_text(plan: &Plan) -> String {
    // rule -> language -> scenario count
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for id in plan.suite.rules.ids().chain([OBSERVED]) {
        counts.entry(id.to_string()).or_default();
    }
    for module in &plan.suite.modules {
        let language = module.id.split('/').next().unwrap_or_default().to_string();
        for scenario in &module.expectations.scenarios {
            *counts.entry(scenario.rule.clone()).or_default().entry(language.clone()).or_default() += 1;
        }
    }
    let runtimes: Vec<String> = plan
        .slots
        .iter()
        .map(|slot| match slot.availability() {
            Ok(()) => slot.name().to_string(),
            Err(_) => format!("({} unavailable)", slot.name()),
        })
        .collect();
    let width = counts.keys().map(String::len).max().unwrap_or(10).max(4);
    let mut out = format!("{:width$}  {:22}", "rule", "basis");
    for language in LANGUAGES {
        let _ = write!(out, "  {language:>4}");
    }
    out.push('\n');
    let mut gaps = Vec::new();
    for (rule, by_language) in &counts {
        let basis = plan.suite.rules.get(rule).map_or("ABI silent: observed", |r| r.basis.as_str());
        let _ = write!(out, "{rule:width$}  {basis:22}");
        for language in LANGUAGES {
            match by_language.get(language) {
                Some(n) => {
                    let _ = write!(out, "  {n:>4}");
                }
                None => {
                    let _ = write!(out, "  {:>4}", "-");
                }
            }
        }
        out.push('\n');
        if by_language.is_empty() {
            gaps.push(rule.clone());
        }
    }
    let _ = writeln!(out, "\nevery scenario runs on: {}", runtimes.join(", "));
    if !gaps.is_empty() {
        let _ = writeln!(out, "rules no scenario cites yet: {}", gaps.join(", "));
    }
    out
}
