//! Running one trial — one scenario of one module on one runtime — and judging it.

use std::collections::HashMap;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use execmodel_contract::{
    panic_message, AdapterError, CompiledModule, Limits, Outcome, Preopen, Runtime, Step, StepResult, Unavailable,
    WasiConfig,
};

use crate::corpus::registry::RuntimeEntry;
use crate::expectations::boundary::MemoryCall;
use crate::expectations::suite::CorpusModule;
use crate::expectations::{Action, Expected, ExpectedStep, Scenario, WasiSpec};
use crate::trials::judge::{judge_step, over_budget_margin, StepJudgement, TrialContext};
use crate::trials::refused::RefusedModule;

/// A module's compilation on one runtime, done by whichever trial needs it first.
type CompileOnce = OnceLock<Result<Arc<dyn CompiledModule>, String>>;

/// One runtime in this process: created lazily, with each module compiled at most once and
/// shared by all of that module's trials.
pub struct RuntimeSlot {
    pub entry: &'static RuntimeEntry,
    runtime: OnceLock<Arc<dyn Runtime>>,
    availability: OnceLock<Result<(), Unavailable>>,
    compiled: Mutex<HashMap<String, Arc<CompileOnce>>>,
    /// Total time spent compiling modules on this runtime (for `execmodel bench`).
    compile_time: Mutex<Duration>,
}

impl RuntimeSlot {
    pub fn new(entry: &'static RuntimeEntry) -> Self {
        RuntimeSlot {
            entry,
            runtime: OnceLock::new(),
            availability: OnceLock::new(),
            compiled: Mutex::new(HashMap::new()),
            compile_time: Mutex::new(Duration::ZERO),
        }
    }

    pub fn name(&self) -> &'static str {
        self.entry.name
    }

    pub fn runtime(&self) -> &Arc<dyn Runtime> {
        self.runtime.get_or_init(|| (self.entry.make)())
    }

    pub fn availability(&self) -> Result<(), Unavailable> {
        self.availability.get_or_init(|| self.runtime().availability()).clone()
    }

    pub fn version(&self) -> String {
        self.runtime().version()
    }

    pub fn compile_time(&self) -> Duration {
        *self.compile_time.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn compiled(&self, module: &CorpusModule) -> Result<Arc<dyn CompiledModule>, String> {
        let cell = {
            let mut compiled = self.compiled.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            compiled.entry(module.id.clone()).or_default().clone()
        };
        cell.get_or_init(|| {
            let runtime = self.runtime();
            let started = Instant::now();
            let compiled = catch_unwind(AssertUnwindSafe(|| runtime.compile(&module.bytes)));
            *self.compile_time.lock().unwrap_or_else(|p| p.into_inner()) += started.elapsed();
            match compiled {
                Ok(Ok(compiled)) => Ok(compiled),
                // The runtime's own refusal is its answer to every trial of the module.
                Ok(Err(AdapterError::Compile { message, .. })) => {
                    Ok(Arc::new(RefusedModule::new(message)) as Arc<dyn CompiledModule>)
                }
                Ok(Err(err)) => Err(format!("{}: {err}", module.wasm_path.display())),
                Err(panic) => Err(format!(
                    "{}: {} panicked while compiling: {}",
                    module.wasm_path.display(),
                    self.name(),
                    panic_message(&*panic)
                )),
            }
        })
        .clone()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every step did what the default expectation says.
    Pass,
    /// Every step did what was expected, and at least one of them was a recorded deviation.
    KnownDeviation,
    /// The runtime did something the expectations do not allow (or stopped deviating).
    Fail(String),
    /// The harness or adapter could not run the trial (invalid module, adapter crash).
    Error(String),
}

#[derive(Debug, Clone)]
pub struct StepReport {
    pub description: String,
    pub line: usize,
    pub expected: Expected,
    /// The runtime that this step's expectation was deviated for, if any.
    pub deviation_used: bool,
    pub observed: Option<StepResult>,
    pub duration: Duration,
}

#[derive(Debug, Clone)]
pub struct TrialReport {
    pub verdict: Verdict,
    pub steps: Vec<StepReport>,
    pub duration: Duration,
}

pub fn default_limits() -> Limits {
    Limits::default()
}

/// Runtimes panic on some guests (wasmer-wasix when a start section calls WASI); every step runs
/// under `catch_unwind` and the panic becomes that trial's outcome or error, which the views show.
/// So the terminal gets nothing, or with `verbose` a line naming the place, instead of the default
/// hook's message and backtrace in the middle of the matrix. `EXECMODEL_VERBOSE=1` sets `verbose`
/// where there is no flag (the test binary).
pub fn quiet_caught_panics(verbose: bool) {
    let verbose = verbose || std::env::var_os("EXECMODEL_VERBOSE").is_some_and(|value| value != "0");
    std::panic::set_hook(Box::new(move |info| {
        if !verbose {
            return;
        }
        let message = execmodel_contract::panic_message(info.payload());
        let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("note: caught a panic{place}: {message}");
    }));
}

/// Runs the trial; a trial failed by a crash nobody expected is run once more in a fresh
/// session, and the second attempt decides.
///
/// A runtime's host process can die of a race inside the runtime that no input controls: node
/// 20 calls its WASI functions through V8's fast API, where `fd_write` may start a garbage
/// collection (<https://github.com/nodejs/node/issues/46777>, open), and a long-lived worker
/// under load once died of SIGSEGV there. One crash must not flip a verdict; two in a row are
/// the verdict. The second attempt's row says that the first crashed and how, so nothing is
/// hidden, and a crash an expectation names is never retried.
pub fn run_trial(slot: &RuntimeSlot, module: &CorpusModule, scenario: &Scenario, limits: Limits) -> TrialReport {
    let first = attempt_trial(slot, module, scenario, limits);
    let Some((index, crash)) = unexpected_crash(&first) else { return first };
    let mut second = attempt_trial(slot, module, scenario, limits);
    second.duration += first.duration;
    if let Some(observed) = second.steps.get_mut(index).and_then(|step| step.observed.as_mut()) {
        let note =
            format!("a first attempt of this trial crashed here ({crash}); this is the second, in a fresh session");
        observed.surfaced = Some(match observed.surfaced.take() {
            Some(how) => format!("{how}; {note}"),
            None => note,
        });
    }
    second
}

/// The failed trial's crashed step, when the crash is what failed it.
fn unexpected_crash(report: &TrialReport) -> Option<(usize, String)> {
    if !matches!(report.verdict, Verdict::Fail(_)) {
        return None;
    }
    let (index, step) = report.steps.iter().enumerate().next_back()?;
    match &step.observed.as_ref()?.outcome {
        Outcome::Crashed { message, .. } => Some((index, first_line(message).to_string())),
        _ => None,
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn attempt_trial(slot: &RuntimeSlot, module: &CorpusModule, scenario: &Scenario, limits: Limits) -> TrialReport {
    let started = Instant::now();
    let finish = |verdict, steps| TrialReport { verdict, steps, duration: started.elapsed() };
    if let Some(problem) = module.invalid() {
        return finish(Verdict::Error(problem), Vec::new());
    }
    let compiled = match slot.compiled(module) {
        Ok(compiled) => compiled,
        Err(err) => return finish(Verdict::Error(err), Vec::new()),
    };
    let sandbox = match tempfile::Builder::new().prefix("execmodel-").tempdir() {
        Ok(dir) => dir,
        Err(err) => return finish(Verdict::Error(format!("creating the trial's directory: {err}")), Vec::new()),
    };
    let limits = Limits { budget: scenario.budget.unwrap_or(limits.budget), ..limits };
    let context = TrialContext { runtime: slot.name(), module, scenario };

    let mut session = compiled.session(limits);
    let mut reports = Vec::new();
    let mut deviated = false;
    for (index, expected_step) in scenario.steps.iter().enumerate() {
        let step = match contract_step(expected_step, module, sandbox.path()) {
            Ok(step) => step,
            Err(err) => return finish(Verdict::Error(err), reports),
        };
        let step_started = Instant::now();
        let observed = catch_unwind(AssertUnwindSafe(|| match &step {
            Performed::Single(step) => session.step(step),
            Performed::ThroughMemory(call) => call.perform(&mut *session),
        }));
        let duration = step_started.elapsed();
        let deviation = expected_step.deviation_for(slot.name()).map(|(_, deviation)| deviation);
        let mut report = StepReport {
            description: expected_step.action.to_string(),
            line: expected_step.line,
            expected: deviation.map_or(&expected_step.expected, |d| &d.expected).clone(),
            deviation_used: deviation.is_some(),
            observed: None,
            duration,
        };
        // A panic out of the runtime is the runtime's failure, judged like any outcome (an
        // expectation may say `crashed`); the session is not used again after it.
        let (observed, crashed) = match observed {
            Ok(observed) => (observed, false),
            Err(panic) if panic.is::<execmodel_contract::AdapterFailure>() => {
                let message = format!(
                    "{}: step {} `{}`: {}",
                    context.name(),
                    index + 1,
                    expected_step.action,
                    panic_message(&*panic)
                );
                reports.push(report);
                return finish(Verdict::Error(message), reports);
            }
            Err(panic) => {
                let message = format!("{} panicked: {}", slot.name(), panic_message(&*panic));
                (StepResult::new(Outcome::crashed(message, execmodel_contract::Author::Runtime)), true)
            }
        };
        report.observed = Some(observed.clone());
        let over_margin = over_budget_margin(&context, index, expected_step, &report.expected, &observed);
        reports.push(report);
        match judge_step(&context, index, expected_step, &observed) {
            StepJudgement::AsExpected => {}
            StepJudgement::AsDeviation => deviated = true,
            StepJudgement::Failed(message) => return finish(Verdict::Fail(message), reports),
        }
        if let Some(message) = over_margin {
            return finish(Verdict::Fail(message), reports);
        }
        if crashed && index + 1 < scenario.steps.len() {
            let message = format!(
                "{}: {} crashed at step {} `{}`, so the {} step(s) after it cannot run; end the scenario there",
                context.name(),
                slot.name(),
                index + 1,
                expected_step.action,
                scenario.steps.len() - index - 1
            );
            return finish(Verdict::Fail(message), reports);
        }
    }
    let verdict = if deviated { Verdict::KnownDeviation } else { Verdict::Pass };
    finish(verdict, reports)
}

/// How a scenario step reaches the session: one contract step, or a call through memory made of several.
enum Performed<'a> {
    Single(Step),
    ThroughMemory(&'a MemoryCall),
}

fn contract_step<'a>(
    step: &'a ExpectedStep,
    module: &CorpusModule,
    sandbox: &std::path::Path,
) -> Result<Performed<'a>, String> {
    let single = match &step.action {
        Action::CallThroughMemory(call) => return Ok(Performed::ThroughMemory(call)),
        Action::Instantiate => Step::Instantiate(wasi_config(&step.wasi, module, sandbox)?),
        Action::Run => Step::Run(wasi_config(&step.wasi, module, sandbox)?),
        Action::Start => Step::Call { export: "_start".into(), args: Vec::new() },
        Action::Initialize => Step::Call { export: "_initialize".into(), args: Vec::new() },
        Action::Call { export, args } => Step::Call { export: export.clone(), args: args.clone() },
        Action::Memory => Step::MemoryPages,
    };
    Ok(Performed::Single(single))
}

fn wasi_config(spec: &WasiSpec, module: &CorpusModule, sandbox: &std::path::Path) -> Result<WasiConfig, String> {
    for (name, contents) in &spec.files {
        let path = sandbox.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|err| format!("creating {}: {err}", parent.display()))?;
        }
        fs::write(&path, contents).map_err(|err| format!("seeding {}: {err}", path.display()))?;
    }
    Ok(WasiConfig {
        args: spec.args.clone().unwrap_or_else(|| vec![module.file_name()]),
        env: spec.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        stdin: spec.stdin.clone().into_bytes(),
        preopen: spec
            .dir
            .as_ref()
            .map(|guest_path| Preopen { host_path: sandbox.to_path_buf(), guest_path: guest_path.clone() }),
    })
}

/// For messages: an outcome's whole text, which `Display` keeps to its first line.
pub fn outcome_detail(outcome: &Outcome) -> Option<&str> {
    outcome.message().map(|(message, _)| message).filter(|message| !message.is_empty())
}

/// An outcome's message with who wrote it, for reports and probe: `runtime: …` or `harness: …`.
pub fn attributed_detail(outcome: &Outcome) -> Option<String> {
    let (message, by) = outcome.message().filter(|(message, _)| !message.is_empty())?;
    Some(format!("{}: {message}", by.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expectations;
    use crate::expectations::rules::Rules;
    use execmodel_contract::{AdapterError, Session, Value};

    /// A runtime whose `bump` export returns 1, 2, 3, … and whose `_initialize` returns.
    struct Scripted;
    struct ScriptedModule;
    struct ScriptedSession(i32);

    impl Runtime for Scripted {
        fn name(&self) -> &'static str {
            "wasmer"
        }
        fn version(&self) -> String {
            "0".into()
        }
        fn compile(&self, _: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
            Ok(Arc::new(ScriptedModule))
        }
    }
    impl CompiledModule for ScriptedModule {
        fn session(&self, _: Limits) -> Box<dyn execmodel_contract::Session> {
            Box::new(ScriptedSession(0))
        }
    }
    impl Session for ScriptedSession {
        fn step(&mut self, step: &Step) -> StepResult {
            match step {
                Step::Call { export, .. } if export == "bump" => {
                    self.0 += 1;
                    StepResult::new(Outcome::Returned(vec![Value::I32(self.0)]))
                }
                Step::Call { export, .. } if export == "boom" => {
                    std::panic::panic_any(execmodel_contract::AdapterFailure("adapter bug".into()))
                }
                Step::Call { export, .. } if export == "crash" => panic!("runtime bug"),
                Step::Call { export, .. } if export == "crash_once" => {
                    if !CRASHED_ONCE.swap(true, std::sync::atomic::Ordering::SeqCst) {
                        panic!("a race in the runtime");
                    }
                    StepResult::new(Outcome::returned_nothing())
                }
                _ => StepResult::new(Outcome::returned_nothing()).with_output(b"hi\n".to_vec(), vec![]),
            }
        }
    }

    /// `crash_once` crashes the first time any session calls it (one test uses it).
    static CRASHED_ONCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    static SCRIPTED: RuntimeEntry =
        RuntimeEntry { name: "wasmer", embedded: true, make: || Arc::new(Scripted), installed: "test" };

    fn run(steps: &str) -> TrialReport {
        run_on(&SCRIPTED, steps)
    }

    fn run_on(entry: &'static RuntimeEntry, steps: &str) -> TrialReport {
        let source = format!(
            "version = 1\n[module]\nkind = \"reactor\"\nmemory = true\nsignatures = \"valid\"\nabout = \"\"\n\
             [[scenario]]\nname = \"s\"\nrule = \"observed\"\n{steps}"
        );
        let expectations = expectations::load(
            std::path::Path::new("x.toml"),
            &source,
            &Rules::default(),
            &["wasmer", "wasmtime", "wasmtime-36"],
        )
        .unwrap();
        let bytes = wat::parse_str(r#"(module (func (export "bump") (result i32) i32.const 0))"#).unwrap();
        let module = CorpusModule::new("wat/x".into(), "corpus/wat/x.wasm".into(), bytes, expectations);
        let slot = RuntimeSlot::new(entry);
        run_trial(&slot, &module, &module.expectations.scenarios[0], Limits::default())
    }

    const INSTANTIATE: &str = "[[scenario.step]]\ndo = \"instantiate\"\nexpect = \"returned\"\nstdout = \"hi\\n\"\n";

    #[test]
    fn matching_steps_pass() {
        let report = run(&format!(
            "{INSTANTIATE}[[scenario.step]]\ndo = \"call bump\"\nexpect = \"returned i32:1\"\n\
             [[scenario.step]]\ndo = \"call bump\"\nexpect = \"returned i32:2\"\n"
        ));
        assert_eq!(report.verdict, Verdict::Pass);
        assert_eq!(report.steps.len(), 3);
    }

    #[test]
    fn a_mismatch_fails_with_both_outcomes_and_a_ready_deviation() {
        let report = run(&format!("{INSTANTIATE}[[scenario.step]]\ndo = \"call bump\"\nexpect = \"returned i32:7\"\n"));
        let Verdict::Fail(message) = report.verdict else { panic!("{:?}", report.verdict) };
        assert!(message.contains("step 2 `call bump()` (x.toml:15)"), "{message}");
        assert!(
            message.contains("expected: returned i32:7") && message.contains("observed: returned i32:1"),
            "{message}"
        );
        assert!(message.contains("[scenario.step.deviation.wasmer]\n  expect = \"returned i32:1\""), "{message}");
    }

    #[test]
    fn output_is_compared_exactly() {
        let report = run("[[scenario.step]]\ndo = \"instantiate\"\nexpect = \"returned\"\n");
        let Verdict::Fail(message) = report.verdict else { panic!("{:?}", report.verdict) };
        assert!(message.contains("stdout: expected \"\", observed \"hi\\n\""), "{message}");
    }

    #[test]
    fn a_deviation_that_still_deviates_is_a_known_deviation() {
        let report = run(&format!(
            "{INSTANTIATE}[[scenario.step]]\ndo = \"call bump\"\nexpect = \"returned i32:100\"\n\
             [scenario.step.deviation.wasmer]\nexpect = \"returned i32:1\"\nsummary = \"s\"\nreason = \"r\"\nlink = \"l\"\n"
        ));
        assert_eq!(report.verdict, Verdict::KnownDeviation);
    }

    #[test]
    fn a_deviation_that_stopped_deviating_fails_and_says_what_to_delete() {
        let report = run(&format!(
            "{INSTANTIATE}[[scenario.step]]\ndo = \"call bump\"\nexpect = \"returned i32:1\"\n\
             [scenario.step.deviation.wasmer]\nexpect = \"trapped unreachable\"\nsummary = \"s\"\nreason = \"r\"\nlink = \"l\"\n"
        ));
        let Verdict::Fail(message) = report.verdict else { panic!("{:?}", report.verdict) };
        assert!(message.contains("wasmer no longer deviates"), "{message}");
        assert!(message.contains("Delete [scenario.step.deviation.wasmer] at x.toml:17"), "{message}");
    }

    /// The scripted runtime under the name of an older major, which inherits wasmtime's tables.
    static OLDER_MAJOR: RuntimeEntry =
        RuntimeEntry { name: "wasmtime-36", embedded: true, make: || Arc::new(Scripted), installed: "test" };

    #[test]
    fn an_older_major_inherits_the_current_majors_deviation_unless_it_has_its_own() {
        let wasmtime_deviates = format!(
            "{INSTANTIATE}[[scenario.step]]\ndo = \"call bump\"\nexpect = \"returned i32:100\"\n\
             [scenario.step.deviation.wasmtime]\nexpect = \"returned i32:1\"\nsummary = \"s\"\nreason = \"r\"\nlink = \"l\"\n"
        );
        assert_eq!(run_on(&OLDER_MAJOR, &wasmtime_deviates).verdict, Verdict::KnownDeviation);

        let older_differs = format!(
            "{INSTANTIATE}[[scenario.step]]\ndo = \"call bump\"\nexpect = \"returned i32:1\"\n\
             [scenario.step.deviation.wasmtime]\nexpect = \"trapped unreachable\"\nsummary = \"s\"\nreason = \"r\"\nlink = \"l\"\n"
        );
        let Verdict::Fail(message) = run_on(&OLDER_MAJOR, &older_differs).verdict else { panic!() };
        assert!(message.contains("not what wasmtime is recorded to do"), "{message}");
        assert!(message.contains("[scenario.step.deviation.wasmtime-36]"), "{message}");

        let own_table = format!(
            "{older_differs}[scenario.step.deviation.wasmtime-36]\nexpect = \"returned i32:1\"\nsummary = \"s\"\nreason = \"r\"\nlink = \"l\"\n"
        );
        assert_eq!(run_on(&OLDER_MAJOR, &own_table).verdict, Verdict::KnownDeviation);
    }

    #[test]
    fn an_adapter_panic_is_a_harness_error_not_a_crash() {
        let report = run(&format!("{INSTANTIATE}[[scenario.step]]\ndo = \"call boom\"\nexpect = \"returned\"\n"));
        let Verdict::Error(message) = report.verdict else { panic!("{:?}", report.verdict) };
        assert!(message.contains("step 2 `call boom()`: adapter bug"), "{message}");
    }

    #[test]
    fn any_other_panic_is_the_runtime_crashing_and_is_judged() {
        let expected =
            |outcome: &str| format!("{INSTANTIATE}[[scenario.step]]\ndo = \"call crash\"\nexpect = \"{outcome}\"\n");
        let Verdict::Fail(message) = run(&expected("returned")).verdict else { panic!() };
        assert!(message.contains("observed: crashed: wasmer panicked: runtime bug"), "{message}");
        assert_eq!(run(&expected("crashed: runtime bug")).verdict, Verdict::Pass);
    }

    #[test]
    fn a_crash_nobody_expected_is_tried_once_more_and_the_row_says_so() {
        let report = run(&format!("{INSTANTIATE}[[scenario.step]]\ndo = \"call crash_once\"\nexpect = \"returned\"\n"));
        assert_eq!(report.verdict, Verdict::Pass);
        let surfaced = report.steps[1].observed.as_ref().and_then(|o| o.surfaced.clone()).unwrap_or_default();
        assert!(
            surfaced.contains("a first attempt of this trial crashed here (wasmer panicked: a race in the runtime)"),
            "{surfaced}"
        );
        // A crash on both attempts is the verdict.
        let Verdict::Fail(message) =
            run(&format!("{INSTANTIATE}[[scenario.step]]\ndo = \"call crash\"\nexpect = \"returned\"\n")).verdict
        else {
            panic!()
        };
        assert!(message.contains("crashed: wasmer panicked: runtime bug"), "{message}");
    }
}
