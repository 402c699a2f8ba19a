//! No input makes the expectation parsers panic, and every error they give points into the file.
//! Each real file of `expectations/` is mutated from a fixed seed (`crate::testing::Mutator`);
//! a failure names the file, seed and iteration, and shows the input.

use std::path::{Path, PathBuf};

use crate::corpus::{files_with_extension, registry};
use crate::expectations::questions::Questions;
use crate::expectations::rules::Rules;
use crate::expectations::{load, Action, OutcomePattern};
use crate::testing::{no_panic, Mutator};

const SEED: u64 = 0x6578_6563;
const MUTATIONS_PER_FILE: usize = 40;

fn expectation_files() -> Vec<PathBuf> {
    let found = files_with_extension(&crate::corpus::default_root().join("expectations"), "toml").unwrap();
    found.into_iter().map(|(_, path)| path).collect()
}

fn rules() -> Rules {
    let path = crate::corpus::default_root().join("expectations/rules.toml");
    Rules::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `file:LINE:COLUMN: ` with a line inside the text (or just after its end).
fn points_into(message: &str, path: &Path, text: &str) -> bool {
    let Some(rest) = message.strip_prefix(&format!("{}:", path.display())) else { return false };
    let mut parts = rest.splitn(3, ':');
    let line = parts.next().and_then(|n| n.parse::<usize>().ok());
    let column = parts.next().and_then(|n| n.parse::<usize>().ok());
    matches!((line, column), (Some(line), Some(column)) if line >= 1 && line <= text.lines().count() + 1 && column >= 1)
}

#[test]
fn mutated_expectation_files_give_located_errors_never_panics() {
    let rules = rules();
    let known = registry::known_names();
    let mut failures = Vec::new();
    let mut parsed = 0;
    for (index, path) in expectation_files().iter().enumerate() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(path).unwrap();
        let shown = path.strip_prefix(crate::corpus::default_root()).unwrap();
        let seed = SEED + index as u64;
        let mut mutator = Mutator::new(seed);
        for iteration in 0..MUTATIONS_PER_FILE {
            let text = mutator.text(&source);
            let result = no_panic(&shown.display().to_string(), seed, iteration, text.as_str(), |text| {
                let message = match name.as_str() {
                    "rules.toml" => Rules::parse(shown, text).err().map(|err| format!("{err:#}")),
                    "questions.toml" => Questions::parse(shown, text).err().map(|err| format!("{err:#}")),
                    _ => load(shown, text, &rules, &known).err().map(|err| err.to_string()),
                };
                if let Some(message) = message {
                    assert!(points_into(&message, shown, text), "the error does not point into the file: {message}");
                }
            });
            parsed += 1;
            failures.extend(result.err());
        }
    }
    assert!(parsed > 1000, "only {parsed} mutated files");
    assert!(failures.is_empty(), "{} of {parsed} mutated files:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn mutated_steps_and_outcomes_parse_or_are_refused_never_panic() {
    let mut steps = Vec::new();
    let mut outcomes = Vec::new();
    for path in expectation_files() {
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            if let Some(value) = line.strip_prefix("do = ") {
                steps.push(value.trim_matches(['"', '\'']).to_string());
            } else if let Some(value) = line.strip_prefix("expect = ") {
                outcomes.push(value.trim_matches(['"', '\'']).to_string());
            }
        }
    }
    steps.sort();
    steps.dedup();
    outcomes.sort();
    outcomes.dedup();
    let mut mutator = Mutator::new(SEED);
    let mut failures = Vec::new();
    for iteration in 0..20_000 {
        let step = mutator.text(&steps[iteration % steps.len()]);
        failures.extend(no_panic("a step", SEED, iteration, step.as_str(), |text| drop(text.parse::<Action>())).err());
        let outcome = mutator.text(&outcomes[iteration % outcomes.len()]);
        failures.extend(
            no_panic("an outcome", SEED, iteration, outcome.as_str(), |text| drop(text.parse::<OutcomePattern>()))
                .err(),
        );
    }
    assert!(steps.len() > 40 && outcomes.len() > 20, "{} steps, {} outcomes", steps.len(), outcomes.len());
    assert!(failures.is_empty(), "{}:\n{}", failures.len(), failures.join("\n\n"));
}
