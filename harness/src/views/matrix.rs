//! The compatibility matrix: every trial run once (in parallel), rendered as modules × scenarios
//! against runtimes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use execmodel_contract::{Author, StepResult, TrapKind};
use serde::{Deserialize, Serialize};

use crate::expectations::OutcomePattern;
use crate::trials::judge::BUDGET_MARGIN;
use crate::trials::runner::{TrialReport, Verdict};
use crate::trials::{Partition, Plan, PlannedTrial};

pub enum Cell {
    Pass,
    KnownDeviation,
    Fail(String),
    Error(String),
    Ignored(String),
}

impl Cell {
    /// The verdict's word in a report: pass | deviation | fail | error | ignored.
    pub fn verdict(&self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::KnownDeviation => "deviation",
            Cell::Fail(_) => "fail",
            Cell::Error(_) => "error",
            Cell::Ignored(_) => "ignored",
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::KnownDeviation => "deviation",
            Cell::Fail(_) => "FAIL",
            Cell::Error(_) => "ERROR",
            Cell::Ignored(_) => "ignored",
        }
    }
}

pub struct MatrixRun {
    /// `(runtime, version)` in column order.
    pub runtimes: Vec<(String, String)>,
    /// `(module id, scenario)` in row order.
    pub rows: Vec<(String, String)>,
    pub cells: BTreeMap<(usize, usize), Cell>,
    pub reports: Vec<(PlannedTrial, Option<TrialReport>)>,
    pub wall_time: Duration,
    /// The part this run was, and how many trials the whole run has.
    pub partition: Option<(Partition, usize)>,
    /// `(runtime, why)` for each runtime left out because it is not installed here.
    pub not_installed: Vec<(String, String)>,
}

/// Trials counted by verdict, as the matrix prints them and `report.json` stores them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub deviation: usize,
    pub fail: usize,
    pub error: usize,
    pub ignored: usize,
    pub wall_time_ms: f64,
}

impl Summary {
    /// Count one trial by its verdict word (`Cell::verdict`); an unknown word counts as an error.
    pub fn add(&mut self, verdict: &str) {
        self.total += 1;
        *match verdict {
            "pass" => &mut self.pass,
            "deviation" => &mut self.deviation,
            "fail" => &mut self.fail,
            "ignored" => &mut self.ignored,
            _ => &mut self.error,
        } += 1;
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} trials: {} pass, {} known deviation, {} FAIL, {} harness error, {} ignored ({:.1} s)",
            self.total,
            self.pass,
            self.deviation,
            self.fail,
            self.error,
            self.ignored,
            self.wall_time_ms / 1e3
        )
    }
}

pub struct Options<'a> {
    pub jobs: usize,
    /// Keep only trials whose name contains this text.
    pub filter: Option<&'a str>,
    /// Run only this part of the (filtered) trials.
    pub partition: Option<Partition>,
    /// Also list the trials of runtimes that are not installed here, as ignored; otherwise such
    /// a runtime is no column, only a line saying what to install.
    pub all_runtimes: bool,
    /// Called after each finished trial with (done, total).
    pub progress: &'a (dyn Fn(usize, usize, &str) + Sync),
}

pub fn run(plan: &Plan, options: &Options) -> MatrixRun {
    let started = Instant::now();
    let mut trials = plan.trials(&|name| options.filter.is_none_or(|f| name.contains(f)));
    let mut not_installed = Vec::new();
    if !options.all_runtimes {
        for slot in &plan.slots {
            if let Err(why) = slot.availability() {
                if trials.iter().any(|t| t.slot.name() == slot.name()) {
                    not_installed.push((slot.name().to_string(), why.to_string()));
                }
            }
        }
        trials.retain(|trial| trial.slot.availability().is_ok());
    }
    let planned = trials.len();
    if let Some(part) = options.partition {
        trials = part.select(trials);
    }
    let total = trials.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<TrialReport>>> = Mutex::new((0..total).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(trial) = trials.get(index) else { break };
                let report = trial.ignored.is_none().then(|| plan.run(trial));
                results.lock().unwrap_or_else(|p| p.into_inner())[index] = report;
                (options.progress)(done.fetch_add(1, Ordering::SeqCst) + 1, total, &trial.name);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());

    let runtimes: Vec<(String, String)> = plan
        .slots
        .iter()
        .filter(|slot| trials.iter().any(|t| t.slot.name() == slot.name()))
        .map(|slot| {
            let version = match slot.availability() {
                Ok(()) => slot.version(),
                Err(_) => "unavailable".to_string(),
            };
            (slot.name().to_string(), version)
        })
        .collect();
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut cells = BTreeMap::new();
    let mut reports = Vec::new();
    for (trial, report) in trials.into_iter().zip(results) {
        let module = &plan.suite.modules[trial.module];
        let row_key = (module.id.clone(), module.expectations.scenarios[trial.scenario].name.clone());
        let row = rows.iter().position(|r| *r == row_key).unwrap_or_else(|| {
            rows.push(row_key);
            rows.len() - 1
        });
        let column = runtimes.iter().position(|(name, _)| name == trial.slot.name()).unwrap_or(0);
        let cell = match (&trial.ignored, &report) {
            (Some(reason), _) => Cell::Ignored(reason.clone()),
            (None, Some(report)) => match &report.verdict {
                Verdict::Pass => Cell::Pass,
                Verdict::KnownDeviation => Cell::KnownDeviation,
                Verdict::Fail(message) => Cell::Fail(message.clone()),
                Verdict::Error(message) => Cell::Error(message.clone()),
            },
            (None, None) => Cell::Error("trial did not run".into()),
        };
        cells.insert((row, column), cell);
        reports.push((trial, report));
    }
    let partition = options.partition.map(|part| (part, planned));
    MatrixRun { runtimes, rows, cells, reports, wall_time: started.elapsed(), partition, not_installed }
}

impl MatrixRun {
    pub fn has_failures(&self) -> bool {
        self.cells.values().any(|cell| matches!(cell, Cell::Fail(_) | Cell::Error(_)))
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary { wall_time_ms: self.wall_time.as_secs_f64() * 1e3, ..Summary::default() };
        for cell in self.cells.values() {
            summary.add(cell.verdict());
        }
        summary
    }

    /// Per runtime, the step expected to finish that used the largest share of its budget: how
    /// far the slowest verdict is from flipping (a step over `BUDGET_MARGIN` fails its trial).
    pub fn budget_headroom(&self) -> String {
        let mut highest: Vec<(&str, f64, String)> = Vec::new();
        for (trial, report) in &self.reports {
            let Some(report) = report else { continue };
            for (index, step) in report.steps.iter().enumerate() {
                let Some(used) = step.observed.as_ref().and_then(|observed| observed.budget_use) else { continue };
                if step.expected.outcome == OutcomePattern::Trapped(TrapKind::Deadline) {
                    continue;
                }
                let runtime = trial.slot.name();
                let place = format!("{} step {}", trial.name, index + 1);
                match highest.iter_mut().find(|(name, ..)| *name == runtime) {
                    Some(entry) if entry.1 < used.fraction() => *entry = (runtime, used.fraction(), place),
                    Some(_) => {}
                    None => highest.push((runtime, used.fraction(), place)),
                }
            }
        }
        let mut out = format!(
            "budget use — the largest share of its budget a step expected to finish used, per runtime (over {:.0} % fails):",
            BUDGET_MARGIN * 100.0
        );
        for (runtime, share, place) in highest {
            let _ = write!(out, "\n  {runtime}: {:.1} % ({place})", share * 100.0);
        }
        out
    }

    /// The table as plain text, followed by every failure's message and every ignore reason.
    pub fn render_text(&self) -> String {
        let header: Vec<String> = self.runtimes.iter().map(|(name, version)| format!("{name} {version}")).collect();
        let first_width = self
            .rows
            .iter()
            .map(|(_, scenario)| scenario.len() + 2)
            .chain(self.rows.iter().map(|(module, _)| module.len()))
            .max()
            .unwrap_or(10)
            .max("module / scenario".len());
        let widths: Vec<usize> = header.iter().map(|h| h.len().max(9)).collect();
        let mut out = String::new();
        let _ = write!(out, "{:first_width$}", "module / scenario");
        for (h, w) in header.iter().zip(&widths) {
            let _ = write!(out, "  {h:w$}");
        }
        out.push('\n');
        let mut current_module = None;
        for (row, (module, scenario)) in self.rows.iter().enumerate() {
            if current_module != Some(module) {
                let _ = writeln!(out, "{module}");
                current_module = Some(module);
            }
            let _ = write!(out, "{:first_width$}", format!("  {scenario}"));
            for (column, w) in widths.iter().enumerate() {
                let label = self.cells.get(&(row, column)).map_or("-", Cell::label);
                let _ = write!(out, "  {label:w$}");
            }
            out.push('\n');
        }
        let mut ignored_reasons: Vec<&str> = self
            .cells
            .values()
            .filter_map(|cell| match cell {
                Cell::Ignored(reason) => Some(reason.as_str()),
                _ => None,
            })
            .collect();
        ignored_reasons.sort();
        ignored_reasons.dedup();
        for reason in ignored_reasons {
            let _ = writeln!(out, "\nignored: {reason}");
        }
        let deviations: Vec<String> = self
            .reports
            .iter()
            .filter_map(|(trial, report)| Some((trial, report.as_ref()?)))
            .filter(|(_, report)| report.verdict == Verdict::KnownDeviation)
            .flat_map(|(trial, report)| {
                report.steps.iter().enumerate().filter(|(_, step)| step.deviation_used).filter_map(
                    move |(index, step)| {
                        let observed = step.observed.as_ref()?;
                        Some(format!(
                            "  {} step {} `{}`: {}",
                            trial.name,
                            index + 1,
                            step.description,
                            describe_observed(trial.slot.name(), observed)
                        ))
                    },
                )
            })
            .collect();
        if !deviations.is_empty() {
            let _ =
                writeln!(out, "\nknown deviations (what the runtime did; `by harness` marks text the adapter wrote):");
            for line in deviations {
                let _ = writeln!(out, "{line}");
            }
        }
        for (trial, report) in &self.reports {
            if let Some(TrialReport { verdict: Verdict::Fail(message) | Verdict::Error(message), .. }) = report {
                let _ = writeln!(out, "\n--- {}\n{message}", trial.name);
            }
        }
        let _ = writeln!(out, "\n{}", self.budget_headroom());
        let _ = writeln!(out, "\n{}", self.summary());
        for (runtime, why) in &self.not_installed {
            let _ = writeln!(out, "not installed here: {runtime} — {why}");
        }
        out
    }
}

/// One observed step in a line: the outcome, who wrote its message, entry points the runtime
/// called by itself (`wasmer called _initialize ×2`) and how the outcome surfaced.
pub fn describe_observed(runtime: &str, observed: &StepResult) -> String {
    let mut text = observed.outcome.to_string();
    if let Some((_, Author::Harness)) = observed.outcome.message() {
        text.push_str(" (by harness)");
    }
    for (call, times) in counted(&observed.implicit_calls) {
        let times = if times > 1 { format!(" ×{times}") } else { String::new() };
        let _ = write!(text, "; {runtime} called {call}{times}");
    }
    if let Some(code) = observed.requested_exit {
        let _ = write!(text, "; the guest called proc_exit({code})");
    }
    if let Some(how) = &observed.surfaced {
        let _ = write!(text, "; surfaced as {how}");
    }
    text
}

fn counted(calls: &[String]) -> Vec<(&str, usize)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for call in calls {
        match counts.iter_mut().find(|(name, _)| name == call) {
            Some((_, times)) => *times += 1,
            None => counts.push((call, 1)),
        }
    }
    counts
}
