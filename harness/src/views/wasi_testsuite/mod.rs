//! The official WASI test suite (WebAssembly/wasi-testsuite) through this harness's runtimes.
//!
//! In: a checkout (or one of its test directories) — `*.wasm` tests with sibling JSON
//! specifications. Out: per runtime, each test passed, failed (with why, and who said so) or
//! skipped (with why), as text and in the suite's own results JSON, so its users can set our
//! numbers beside their daily results. Every test is a command run through the runtime's `run`
//! step, exactly as a lifecycle trial's `run`; nothing here is specific to one runtime.

mod expectations;
mod run;
mod spec;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use execmodel_contract::Limits;
use serde_json::json;

use crate::corpus::registry::RuntimeEntry;
use crate::trials::runner::RuntimeSlot;

pub use expectations::{Expectation, Expectations};
pub use run::{judge, remove_cleanup_files, run_on, DirResult, RuntimeResult, TestResult, Verdict};
pub use spec::{discover, read_plan, Plan, Skip, Test, TestDir};

/// One run of the suite: what was found and what each runtime did with it.
#[derive(Debug, Clone)]
pub struct SuiteRun {
    pub checkout: String,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub runtimes: Vec<RuntimeResult>,
    /// Runtimes asked for but not installed here, with why.
    pub not_installed: Vec<(String, String)>,
    /// Expectation files given, by runtime.
    pub expectations: BTreeMap<String, String>,
}

impl SuiteRun {
    pub fn any_failed(&self) -> bool {
        self.runtimes.iter().any(|r| r.dirs.iter().flat_map(|d| &d.tests).any(|t| t.verdict.fails_the_run()))
    }
}

/// Finds the tests under `checkout` and runs them on each of `entries` that is installed, with
/// that runtime's expectation file if `expectations` has one, telling stderr how far it is.
pub fn run(
    checkout: &Path,
    entries: &[&'static RuntimeEntry],
    limits: Limits,
    expectations: &BTreeMap<String, Expectations>,
) -> Result<SuiteRun> {
    if let Some(name) = expectations.keys().find(|name| !entries.iter().any(|e| e.name == name.as_str())) {
        bail!("an expectation file is given for `{name}`, which is not among the runtimes of this run");
    }
    let dirs = discover(checkout)?;
    let removed = remove_cleanup_files(checkout)?;
    if removed > 0 {
        eprintln!("removed {removed} *.cleanup file(s) an earlier run left, as the suite's specification asks");
    }
    let total: usize = dirs.iter().map(|d| d.tests.len()).sum();
    let started = Utc::now();
    let (mut runtimes, mut not_installed) = (Vec::new(), Vec::new());
    for entry in entries {
        let slot = RuntimeSlot::new(entry);
        if let Err(why) = slot.availability() {
            not_installed.push((entry.name.to_string(), why.to_string()));
            continue;
        }
        let mut done = 0;
        runtimes.push(run_on(&slot, &dirs, limits, expectations.get(entry.name), &mut |test| {
            done += 1;
            if test.verdict.fails_the_run() || done == total || done % 25 == 0 {
                eprintln!("{}: {done}/{total} {} {}", entry.name, test.name, test.verdict.as_str());
            }
        }));
    }
    let expectations = expectations.iter().map(|(name, file)| (name.clone(), file.file.clone())).collect();
    Ok(SuiteRun {
        checkout: checkout.display().to_string(),
        started,
        finished: Utc::now(),
        runtimes,
        not_installed,
        expectations,
    })
}

pub fn render_text(run: &SuiteRun) -> String {
    let mut out = String::new();
    let tests: usize = run.runtimes.first().map_or(0, |r| r.dirs.iter().map(|d| d.tests.len()).sum());
    let dirs = run.runtimes.first().map_or(0, |r| r.dirs.len());
    out.push_str(&format!("wasi-testsuite at {}: {tests} test(s) in {dirs} director(ies)\n\n", run.checkout));
    let width = run.runtimes.iter().map(|r| r.runtime.len() + r.version.len() + 1).max().unwrap_or(0);
    for result in &run.runtimes {
        let ran: usize = result.dirs.iter().flat_map(|d| &d.tests).filter(|t| t.verdict.executed()).count();
        let per_test = if ran == 0 { Default::default() } else { result.duration() / ran as u32 };
        out.push_str(&format!(
            "{:width$}  {:>4} pass  {:>4} fail  {:>4} skip  {:>8.2} s ({:.1} ms a test){}\n",
            format!("{} {}", result.runtime, result.version),
            result.count(Verdict::Pass),
            result.count(Verdict::Fail),
            result.count(Verdict::Skip),
            result.duration().as_secs_f64(),
            per_test.as_secs_f64() * 1000.0,
            match run.expectations.get(&result.runtime) {
                Some(file) => format!(
                    "  {} xfail, {} xpass by {file}",
                    result.count(Verdict::XFail),
                    result.count(Verdict::XPass)
                ),
                None => String::new(),
            },
        ));
    }
    for (name, why) in &run.not_installed {
        out.push_str(&format!("not installed here: {name} — {why}\n"));
    }
    for result in &run.runtimes {
        let failed: Vec<_> = result
            .dirs
            .iter()
            .flat_map(|d| d.tests.iter().map(move |t| (d, t)))
            .filter(|(_, t)| t.verdict.fails_the_run())
            .collect();
        if failed.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{} failed {} test(s):\n", result.runtime, failed.len()));
        for (dir, test) in failed {
            out.push_str(&format!("  {} / {}\n", dir.name, test.name));
            for failure in &test.failures {
                out.push_str(&format!("      {failure}\n"));
            }
        }
    }
    // The harness's skips are the same on every runtime (they come from the specifications):
    // once, by reason. An expectation file's skips are in its runtime's count.
    let mut skipped: Vec<(&str, Vec<String>)> = Vec::new();
    for dir in run.runtimes.first().map_or(&[][..], |r| &r.dirs[..]) {
        for test in dir.tests.iter().filter(|t| t.verdict == Verdict::Skip) {
            let reason = test.failures.first().map_or("", String::as_str);
            if !reason.starts_with("skipped by the harness") {
                continue;
            }
            let place = format!("{} / {}", dir.name, test.name);
            match skipped.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, places)) => places.push(place),
                None => skipped.push((reason, vec![place])),
            }
        }
    }
    for (reason, places) in &skipped {
        out.push_str(&format!("\n{} test(s) {reason}\n", places.len()));
        for place in places.iter().take(5) {
            out.push_str(&format!("  {place}\n"));
        }
        if places.len() > 5 {
            out.push_str(&format!("  … and {} more\n", places.len() - 5));
        }
    }
    out
}

/// The official runner's results file (`reporters/json.py` in wasi-testsuite): one entry per
/// test directory and runtime, in one file for all runtimes of the run.
/// `--expectations RUNTIME=FILE`, each file read in the suite's own format.
pub fn read_expectation_files(given: &[String]) -> Result<BTreeMap<String, Expectations>> {
    let mut files = BTreeMap::new();
    for one in given {
        let (runtime, file) =
            one.split_once('=').with_context(|| format!("--expectations {one}: give RUNTIME=FILE"))?;
        files.insert(runtime.to_string(), Expectations::read(Path::new(file))?);
    }
    Ok(files)
}

/// The suite's results format (`--json FILE`).
pub fn write_results(run: &SuiteRun, path: &Path) -> Result<()> {
    let text = serde_json::to_string_pretty(&results_json(run))?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

pub fn results_json(run: &SuiteRun) -> serde_json::Value {
    let stamp = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut results = Vec::new();
    for runtime in &run.runtimes {
        for dir in &runtime.dirs {
            let count = |v: Verdict| dir.tests.iter().filter(|t| t.verdict == v).count();
            results.push(json!({
                "name": dir.name,
                "runtime": { "name": runtime.runtime, "version": runtime.version },
                "duration_s": dir.duration.as_secs_f64(),
                "failed": count(Verdict::Fail),
                "skipped": count(Verdict::Skip),
                "passed": count(Verdict::Pass),
                "xfailed": count(Verdict::XFail),
                "xpassed": count(Verdict::XPass),
                "tests": dir.tests.iter().map(|t| json!({
                    "name": t.name,
                    "executed": t.verdict.executed(),
                    "outcome": t.verdict.as_str(),
                    "duration_s": t.duration.as_secs_f64(),
                    "failures": t.failures,
                })).collect::<Vec<_>>(),
            }));
        }
    }
    json!({
        "execution": { "start_timestamp": stamp(&run.started), "finish_timestamp": stamp(&run.finished) },
        "results": results,
    })
}

#[cfg(test)]
mod tests;
