//! What the probe of one generated module shows: harness failures (which must never happen),
//! runtimes that crashed or refused to compile a valid module, and sequences on which runtimes
//! disagree — each keyed by what differs, so that a thousand modules showing one cause make one
//! group.

use std::collections::BTreeMap;

use crate::views::probe::{outcome_shape, Probe, ProbedRun, ProbedSequence, ProbedStep};

/// A step may overrun its budget by this share (a runtime's count catching up at its next check)
/// before the harness counts as not having bounded it.
pub const OVERRUN_SHARE: f64 = 1.5;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The harness did not keep its promise: a panic out of the probe, an invalid generated
    /// module, a step it let run far past its budget, a worker it lost or could not read.
    HarnessFailure(String),
    /// A runtime panicked (`crashed` written by the runtime), or the worker process hosting it
    /// exited by itself.
    RuntimeCrash { runtime: String, key: String },
    /// A runtime refused to compile a module wasmparser validates.
    CompileRefusal { runtime: String, key: String },
    /// Runtimes that ran the same sequence ended it differently.
    Disagreement(Disagreement),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The first step at which runtimes part and, per class, the outcome there with values,
    /// exit codes and messages left out.
    pub key: String,
    pub sequence: String,
    /// The runtimes of each class, largest class first.
    pub classes: Vec<Vec<String>>,
    /// Every runtime outside the largest class has a recorded deviation for what it did.
    pub explained: bool,
}

pub fn findings(probe: &Probe) -> Vec<Finding> {
    let mut found = Vec::new();
    for runtime in &probe.runtimes {
        if let Some(error) = &runtime.compile_error {
            let first_line = error.lines().next().unwrap_or_default();
            found.push(Finding::CompileRefusal {
                runtime: runtime.name.clone(),
                key: format!("{} refuses to compile: {}", runtime.name, redact(first_line, 90)),
            });
        }
    }
    for sequence in &probe.sequences {
        for run in sequence.results.iter().filter(|run| run.status == "ran") {
            for step in &run.steps {
                let at = format!("{}: `{}`, step `{}`", run.runtime, sequence.name, step.step);
                if let Some(budget) = step.budget.as_ref().filter(|budget| budget.share > OVERRUN_SHARE) {
                    found.push(Finding::HarnessFailure(format!(
                        "{at} used {} of its budget of {} {}, more than {OVERRUN_SHARE} times it",
                        budget.used, budget.limit, budget.unit
                    )));
                }
                if step.kind == "crashed" {
                    let message = step.message.clone().unwrap_or_default();
                    // A worker whose process exited by itself was ended by the runtime it hosts
                    // (Bun's proc_exit calls process.exit); killed, unreadable or silent ones
                    // are the harness's to answer for.
                    let exited = message.contains("host process exited with status");
                    if step.by.as_deref() == Some("runtime") || exited {
                        found.push(Finding::RuntimeCrash {
                            runtime: run.runtime.clone(),
                            key: format!(
                                "{} crashed: {}",
                                run.runtime,
                                redact(message.split("; stderr:").next().unwrap_or_default(), 90)
                            ),
                        });
                    } else {
                        found.push(Finding::HarnessFailure(format!("{at}: crashed (the harness says): {message}")));
                    }
                }
            }
        }
        if probe.disagreements.contains(&sequence.name) {
            found.push(Finding::Disagreement(disagreement(sequence)));
        }
    }
    // A module counts once per finding, however many sequences show it.
    let mut seen = std::collections::BTreeSet::new();
    found.retain(|finding| seen.insert(finding.key().to_string()));
    found
}

impl Finding {
    /// What groups modules: the same key, the same finding.
    pub fn key(&self) -> &str {
        match self {
            Finding::HarnessFailure(what) => what,
            Finding::RuntimeCrash { key, .. } | Finding::CompileRefusal { key, .. } => key,
            Finding::Disagreement(found) => &found.key,
        }
    }

    /// One runtime of each behaviour involved: enough to show the finding again.
    pub fn representatives(&self) -> Vec<&str> {
        match self {
            Finding::HarnessFailure(_) => Vec::new(),
            Finding::RuntimeCrash { runtime, .. } | Finding::CompileRefusal { runtime, .. } => vec![runtime],
            Finding::Disagreement(found) => found.classes.iter().map(|class| class[0].as_str()).collect(),
        }
    }

    /// The same finding in another probe: the same key, or for a disagreement the same sequence
    /// (its key names other runtimes when fewer run).
    fn same_as(&self, other: &Finding) -> bool {
        match (self, other) {
            (Finding::Disagreement(a), Finding::Disagreement(b)) => a.sequence == b.sequence,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other) && self.key() == other.key(),
        }
    }

    /// In `probe`, the finding that is the same as this one.
    pub fn found_in(&self, probe: &Probe) -> Option<Finding> {
        findings(probe).into_iter().find(|found| self.same_as(found))
    }
}

/// Runtimes grouped by how they ended the sequence; the key is the first step at which the
/// groups part, so that one cause (say, a runtime calling `_initialize` itself) makes one group
/// across sequences and modules.
fn disagreement(sequence: &ProbedSequence) -> Disagreement {
    let ran: Vec<_> = sequence.results.iter().filter(|run| run.status == "ran").collect();
    let mut classes: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
    for run in &ran {
        classes.entry(run.steps.iter().map(outcome_shape).collect()).or_default().push(&run.runtime);
    }
    let mut classes: Vec<(Vec<String>, Vec<&str>)> = classes.into_iter().collect();
    classes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.1.cmp(&b.1)));
    let explained = ran
        .iter()
        .filter(|run| classes.iter().skip(1).any(|(_, runtimes)| runtimes.contains(&run.runtime.as_str())))
        .all(|run| run.known_cause.is_some());
    let parting = (0..sequence.steps.len())
        .find(|&index| classes.iter().any(|(shapes, _)| shapes.get(index) != classes[0].0.get(index)))
        .unwrap_or(0);
    fn step_at(run: &ProbedRun, index: usize) -> Option<&ProbedStep> {
        run.steps.get(index)
    }
    // When the runtimes part on which entry points they called by themselves, that is the
    // cause, whatever the guest then did; otherwise the outcomes are.
    let implicit_differ = ran.iter().any(|run| {
        step_at(run, parting).map(|s| &s.implicit_calls) != step_at(ran[0], parting).map(|s| &s.implicit_calls)
    });
    let mut at_parting: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for run in &ran {
        let shape = match step_at(run, parting) {
            None => "(not reached)".to_string(),
            Some(step) if implicit_differ && step.implicit_calls.is_empty() => "calls nothing by itself".to_string(),
            Some(step) if implicit_differ => format!("calls {} by itself", step.implicit_calls.join(" ")),
            Some(step) => redacted_shape(step),
        };
        at_parting.entry(shape).or_default().push(&run.runtime);
    }
    let mut shown: Vec<(String, Vec<&str>)> = at_parting.into_iter().collect();
    shown.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.1.cmp(&b.1)));
    let shown: Vec<String> = shown.iter().map(|(shape, runtimes)| format!("{}: {shape}", runtimes.join(","))).collect();
    let step = sequence.steps.get(parting).map_or("", String::as_str);
    let step = if step.starts_with("call ") { "call an export" } else { step };
    let key = if shown.len() > 1 {
        format!("at `{step}`: {}", shown.join(" | "))
    } else {
        format!("at `{step}`: the same outcome, different values or messages ({})", shown.join(""))
    };
    Disagreement {
        key,
        sequence: sequence.name.clone(),
        classes: classes.into_iter().map(|(_, runtimes)| runtimes.into_iter().map(str::to_string).collect()).collect(),
        explained,
    }
}

/// The outcome without what varies from module to module: values, exit codes, messages.
fn redacted_shape(step: &ProbedStep) -> String {
    let implicit = if step.implicit_calls.is_empty() {
        String::new()
    } else {
        format!(" (implicit {})", step.implicit_calls.join(" "))
    };
    let what = match step.kind.as_str() {
        "returned" if step.values.is_empty() => "returned".to_string(),
        "returned" => format!(
            "returned {}",
            step.values.iter().map(|v| v.split(':').next().unwrap_or(v)).collect::<Vec<_>>().join(" ")
        ),
        "exited" => "exited".to_string(),
        "trapped" => format!("trapped {}", step.trap.as_deref().unwrap_or("")),
        "rejected" => format!("rejected {}", step.stage.as_deref().unwrap_or("")),
        other => other.to_string(),
    };
    what + &implicit
}

/// A message as a grouping key: numbers vary between modules, the text does not.
fn redact(message: &str, most: usize) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in message.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
        if out.chars().count() >= most {
            out.push('…');
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_do_not_split_groups() {
        assert_eq!(redact("offset 1234: bad 7", 80), redact("offset 99: bad 12", 80));
        assert!(redact(&"x".repeat(200), 10).ends_with('…'));
    }
}
