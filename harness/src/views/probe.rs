//! `execmodel probe MODULE`: classify a module no one here built, run the lifecycle sequences
//! that fit its shape on every available runtime, and mark each result against the WASI
//! application ABI. The JSON form is documented in `docs/probe-schema.md`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use execmodel_contract::{
    panic_message, Author, Limits, Outcome, Step, StepResult, TrapKind, Value, WasiConfig, RUN_BY_THE_HARNESS,
};
use serde::Serialize;

use crate::corpus::classify::{Inspection, ModuleKind};
use crate::expectations::suite::Suite;
use crate::text::show_bytes;
use crate::trials::judge::outcome_matches;
use crate::trials::runner::RuntimeSlot;
use crate::views::matrix::describe_observed;
use crate::views::report::{outcome_kind, BudgetRecord};

pub const SCHEMA: &str = "execmodel-probe";
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Probe {
    pub schema: &'static str,
    pub schema_version: u32,
    pub module: String,
    pub kind: String,
    pub initialize: bool,
    pub memory: bool,
    pub signatures_valid: bool,
    pub warnings: Vec<String>,
    /// What the guest was given: `args` (argv, argv[0] first), `env`, the preopened directory
    /// and the number of stdin bytes.
    pub wasi: ProbedWasi,
    pub limits: ProbeLimits,
    pub runtimes: Vec<ProbedRuntime>,
    pub sequences: Vec<ProbedSequence>,
    /// Sequences whose outcomes differ between the runtimes that ran them.
    pub disagreements: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ProbedWasi {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// `{host, guest}` of the preopened directory, or null.
    pub preopen: Option<ProbedPreopen>,
    pub stdin_bytes: usize,
}

#[derive(Debug, Serialize)]
pub struct ProbedPreopen {
    pub host: String,
    pub guest: String,
}

impl ProbedWasi {
    fn of(wasi: &WasiConfig) -> ProbedWasi {
        ProbedWasi {
            args: wasi.args.clone(),
            env: wasi.env.clone(),
            preopen: wasi.preopen.as_ref().map(|preopen| ProbedPreopen {
                host: preopen.host_path.display().to_string(),
                guest: preopen.guest_path.clone(),
            }),
            stdin_bytes: wasi.stdin.len(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProbeLimits {
    /// Each step's budget, in milliseconds of CPU time.
    pub budget_ms: u64,
    pub memory_bytes: usize,
    pub output_bytes: usize,
}

#[derive(Debug, Serialize)]
pub struct ProbedRuntime {
    pub name: String,
    pub version: String,
    pub unavailable: Option<String>,
    /// Why the module could not be compiled on this runtime, if it could not.
    pub compile_error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProbedSequence {
    pub name: String,
    pub steps: Vec<String>,
    /// What the ABI says of this sequence on a module of this shape.
    pub abi: String,
    /// One entry per runtime, in `runtimes` order.
    pub results: Vec<ProbedRun>,
}

#[derive(Debug, Serialize)]
pub struct ProbedRun {
    pub runtime: String,
    /// `ran`, `unavailable`, `not-compiled`, `not-expressible`, or `skipped` (the same steps
    /// already spent their budget in an earlier sequence).
    pub status: String,
    pub note: Option<String>,
    /// `conforms`, `abi-silent` or `deviates` when the sequence ran.
    pub verdict: Option<String>,
    /// For a deviation: a recorded deviation of the corpus with the same outcome at the same
    /// kind of step, whose reason probably explains it.
    pub known_cause: Option<KnownCause>,
    pub steps: Vec<ProbedStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KnownCause {
    pub scenario: String,
    pub reason: String,
    pub link: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProbedStep {
    pub step: String,
    /// `returned`, `bytes`, `exited`, `trapped`, `rejected`, `host-error` or `crashed`.
    pub kind: String,
    /// The outcome in the expectation syntax (`exited 3`, `trapped unreachable`).
    pub outcome: String,
    pub values: Vec<String>,
    pub exit_code: Option<i64>,
    pub trap: Option<String>,
    pub stage: Option<String>,
    pub message: Option<String>,
    /// Who wrote `message`: `runtime` or `harness`.
    pub by: Option<String>,
    pub implicit_calls: Vec<String>,
    pub requested_exit: Option<i64>,
    pub surfaced: Option<String>,
    pub stdout: String,
    pub stderr: String,
    pub stdout_dropped: u64,
    pub stderr_dropped: u64,
    /// What the step spent of its budget, for steps that ran guest code.
    pub budget: Option<BudgetRecord>,
    pub duration_ms: f64,
}

/// What the user asked for besides the module: WASI configuration, limits, extra calls.
#[derive(Debug, Clone, Default)]
pub struct ProbeOptions {
    pub wasi: WasiConfig,
    pub limits: Limits,
    /// `--call 'add(i32:1, i32:2)'`: exports to call with these arguments.
    pub calls: Vec<(String, Vec<Value>)>,
    /// `--repeat N`: a reactor's exports are also called N times in a row on one instance, and
    /// the last result is shown (a counter's state after N calls). 0 leaves the sequence out.
    pub repeat: u32,
}

/// The ABI's reading of a sequence on this module.
#[derive(Debug, Clone)]
enum Reading {
    /// The ABI says what must happen; the check tells whether the results do it.
    Requires { says: &'static str, check: fn(&[StepResult]) -> bool },
    /// The ABI does not say.
    Silent(&'static str),
}

struct Sequence {
    name: String,
    steps: Vec<Step>,
    reading: Reading,
    /// How many times the last step is performed (1: once); the result shown is the last one, or
    /// the first that did not return.
    repeat_last: u32,
}

impl Sequence {
    fn new(name: impl Into<String>, steps: Vec<Step>, reading: Reading) -> Sequence {
        Sequence { name: name.into(), steps, reading, repeat_last: 1 }
    }
}

const COMPLETES: &str =
    "each step completes (returns, or exits through proc_exit from `_start` with the code it asked for)";

/// An exit counts only with the guest's own code: a runtime that reported another one (wasmer
/// keeps it mod 256) recorded what the guest asked for in `requested_exit`.
fn all_complete(results: &[StepResult]) -> bool {
    results.iter().all(|r| matches!(r.outcome, Outcome::Returned(_) | Outcome::Exited(_)) && r.requested_exit.is_none())
}

fn all_return(results: &[StepResult]) -> bool {
    results.iter().all(|r| matches!(r.outcome, Outcome::Returned(_)))
}

/// `_initialize` ran exactly once in the `run` step, called by the runtime (or, for a runtime
/// without a policy of its own, by the harness's run, which says so), and every step returned.
/// A reactor whose `_initialize` never ran has not been initialised, whatever its exports return.
fn initialized_once_then_all_return(results: &[StepResult]) -> bool {
    let Some(run) = results.first() else { return false };
    let by_runtime = run.implicit_calls.iter().filter(|call| *call == "_initialize").count();
    let by_harness = run.surfaced.as_deref().is_some_and(|note| note.contains(RUN_BY_THE_HARNESS));
    (by_runtime == 1 || (by_runtime == 0 && by_harness)) && all_return(results)
}

fn refused(results: &[StepResult]) -> bool {
    matches!(results.first().map(|r| &r.outcome), Some(Outcome::Rejected { .. }))
}

/// The sequences worth running on a module of this shape, each with the ABI's reading.
fn sequences(inspection: &Inspection, options: &ProbeOptions) -> Vec<Sequence> {
    let wasi = &options.wasi;
    let call = |export: &str| Step::Call { export: export.to_string(), args: Vec::new() };
    let c = &inspection.classification;
    let exports = &inspection.exported_functions;
    let has = |name: &str| exports.iter().any(|f| f.name == name);
    let others: Vec<&str> = exports
        .iter()
        .filter(|f| f.params == 0 && f.name != "_start" && f.name != "_initialize")
        .map(|f| f.name.as_str())
        .collect();
    let shape_is_valid = c.signatures_valid && c.memory;
    let reading_for = |when_valid: Reading| {
        if c.kind == ModuleKind::NotWasi {
            Reading::Silent("not a WASI module: the ABI does not apply")
        } else if !shape_is_valid {
            Reading::Silent("the module breaks the ABI itself (no `memory` export or a wrong entry signature); what a runtime then does is not specified")
        } else {
            when_valid
        }
    };
    let mut list = Vec::new();
    let run = Step::Run(wasi.clone());
    let instantiate = Step::Instantiate(wasi.clone());

    list.push(Sequence::new(
        "run",
        vec![run.clone()],
        match c.kind {
            ModuleKind::Both => Reading::Requires {
                says: "a module exporting both `_start` and `_initialize` is an error the runtime should report",
                check: refused,
            },
            ModuleKind::Command => reading_for(Reading::Requires {
                says: "a command's `_start` is entered once and completes",
                check: all_complete,
            }),
            _ if c.initialize => reading_for(Reading::Requires {
                says: "a reactor's `_initialize` is called once before its exports",
                check: initialized_once_then_all_return,
            }),
            _ => reading_for(Reading::Requires {
                says: "a reactor without `_initialize` is ready once instantiated",
                check: all_return,
            }),
        },
    ));
    list.push(Sequence::new(
        "run, run again",
        vec![run.clone(), run.clone()],
        Reading::Silent(
            "the ABI describes one run of a module; a second run by the same embedder is the runtime's own matter (each adapter makes it a new run and says where the runtime keeps anything)",
        ),
    ));
    if c.kind == ModuleKind::Command && has("_start") {
        list.push(Sequence::new(
            "run, start again",
            vec![run.clone(), call("_start")],
            Reading::Silent("a command may assume it is entered at most once: a second `_start` is outside the ABI"),
        ));
    }
    for export in &others {
        let reading = match c.kind {
            ModuleKind::Reactor if c.initialize => reading_for(Reading::Requires {
                says: "a reactor's exports may be called after `_initialize` ran once",
                check: initialized_once_then_all_return,
            }),
            ModuleKind::Reactor => reading_for(Reading::Requires {
                says: "a reactor's exports may be called after it is instantiated",
                check: all_return,
            }),
            _ => Reading::Silent("the ABI does not say what an export of a command does after `_start`"),
        };
        list.push(Sequence::new(format!("run, call {export}"), vec![run.clone(), call(export)], reading.clone()));
        if c.kind == ModuleKind::Reactor {
            let again = match &reading {
                Reading::Requires { check, .. } => reading_for(Reading::Requires {
                    says: "a reactor's exports may be called many times on the live instance",
                    check: *check,
                }),
                silent => silent.clone(),
            };
            list.push(Sequence::new(
                format!("run, call {export} twice"),
                vec![run.clone(), call(export), call(export)],
                again.clone(),
            ));
            if options.repeat > 1 {
                let mut repeated = Sequence::new(
                    format!("run, call {export} ×{}", options.repeat),
                    vec![run.clone(), call(export)],
                    again,
                );
                repeated.repeat_last = options.repeat;
                list.push(repeated);
            }
        }
    }
    for entry in ["_start", "_initialize"] {
        if !has(entry) {
            continue;
        }
        let short = entry.trim_start_matches('_');
        let once = if entry == "_start" {
            Reading::Requires { says: COMPLETES, check: all_complete }
        } else {
            Reading::Requires { says: "`_initialize` completes", check: all_return }
        };
        let once = if c.kind == ModuleKind::Both {
            Reading::Silent("the module exports both entry points, an error by the ABI")
        } else {
            reading_for(once)
        };
        list.push(Sequence::new(short, vec![instantiate.clone(), call(entry)], once));
        list.push(Sequence::new(
            format!("{short} twice"),
            vec![instantiate.clone(), call(entry), call(entry)],
            Reading::Silent("entry points are called at most once: a second call is outside the ABI"),
        ));
    }
    let initializes = c.kind == ModuleKind::Reactor && c.initialize;
    for export in &others {
        if c.kind == ModuleKind::Command {
            list.push(Sequence::new(
                format!("start, call {export}"),
                vec![instantiate.clone(), call("_start"), call(export)],
                Reading::Silent("the ABI does not say what an export of a command does after `_start`"),
            ));
            continue;
        }
        if initializes {
            list.push(Sequence::new(
                format!("initialize, call {export}"),
                vec![instantiate.clone(), call("_initialize"), call(export)],
                reading_for(Reading::Requires {
                    says: "a reactor's exports may be called after `_initialize`",
                    check: all_return,
                }),
            ));
        }
        list.push(Sequence::new(
            format!("call {export}"),
            vec![instantiate.clone(), call(export)],
            if initializes {
                Reading::Silent("`_initialize` must be called before any other export: skipping it is outside the ABI")
            } else {
                reading_for(Reading::Requires {
                    says: "a reactor without `_initialize` may be called at once",
                    check: all_return,
                })
            },
        ));
    }
    for (export, args) in &options.calls {
        let step = Step::Call { export: export.clone(), args: args.clone() };
        let described = step.describe();
        let mut prepared = vec![instantiate.clone()];
        if initializes {
            prepared.push(call("_initialize"));
        }
        prepared.push(step.clone());
        let silent = "a call the user asked for: the ABI says nothing of its result";
        list.push(Sequence::new(format!("{described} (after instantiate)"), prepared, Reading::Silent(silent)));
        list.push(Sequence::new(format!("{described} (after run)"), vec![run.clone(), step], Reading::Silent(silent)));
    }
    list
}

pub fn probe(
    module_name: &str,
    bytes: &[u8],
    inspection: &Inspection,
    options: &ProbeOptions,
    slots: &[&RuntimeSlot],
    known: Option<&Suite>,
) -> Probe {
    let sequences = sequences(inspection, options);
    let mut runtimes: Vec<ProbedRuntime> = slots
        .iter()
        .map(|slot| {
            let unavailable = slot.availability().err().map(|why| why.to_string());
            let version = if unavailable.is_none() { slot.version() } else { String::new() };
            ProbedRuntime { name: slot.name().to_string(), version, unavailable, compile_error: None }
        })
        .collect();
    let compiled: Vec<Option<_>> = slots
        .iter()
        .zip(runtimes.iter_mut())
        .map(|(slot, info)| {
            if info.unavailable.is_some() {
                return None;
            }
            let compiled = match catch_unwind(AssertUnwindSafe(|| slot.runtime().compile(bytes))) {
                Ok(Ok(compiled)) => return Some(compiled),
                Ok(Err(err)) => err.to_string(),
                Err(panic) => format!("{} panicked while compiling: {}", slot.name(), panic_message(&*panic)),
            };
            info.compile_error = Some(compiled);
            None
        })
        .collect();
    // Steps that spent their budget on a runtime: a later sequence starting with the same steps
    // would only spend it again.
    let mut timed_out: HashMap<(usize, Vec<String>), String> = HashMap::new();
    let mut probed = Vec::new();
    for sequence in sequences {
        let described: Vec<String> = sequence.steps.iter().map(Step::describe).collect();
        let kinds: Vec<_> = sequence.steps.iter().map(Step::kind).collect();
        let mut results = Vec::new();
        for (index, (slot, compiled)) in slots.iter().zip(&compiled).enumerate() {
            let mut run = ProbedRun {
                runtime: slot.name().to_string(),
                status: "ran".into(),
                note: None,
                verdict: None,
                known_cause: None,
                steps: Vec::new(),
            };
            let info = &runtimes[index];
            if let Some(why) = &info.unavailable {
                (run.status, run.note) = ("unavailable".into(), Some(why.clone()));
            } else if let Some(why) = &info.compile_error {
                (run.status, run.note) = ("not-compiled".into(), Some(why.clone()));
            } else if let Err(why) = slot.runtime().expressible(&kinds) {
                (run.status, run.note) = ("not-expressible".into(), Some(why));
            } else if let Some(earlier) =
                (1..=described.len()).find_map(|n| timed_out.get(&(index, described[..n].to_vec())))
            {
                (run.status, run.note) =
                    ("skipped".into(), Some(format!("the same steps spent their budget in `{earlier}`")));
            } else if let Some(compiled) = compiled {
                let mut session = compiled.session(options.limits);
                let mut observed = Vec::new();
                for (position, step) in sequence.steps.iter().enumerate() {
                    let started = Instant::now();
                    let times = if position + 1 == sequence.steps.len() { sequence.repeat_last.max(1) } else { 1 };
                    let mut performed = 0;
                    let result = loop {
                        performed += 1;
                        let result = catch_unwind(AssertUnwindSafe(|| session.step(step))).unwrap_or_else(|panic| {
                            // An adapter that could not perform the step unwinds with its own
                            // failure: the harness's, not a crash of the runtime.
                            let (what, by) = match panic.is::<execmodel_contract::AdapterFailure>() {
                                true => ("the harness failed", Author::Harness),
                                false => ("panicked", Author::Runtime),
                            };
                            StepResult::new(Outcome::crashed(
                                format!("{} {what}: {}", slot.name(), panic_message(&*panic)),
                                by,
                            ))
                        });
                        if performed >= times || !matches!(result.outcome, Outcome::Returned(_)) {
                            break result;
                        }
                    };
                    let label = match times {
                        1 => described[position].clone(),
                        _ => format!("{} ×{performed}", described[position]),
                    };
                    run.steps.push(probed_step(&label, &result, started.elapsed()));
                    let stop = matches!(result.outcome, Outcome::Crashed { .. });
                    if matches!(result.outcome, Outcome::Trapped { kind: TrapKind::Deadline, .. }) {
                        timed_out.insert((index, described[..=position].to_vec()), sequence.name.clone());
                    }
                    observed.push(result);
                    if stop {
                        break;
                    }
                }
                let (verdict, cause) = judge(&sequence, &observed, slot.name(), known);
                run.verdict = Some(verdict.to_string());
                run.known_cause = cause;
            }
            results.push(run);
        }
        let abi = match &sequence.reading {
            Reading::Requires { says, .. } => format!("ABI: {says}"),
            Reading::Silent(why) => format!("ABI silent: {why}"),
        };
        probed.push(ProbedSequence { name: sequence.name, steps: described, abi, results });
    }
    let disagreements = probed.iter().filter(|s| disagree(s)).map(|s| s.name.clone()).collect();
    let c = &inspection.classification;
    Probe {
        schema: SCHEMA,
        schema_version: SCHEMA_VERSION,
        module: module_name.to_string(),
        kind: c.kind.as_str().to_string(),
        initialize: c.initialize,
        memory: c.memory,
        signatures_valid: c.signatures_valid,
        warnings: inspection.warnings.clone(),
        wasi: ProbedWasi::of(&options.wasi),
        limits: ProbeLimits {
            budget_ms: options.limits.budget.as_millis() as u64,
            memory_bytes: options.limits.memory_bytes,
            output_bytes: options.limits.output_bytes,
        },
        runtimes,
        sequences: probed,
        disagreements,
    }
}

fn judge(
    sequence: &Sequence,
    observed: &[StepResult],
    runtime: &str,
    known: Option<&Suite>,
) -> (&'static str, Option<KnownCause>) {
    match &sequence.reading {
        Reading::Silent(_) => ("abi-silent", None),
        Reading::Requires { check, .. } if observed.len() == sequence.steps.len() && check(observed) => {
            ("conforms", None)
        }
        Reading::Requires { .. } => {
            ("deviates", known.and_then(|suite| known_cause(suite, runtime, &sequence.steps, observed)))
        }
    }
}

/// The first recorded deviation of `runtime` at the same kind of step whose outcome is the one
/// observed at the first step that does not complete.
fn known_cause(suite: &Suite, runtime: &str, steps: &[Step], observed: &[StepResult]) -> Option<KnownCause> {
    let (index, result) = observed
        .iter()
        .enumerate()
        .find(|(_, r)| !matches!(r.outcome, Outcome::Returned(_) | Outcome::Exited(_)))
        .or_else(|| observed.iter().enumerate().next_back())?;
    let kind = steps.get(index)?.kind();
    suite.modules.iter().find_map(|module| {
        module.expectations.scenarios.iter().find_map(|scenario| {
            scenario.steps.iter().find_map(|step| {
                let deviation = step.deviations.get(runtime)?;
                let same_step = step.action.kinds().first() == Some(&kind);
                (same_step && outcome_matches(&deviation.expected.outcome, &result.outcome)).then(|| KnownCause {
                    scenario: format!("{}::{}", module.id, scenario.name),
                    reason: deviation.reason.clone(),
                    link: deviation.link.clone(),
                })
            })
        })
    })
}

/// Outcomes compared by what they are, not by the wording of their messages.
pub fn outcome_shape(step: &ProbedStep) -> String {
    match step.kind.as_str() {
        "rejected" => format!("rejected {}", step.stage.as_deref().unwrap_or("")),
        "host-error" | "crashed" => step.kind.clone(),
        _ => format!("{} {:?}", step.outcome, step.implicit_calls),
    }
}

fn disagree(sequence: &ProbedSequence) -> bool {
    let mut shapes = sequence
        .results
        .iter()
        .filter(|r| r.status == "ran")
        .map(|r| r.steps.iter().map(outcome_shape).collect::<Vec<_>>());
    let Some(first) = shapes.next() else { return false };
    shapes.any(|other| other != first)
}

fn probed_step(description: &str, result: &StepResult, duration: Duration) -> ProbedStep {
    let outcome = &result.outcome;
    let message = outcome.message().filter(|(m, _)| !m.is_empty());
    ProbedStep {
        step: description.to_string(),
        kind: outcome_kind(outcome).to_string(),
        outcome: outcome.to_string(),
        values: match outcome {
            Outcome::Returned(values) => values.iter().map(Value::to_string).collect(),
            _ => Vec::new(),
        },
        exit_code: match outcome {
            Outcome::Exited(code) => Some(*code),
            _ => None,
        },
        trap: match outcome {
            Outcome::Trapped { kind, .. } => Some(kind.as_str().to_string()),
            _ => None,
        },
        stage: match outcome {
            Outcome::Rejected { stage, .. } => Some(stage.as_str().to_string()),
            _ => None,
        },
        message: message.map(|(m, _)| m.to_string()),
        by: message.map(|(_, by)| by.as_str().to_string()),
        implicit_calls: result.implicit_calls.clone(),
        requested_exit: result.requested_exit,
        surfaced: result.surfaced.clone(),
        stdout: String::from_utf8_lossy(&result.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
        stdout_dropped: result.stdout_dropped,
        stderr_dropped: result.stderr_dropped,
        budget: result.budget_use.as_ref().map(BudgetRecord::of),
        duration_ms: duration.as_secs_f64() * 1000.0,
    }
}

impl Probe {
    /// Whether the runtimes that ran a sequence did not all do the same.
    pub fn runtimes_disagree(&self) -> bool {
        !self.disagreements.is_empty()
    }
}

pub fn render_text(probe: &Probe) -> String {
    let mut out = format!(
        "{}: {} (initialize: {}, memory: {}, entry signatures: {})\n",
        probe.module,
        probe.kind,
        probe.initialize,
        probe.memory,
        if probe.signatures_valid { "valid" } else { "invalid" }
    );
    for warning in &probe.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    let _ = writeln!(out, "argv: {:?}", probe.wasi.args);
    let _ = writeln!(
        out,
        "limits: a budget of {} ms of CPU time per step, memory {} bytes, output {} bytes per stream",
        probe.limits.budget_ms, probe.limits.memory_bytes, probe.limits.output_bytes
    );
    for runtime in &probe.runtimes {
        if let Some(why) = &runtime.unavailable {
            let _ = writeln!(out, "skipped {}: {why}", runtime.name);
        }
        if let Some(why) = &runtime.compile_error {
            let _ = writeln!(out, "{} {} does not compile the module: {why}", runtime.name, runtime.version);
        }
    }
    let width = probe.runtimes.iter().map(|r| r.name.len() + r.version.len() + 1).max().unwrap_or(10);
    for sequence in &probe.sequences {
        let _ = writeln!(out, "\n{} [{}]\n  {}", sequence.name, sequence.steps.join(" → "), sequence.abi);
        for (runtime, run) in probe.runtimes.iter().zip(&sequence.results) {
            if matches!(run.status.as_str(), "unavailable" | "not-compiled") {
                continue;
            }
            let label = format!("{} {}", runtime.name, runtime.version);
            if run.status != "ran" {
                let _ =
                    writeln!(out, "  {:width$}  {}: {}", label.trim(), run.status, run.note.as_deref().unwrap_or(""));
                continue;
            }
            let verdict = run.verdict.as_deref().unwrap_or("");
            let _ = writeln!(out, "  {:width$}  {verdict}", label.trim());
            for step in &run.steps {
                let _ = writeln!(
                    out,
                    "    {:14} {} ({:.1} ms)",
                    step.step,
                    describe_step(&runtime.name, step),
                    step.duration_ms
                );
                if let (Some(message), Some(by)) = (&step.message, &step.by) {
                    if message.lines().count() > 1 || message.len() > 60 {
                        let first = message.lines().next().unwrap_or("");
                        let _ = writeln!(out, "    {:14} {by} said: {first}", "");
                    }
                }
                for (stream, text, dropped) in
                    [("stdout", &step.stdout, step.stdout_dropped), ("stderr", &step.stderr, step.stderr_dropped)]
                {
                    if !text.is_empty() || dropped > 0 {
                        let more =
                            if dropped > 0 { format!(" (+{dropped} bytes dropped by the cap)") } else { String::new() };
                        let _ = writeln!(out, "    {:14} {stream}: {}{more}", "", show_bytes(text.as_bytes(), 200));
                    }
                }
            }
            if let Some(cause) = &run.known_cause {
                let _ = writeln!(out, "    known cause ({}): {} {}", cause.scenario, cause.reason, cause.link);
            }
        }
    }
    if probe.disagreements.is_empty() {
        let _ = writeln!(out, "\nthe runtimes agree on every sequence");
    } else {
        let _ = writeln!(out, "\nthe runtimes disagree on: {}", probe.disagreements.join("; "));
    }
    out
}

fn describe_step(runtime: &str, step: &ProbedStep) -> String {
    let mut result = StepResult::new(Outcome::returned_nothing());
    result.implicit_calls = step.implicit_calls.clone();
    result.requested_exit = step.requested_exit;
    result.surfaced = step.surfaced.clone();
    let rest = describe_observed(runtime, &result);
    let rest = rest.strip_prefix("returned").unwrap_or(&rest);
    let by = if step.by.as_deref() == Some("harness") { " (by harness)" } else { "" };
    format!("{}{by}{rest}", step.outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::classify::inspect;

    fn names(wat: &str) -> Vec<String> {
        let inspection = inspect(&wat::parse_str(wat).unwrap()).unwrap();
        let options =
            ProbeOptions { calls: vec![("add".into(), vec![Value::I32(1), Value::I32(2)])], ..ProbeOptions::default() };
        sequences(&inspection, &options).into_iter().map(|s| s.name).collect()
    }

    #[test]
    fn a_command_gets_run_then_calls_and_a_second_start() {
        let names = names(
            r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1) (func (export "_start")) (func (export "f")))"#,
        );
        for expected in [
            "run",
            "run, run again",
            "run, start again",
            "run, call f",
            "start",
            "start twice",
            "start, call f",
            "call add(i32:1, i32:2) (after run)",
        ] {
            assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
        }
    }

    #[test]
    fn a_reactor_is_judged_on_initialize_then_calls() {
        let wat = r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1) (func (export "_initialize")) (func (export "f")))"#;
        let inspection = inspect(&wat::parse_str(wat).unwrap()).unwrap();
        let sequences = sequences(&inspection, &ProbeOptions::default());
        let reading = |name: &str| sequences.iter().find(|s| s.name == name).map(|s| s.reading.clone()).unwrap();
        assert!(matches!(reading("initialize, call f"), Reading::Requires { .. }));
        assert!(matches!(reading("call f"), Reading::Silent(_)));
        assert!(matches!(reading("initialize twice"), Reading::Silent(_)));
        let Reading::Requires { check, .. } = reading("run") else { panic!() };
        let run_calling = |calls: &[&str]| {
            StepResult::new(Outcome::returned_nothing())
                .with_implicit_calls(calls.iter().map(|c| c.to_string()).collect())
        };
        assert!(check(&[run_calling(&["_initialize"])]));
        assert!(!check(&[StepResult::new(Outcome::trap(TrapKind::Unreachable, "x"))]));
        // A run that never called `_initialize`, or called it twice, did not initialise the reactor
        // as the ABI says, however its exports answer afterwards.
        assert!(!check(&[run_calling(&[])]));
        assert!(!check(&[run_calling(&["_initialize", "_initialize"])]));
        let Reading::Requires { check, .. } = reading("run, call f") else { panic!() };
        assert!(!check(&[run_calling(&[]), StepResult::new(Outcome::returned_nothing())]));
        assert!(check(&[run_calling(&["_initialize"]), StepResult::new(Outcome::returned_nothing())]));
        // A runtime without a policy of its own: the harness's run called it, and says so.
        let mut by_harness = run_calling(&[]);
        by_harness.surfaced = Some(format!("wasmi has no command/reactor policy: {RUN_BY_THE_HARNESS}"));
        assert!(check(&[by_harness, StepResult::new(Outcome::returned_nothing())]));
    }

    #[test]
    fn a_reactor_export_is_also_called_twice_and_many_times() {
        let wat = r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1) (func (export "_initialize")) (func (export "f")))"#;
        let inspection = inspect(&wat::parse_str(wat).unwrap()).unwrap();
        let with_repeat = sequences(&inspection, &ProbeOptions { repeat: 1000, ..ProbeOptions::default() });
        let twice = with_repeat.iter().find(|s| s.name == "run, call f twice").expect("a second call");
        assert_eq!(twice.steps.len(), 3);
        let many = with_repeat.iter().find(|s| s.name == "run, call f ×1000").expect("the repeated call");
        assert_eq!((many.steps.len(), many.repeat_last), (2, 1000));
        let without = sequences(&inspection, &ProbeOptions::default());
        assert!(!without.iter().any(|s| s.name.contains('×')), "repeat 0 leaves the sequence out");
    }

    #[test]
    fn an_exit_with_another_code_than_the_guest_asked_for_does_not_complete() {
        let exited = |code| StepResult::new(Outcome::Exited(code));
        assert!(all_complete(&[exited(3)]));
        let mut wrapped = exited(0);
        wrapped.requested_exit = Some(256);
        assert!(!all_complete(&[wrapped]), "wasmer's exit 0 for proc_exit(256) is not the guest's exit");
    }

    #[test]
    fn both_exports_must_be_refused() {
        let wat = r#"(module (memory (export "memory") 1) (func (export "_start")) (func (export "_initialize")))"#;
        let inspection = inspect(&wat::parse_str(wat).unwrap()).unwrap();
        let sequences = sequences(&inspection, &ProbeOptions::default());
        let Reading::Requires { check, .. } = &sequences[0].reading else { panic!() };
        assert!(check(&[StepResult::new(Outcome::reject(execmodel_contract::RejectStage::Run, "both"))]));
        assert!(!check(&[StepResult::new(Outcome::returned_nothing())]));
    }

    #[test]
    fn disagreement_ignores_message_wording() {
        let step = |outcome: Outcome| probed_step("run", &StepResult::new(outcome), Duration::ZERO);
        let run = |steps| ProbedRun {
            runtime: "x".into(),
            status: "ran".into(),
            note: None,
            verdict: None,
            known_cause: None,
            steps,
        };
        let sequence = |a, b| ProbedSequence {
            name: "run".into(),
            steps: vec![],
            abi: String::new(),
            results: vec![run(vec![a]), run(vec![b])],
        };
        let both = |text: &str| Outcome::reject(execmodel_contract::RejectStage::Run, text);
        assert!(!disagree(&sequence(step(both("cannot be both")), step(both("exports both")))));
        assert!(disagree(&sequence(step(both("cannot be both")), step(Outcome::returned_nothing()))));
        assert!(disagree(&sequence(step(Outcome::Exited(1)), step(Outcome::Exited(2)))));
    }
}
