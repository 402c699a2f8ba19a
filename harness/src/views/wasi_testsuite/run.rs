//! Running each test of a checkout as a command through each runtime's `run` step, in this
//! process (or the runtime's worker), and checking it the way the official runner does.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use execmodel_contract::{
    panic_message, AdapterFailure, Author, Limits, Outcome, Preopen, Step, StepResult, WasiConfig,
};

use super::expectations::Expectations;
use super::spec::{Plan, Test, TestDir};
use crate::trials::runner::RuntimeSlot;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
    /// Failed, as the runtime's expectation file says it does.
    XFail,
    /// Passed, though the runtime's expectation file says it fails: the file is stale.
    XPass,
}

impl Verdict {
    /// The official runner's words, which its results format uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
            Verdict::XFail => "xfail",
            Verdict::XPass => "xpass",
        }
    }

    /// A regression or a stale expectation: what fails the run, as in the official runner.
    pub fn fails_the_run(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::XPass)
    }

    pub fn executed(self) -> bool {
        self != Verdict::Skip
    }
}

#[derive(Debug, Clone)]
pub struct TestResult {
    pub name: String,
    pub verdict: Verdict,
    /// Why it failed or was skipped; each line says whether the runtime or the harness wrote it.
    pub failures: Vec<String>,
    pub duration: Duration,
}

#[derive(Debug, Clone)]
pub struct DirResult {
    pub name: String,
    pub tests: Vec<TestResult>,
    pub duration: Duration,
}

#[derive(Debug, Clone)]
pub struct RuntimeResult {
    pub runtime: String,
    pub version: String,
    pub dirs: Vec<DirResult>,
}

impl RuntimeResult {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.dirs.iter().flat_map(|d| &d.tests).filter(|t| t.verdict == verdict).count()
    }

    pub fn duration(&self) -> Duration {
        self.dirs.iter().map(|d| d.duration).sum()
    }
}

/// Before running, the suite's specification asks for every `*.cleanup` file (output of an
/// earlier run) under the checkout to be removed.
pub fn remove_cleanup_files(dir: &Path) -> Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() && !path.is_symlink() {
            removed += remove_cleanup_files(&path)?;
        } else if path.extension().is_some_and(|e| e == "cleanup") {
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Every test of `dirs` on one available runtime, one after another; `progress` hears of each.
/// `expectations`, when given, is this runtime's expectation file.
pub fn run_on(
    slot: &RuntimeSlot,
    dirs: &[TestDir],
    limits: Limits,
    expectations: Option<&Expectations>,
    progress: &mut dyn FnMut(&TestResult),
) -> RuntimeResult {
    let mut results = Vec::new();
    for dir in dirs {
        let started = Instant::now();
        let mut tests = Vec::new();
        for test in &dir.tests {
            let result = match expectations {
                Some(file) => {
                    with_expectation(file, &dir.name, run_test(slot, test, limits, file.of(&dir.name, &test.name).skip))
                }
                None => run_test(slot, test, limits, false),
            };
            progress(&result);
            tests.push(result);
        }
        results.push(DirResult { name: dir.name.clone(), tests, duration: started.elapsed() });
    }
    RuntimeResult { runtime: slot.name().to_string(), version: slot.version(), dirs: results }
}

fn run_test(slot: &RuntimeSlot, test: &Test, limits: Limits, skipped_by_expectation: bool) -> TestResult {
    let started = Instant::now();
    let (verdict, failures) = match &test.plan {
        Err(skip) => (Verdict::Skip, vec![format!("skipped by the harness: {}", skip.0)]),
        Ok(_) if skipped_by_expectation => {
            (Verdict::Skip, vec!["skipped by the runtime's expectation file".to_string()])
        }
        Ok(plan) => match check(slot, test, plan, limits) {
            Ok(failures) if failures.is_empty() => (Verdict::Pass, failures),
            Ok(failures) => (Verdict::Fail, failures),
            Err(err) => (Verdict::Fail, vec![format!("harness error: {err:#}")]),
        },
    };
    TestResult { name: test.name.clone(), verdict, failures, duration: started.elapsed() }
}

fn with_expectation(file: &Expectations, suite: &str, mut result: TestResult) -> TestResult {
    if file.of(suite, &result.name).expected_fail {
        match result.verdict {
            Verdict::Fail => result.verdict = Verdict::XFail,
            Verdict::Pass => {
                result.verdict = Verdict::XPass;
                result.failures.push(format!("passed, but {} expects it to fail: remove the entry", file.file));
            }
            _ => {}
        }
    }
    result
}

fn check(slot: &RuntimeSlot, test: &Test, plan: &Plan, limits: Limits) -> Result<Vec<String>> {
    let bytes = fs::read(&test.wasm).with_context(|| format!("reading {}", test.wasm.display()))?;
    // The guest may write into its preopen: it gets a copy, so the checkout stays as it was.
    let sandbox = tempfile::Builder::new()
        .prefix("execmodel-wasi-testsuite-")
        .tempdir()
        .context("creating a temporary directory")?;
    let preopen = match &plan.preopen {
        Some((source, guest_path)) => {
            let copy = sandbox.path().join(source.file_name().unwrap_or_default());
            copy_tree(source, &copy)?;
            Some(Preopen { host_path: copy, guest_path: guest_path.clone() })
        }
        None => None,
    };
    let file_name = test.wasm.file_name().map_or_else(|| "test.wasm".into(), |n| n.to_string_lossy().into_owned());
    let wasi = WasiConfig {
        args: std::iter::once(file_name).chain(plan.args.iter().cloned()).collect(),
        env: plan.env.clone(),
        stdin: plan.stdin.clone(),
        preopen,
    };
    let runtime = slot.runtime();
    let compiled = match catch_unwind(AssertUnwindSafe(|| runtime.compile(&bytes))) {
        Ok(Ok(compiled)) => compiled,
        Ok(Err(err)) => return Ok(vec![format!("not compiled (runtime): {err}")]),
        Err(panic) => {
            return Ok(vec![format!(
                "crashed (runtime): {} panicked while compiling: {}",
                slot.name(),
                panic_message(&*panic)
            )])
        }
    };
    let mut session = compiled.session(limits);
    let result = match catch_unwind(AssertUnwindSafe(|| session.step(&Step::Run(wasi)))) {
        Ok(result) => result,
        Err(panic) if panic.is::<AdapterFailure>() => {
            anyhow::bail!("the {} adapter could not run the test: {}", slot.name(), panic_message(&*panic))
        }
        Err(panic) => StepResult::new(Outcome::crashed(
            format!("{} panicked: {}", slot.name(), panic_message(&*panic)),
            Author::Runtime,
        )),
    };
    Ok(judge(plan, &result))
}

/// The official runner's checks: the exit code, and each expected stream's leading characters
/// (it reads as many characters as the expectation has; `do_read` in its
/// `test_suite_runner.py`). A guest that returns from `_start` exits 0.
pub fn judge(plan: &Plan, result: &StepResult) -> Vec<String> {
    let mut failures = Vec::new();
    let code = match &result.outcome {
        Outcome::Exited(code) => Some(*code),
        Outcome::Returned(_) => Some(0),
        _ => None,
    };
    match code {
        Some(code) if code == plan.exit_code => {}
        Some(code) => failures.push(format!("exit code: expected {}, got {code}", plan.exit_code)),
        None => {
            let by = result.outcome.message().map_or("runtime", |(_, by)| by.as_str());
            let message = result
                .outcome
                .message()
                .map(|(m, _)| format!(": {}", execmodel_contract::first_line(m)))
                .unwrap_or_default();
            failures.push(format!(
                "exit code: expected {}, got no exit: {} ({by}){message}",
                plan.exit_code, result.outcome
            ));
        }
    }
    // What the guest said on stderr usually explains a wrong exit (a Rust test's panic message).
    if !failures.is_empty() && plan.stderr.is_none() && !result.stderr.is_empty() {
        failures.push(format!("the guest's stderr: {:?}", truncate(&String::from_utf8_lossy(&result.stderr), 300)));
    }
    for (stream, expected, got) in [("stdout", &plan.stdout, &result.stdout), ("stderr", &plan.stderr, &result.stderr)]
    {
        if let Some(expected) = expected {
            let got = String::from_utf8_lossy(got);
            let head: String = got.chars().take(expected.chars().count()).collect();
            if head != *expected {
                failures.push(format!("{stream}: expected {expected:?}, got {:?}", truncate(&got, 200)));
            }
        }
    }
    failures
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(chars).collect::<String>())
    }
}

/// Copies a directory with its files, subdirectories and symbolic links (as links).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            let link = fs::read_link(&source)?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &target).with_context(|| format!("linking {}", target.display()))?;
            #[cfg(not(unix))]
            anyhow::bail!("{}: symbolic links are copied on Unix only ({})", source.display(), link.display());
        } else if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            fs::copy(&source, &target).with_context(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_stream_prefixes_are_checked_as_the_official_runner_does() {
        let plan = Plan { exit_code: 3, stdout: Some("hel".into()), ..Plan::default() };
        let ran = |outcome, out: &[u8]| StepResult::new(outcome).with_output(out.to_vec(), Vec::new());
        assert!(judge(&plan, &ran(Outcome::Exited(3), b"hello")).is_empty());
        assert_eq!(judge(&plan, &ran(Outcome::Exited(0), b"hello")), ["exit code: expected 3, got 0"]);
        assert_eq!(judge(&plan, &ran(Outcome::Exited(3), b"halo")), ["stdout: expected \"hel\", got \"halo\""]);
        let trapped = judge(&plan, &ran(Outcome::trap(execmodel_contract::TrapKind::Unreachable, "boom"), b"hel"));
        assert_eq!(trapped, ["exit code: expected 3, got no exit: trapped unreachable (runtime): boom"]);
        assert!(judge(&Plan::default(), &ran(Outcome::Returned(vec![]), b"anything")).is_empty());
    }
}
