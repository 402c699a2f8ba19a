//! `execmodel bench harness`: how close the harness runs the matrix to the runtimes' own cost.
//!
//! For each runtime: the wall time of its whole column (trials in parallel), the time spent
//! compiling, and the raw runtime cost — every step's duration summed over all trials. The ratio
//! wall / (raw / jobs) says how much the harness adds on top of what the runtime itself spends.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::corpus::registry::RuntimeEntry;
use crate::expectations::suite::Suite;
use crate::trials::Plan;
use crate::views::matrix::{self, Options};

pub struct ColumnCost {
    pub runtime: String,
    pub trials: usize,
    pub wall: Duration,
    pub compile: Duration,
    pub raw: Duration,
    pub jobs: usize,
}

impl ColumnCost {
    /// Wall time over the runtime's own cost spread over the parallel jobs (1.0 = no overhead).
    pub fn ratio(&self) -> f64 {
        let ideal = (self.raw + self.compile).as_secs_f64() / self.jobs as f64;
        self.wall.as_secs_f64() / ideal.max(1e-9)
    }
}

pub fn measure_column(root: &std::path::Path, entry: &'static RuntimeEntry, jobs: usize) -> anyhow::Result<ColumnCost> {
    let plan = Plan::new(Suite::load(root)?, &[entry]);
    let started = Instant::now();
    let run = matrix::run(
        &plan,
        &Options { jobs, filter: None, partition: None, all_runtimes: false, progress: &|_, _, _| {} },
    );
    let wall = started.elapsed();
    let raw = run
        .reports
        .iter()
        .filter_map(|(_, report)| report.as_ref())
        .flat_map(|report| &report.steps)
        .map(|step| step.duration)
        .sum();
    Ok(ColumnCost {
        runtime: entry.name.to_string(),
        trials: run.reports.iter().filter(|(_, r)| r.is_some()).count(),
        wall,
        compile: plan.slots[0].compile_time(),
        raw,
        jobs,
    })
}

/// Every runtime of `entries` in turn (the in-process ones when none are named), with a line on
/// stderr as each starts.
pub fn measure(
    root: &std::path::Path,
    entries: &[&'static RuntimeEntry],
    jobs: usize,
) -> anyhow::Result<Vec<ColumnCost>> {
    let embedded: Vec<&'static RuntimeEntry>;
    let entries = if entries.is_empty() {
        embedded = crate::corpus::registry::RUNTIMES.iter().filter(|entry| entry.embedded).collect();
        &embedded
    } else {
        entries
    };
    entries
        .iter()
        .map(|entry| {
            eprintln!("measuring {} ...", entry.name);
            measure_column(root, entry, jobs)
        })
        .collect()
}

pub fn render(costs: &[ColumnCost]) -> String {
    let mut out = format!(
        "{:12} {:>7} {:>10} {:>11} {:>10} {:>12}\n",
        "runtime", "trials", "wall ms", "compile ms", "raw ms", "wall/ideal"
    );
    for cost in costs {
        let _ = writeln!(
            out,
            "{:12} {:>7} {:>10.1} {:>11.1} {:>10.1} {:>12.2}",
            cost.runtime,
            cost.trials,
            cost.wall.as_secs_f64() * 1e3,
            cost.compile.as_secs_f64() * 1e3,
            cost.raw.as_secs_f64() * 1e3,
            cost.ratio()
        );
    }
    out.push_str("\nwall/ideal = wall / ((compile + raw) / jobs); raw = the steps' own durations, summed.\n");
    out
}
