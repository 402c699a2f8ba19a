//! The list of trials for a suite: one per (runtime, module, scenario), plus one static
//! classification check per module. Shared by the test driver and the CLI.

use std::sync::Arc;

use crate::corpus::classify::Classification;
use crate::corpus::registry::{self, RuntimeEntry};
use crate::expectations::suite::{CorpusModule, Suite};
use crate::trials::runner::{self, RuntimeSlot, TrialReport, Verdict};
use crate::trials::{judge, records};

/// `K/N`: the K-th of N parts of a run (1-based) — every N-th trial of the planned order,
/// starting at the K-th, so that each runtime's trials (and its cost) spread over all parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Partition {
    pub index: usize,
    pub count: usize,
}

impl Partition {
    /// Whether the trial at `position` (0-based, in the whole run's order) belongs to this part.
    pub fn holds(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }

    /// How many of a whole run's `total` trials this part holds.
    pub fn size(self, total: usize) -> usize {
        (0..total).filter(|&position| self.holds(position)).count()
    }

    pub fn select<T>(self, trials: Vec<T>) -> Vec<T> {
        trials.into_iter().enumerate().filter(|(position, _)| self.holds(*position)).map(|(_, trial)| trial).collect()
    }
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Partition, String> {
        let wrong = || format!("expected K/N with 1 ≤ K ≤ N (e.g. 1/2), got {text:?}");
        let (index, count) = text.split_once('/').ok_or_else(wrong)?;
        let (index, count): (usize, usize) =
            (index.trim().parse().map_err(|_| wrong())?, count.trim().parse().map_err(|_| wrong())?);
        if index == 0 || index > count {
            return Err(wrong());
        }
        Ok(Partition { index, count })
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

pub struct Plan {
    pub suite: Arc<Suite>,
    pub slots: Vec<Arc<RuntimeSlot>>,
    /// Where the trials' records go (`records`); none are written without one.
    pub records_dir: Option<std::path::PathBuf>,
}

pub struct PlannedTrial {
    pub name: String,
    pub slot: Arc<RuntimeSlot>,
    pub module: usize,
    pub scenario: usize,
    /// Why the trial cannot run here (its runtime is unavailable).
    pub ignored: Option<String>,
}

impl Plan {
    pub fn new(suite: Suite, runtimes: &[&'static RuntimeEntry]) -> Plan {
        Plan {
            suite: Arc::new(suite),
            slots: runtimes.iter().map(|entry| Arc::new(RuntimeSlot::new(entry))).collect(),
            records_dir: None,
        }
    }

    /// This plan, recording its trials in the run's records directory (`records::run_dir`), as
    /// every command that runs trials for a user does.
    pub fn recording(self) -> Plan {
        let dir = records::run_dir(&self.suite.root).to_path_buf();
        Plan { records_dir: Some(dir), ..self }
    }

    pub fn all_runtimes(suite: Suite) -> Plan {
        let entries: Vec<_> = registry::RUNTIMES.iter().collect();
        Plan::new(suite, &entries)
    }

    /// Trials in a stable order: runtime, then module, then scenario as written. Only trials whose
    /// name `keep` accepts are planned, so a process running one trial (as under nextest) neither
    /// starts nor probes the runtimes it does not need.
    pub fn trials(&self, keep: &dyn Fn(&str) -> bool) -> Vec<PlannedTrial> {
        let mut trials = Vec::new();
        for slot in &self.slots {
            for (module_index, module) in self.suite.modules.iter().enumerate() {
                for (scenario_index, scenario) in module.expectations.scenarios.iter().enumerate() {
                    let name = judge::trial_name(slot.name(), module, scenario);
                    if !keep(&name) {
                        continue;
                    }
                    let ignored = match slot.availability() {
                        Err(why) => Some(format!("{} unavailable: {why}", slot.name())),
                        Ok(()) => {
                            let kinds: Vec<_> = scenario.steps.iter().flat_map(|step| step.action.kinds()).collect();
                            slot.runtime()
                                .expressible(&kinds)
                                .err()
                                .map(|why| format!("not expressible by {}: {why}", slot.name()))
                        }
                    };
                    trials.push(PlannedTrial {
                        name,
                        slot: slot.clone(),
                        module: module_index,
                        scenario: scenario_index,
                        ignored,
                    });
                }
            }
        }
        trials
    }

    /// Runs the trial and appends its record to the plan's records directory, if it has one.
    pub fn run(&self, trial: &PlannedTrial) -> TrialReport {
        let module = &self.suite.modules[trial.module];
        let scenario = &module.expectations.scenarios[trial.scenario];
        let report = runner::run_trial(&trial.slot, module, scenario, runner::default_limits());
        records::append(self, trial, &report);
        report
    }
}

impl TrialReport {
    /// Pass and known deviations succeed; the message of a failure or error otherwise.
    pub fn into_result(self) -> Result<(), String> {
        match self.verdict {
            Verdict::Pass | Verdict::KnownDeviation => Ok(()),
            Verdict::Fail(message) => Err(message),
            Verdict::Error(message) => Err(format!("harness error (not a runtime verdict): {message}")),
        }
    }
}

/// The static check of a module: does the `.wasm` match the `[module]` table of its expectations?
pub fn check_classification(module: &CorpusModule) -> Result<(), String> {
    let inspection = module.inspection().as_ref().map_err(|_| module.invalid().unwrap_or_default())?;
    let expected: &Classification = &module.expectations.module;
    if inspection.classification == *expected {
        return Ok(());
    }
    Err(format!(
        "{} classifies as\n  {}\nbut {} says\n  {}\nFix the [module] table (or the module's source).",
        module.wasm_path.display(),
        inspection.classification,
        module.expectations.file.display(),
        expected
    ))
}

pub fn classification_trial_name(module: &CorpusModule) -> String {
    format!("classify::{}", module.id)
}
