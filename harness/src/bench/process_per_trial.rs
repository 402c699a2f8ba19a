//! `execmodel bench harness --process-per-trial`: what one command trial costs with the runtime
//! embedded here (a fresh session on an already compiled module, then `run`) against starting a
//! runtime process per trial, the way other suites run tests. Both are timed in the same run,
//! trial after trial, over the corpus's command modules.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use execmodel_contract::{catch_runtime_panic, CompiledModule, Limits, Outcome, Runtime, Step, TrapKind, WasiConfig};

use crate::expectations::suite::{CorpusModule, Suite};

/// Short, so that a module running until its deadline is found quickly; such modules are left
/// out, since they would time the deadline instead of the path.
const DEADLINE: Duration = Duration::from_secs(1);

pub struct ProcessBench {
    pub trials_per_module: usize,
    pub modules: Vec<String>,
    /// `(module, why)`.
    pub skipped: Vec<(String, String)>,
    /// The in-process path first, then the process-per-trial ones.
    pub paths: Vec<PathCost>,
}

pub struct PathCost {
    pub label: String,
    pub samples: Vec<Duration>,
    /// Why this path was not (fully) measured: runtime absent, or a trial failed in the adapter.
    pub missing: Option<String>,
}

struct TrialPath {
    cost: PathCost,
    runtime: Option<Arc<dyn Runtime>>,
}

impl TrialPath {
    fn new(description: &str, runtime: Arc<dyn Runtime>) -> Self {
        let (label, runtime, missing) = match runtime.availability() {
            Ok(()) => (format!("{} {} {description}", runtime.name(), runtime.version()), Some(runtime), None),
            Err(why) => (format!("{} {description}", runtime.name()), None, Some(format!("not measured: {why}"))),
        };
        TrialPath { cost: PathCost { label, samples: Vec::new(), missing }, runtime }
    }

    fn give_up(&mut self, why: String) {
        self.cost.missing = Some(why);
        self.runtime = None;
    }
}

/// A command module is one exporting `_start`.
pub fn is_command(module: &CorpusModule) -> bool {
    module
        .inspection()
        .as_ref()
        .is_ok_and(|inspection| inspection.exported_functions.iter().any(|f| f.name == "_start"))
}

pub fn measure(suite: &Suite, trials_per_module: usize) -> ProcessBench {
    let mut paths = vec![
        TrialPath::new("in process (session + run)", execmodel_wasmtime::runtime()),
        TrialPath::new("process per trial", execmodel_cli::runtime("node-wasi")),
        TrialPath::new("process per trial", execmodel_cli::runtime("wasmtime-cli")),
    ];
    let mut bench = ProcessBench { trials_per_module, modules: Vec::new(), skipped: Vec::new(), paths: Vec::new() };
    for module in suite.modules.iter().filter(|module| is_command(module)) {
        match measure_module(module, &mut paths, trials_per_module) {
            Ok(()) => bench.modules.push(module.id.clone()),
            Err(why) => bench.skipped.push((module.id.clone(), why)),
        }
    }
    bench.paths = paths.into_iter().map(|path| path.cost).collect();
    bench
}

fn measure_module(module: &CorpusModule, paths: &mut [TrialPath], trials: usize) -> Result<(), String> {
    let run = Step::Run(WasiConfig { args: vec![module.file_name()], ..WasiConfig::default() });
    let mut compiled: Vec<Option<Arc<dyn CompiledModule>>> = Vec::new();
    for (index, path) in paths.iter_mut().enumerate() {
        let Some(runtime) = &path.runtime else {
            compiled.push(None);
            continue;
        };
        match runtime.compile(&module.bytes) {
            Ok(module) => compiled.push(Some(module)),
            Err(err) if index == 0 => return Err(err.to_string()),
            Err(err) => {
                path.give_up(format!("stopped at {}: {err}", module.id));
                compiled.push(None);
            }
        }
    }
    // An untimed first run on the in-process path: it finds modules that run until the deadline.
    if let Some(in_process) = &compiled[0] {
        if let Ok((_, Outcome::Trapped { kind: TrapKind::Deadline, .. })) = timed_trial(in_process.as_ref(), &run) {
            return Err(format!("runs until the deadline ({} s)", DEADLINE.as_secs()));
        }
    }
    for _ in 0..trials {
        for (path, compiled) in paths.iter_mut().zip(&compiled) {
            let (Some(compiled), Some(_)) = (compiled, &path.runtime) else { continue };
            match timed_trial(compiled.as_ref(), &run) {
                Ok((elapsed, _)) => path.cost.samples.push(elapsed),
                Err(why) => path.give_up(format!("stopped at {}: {why}", module.id)),
            }
        }
    }
    Ok(())
}

/// One trial as the runner performs it: a fresh session, the step, the session dropped.
fn timed_trial(compiled: &dyn CompiledModule, run: &Step) -> Result<(Duration, Outcome), String> {
    let limits = Limits { budget: DEADLINE, ..Limits::default() };
    let started = Instant::now();
    let outcome = catch_runtime_panic("runtime", || compiled.session(limits).step(run).outcome);
    let elapsed = started.elapsed();
    outcome.map(|outcome| (elapsed, outcome)).map_err(|err| err.to_string())
}

fn mean(samples: &[Duration]) -> Duration {
    samples.iter().sum::<Duration>() / samples.len().max(1) as u32
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

pub fn render(bench: &ProcessBench) -> String {
    let mut out = format!(
        "one command trial: {} command modules × {} trials per path, one trial at a time\n\n{:48} {:>6} {:>10} {:>10} {:>22}\n",
        bench.modules.len(),
        bench.trials_per_module,
        "path",
        "trials",
        "mean ms",
        "median ms",
        "× in-process (mean/med)"
    );
    let baseline = bench.paths.first().filter(|path| !path.samples.is_empty());
    for path in &bench.paths {
        if !path.samples.is_empty() {
            let (mean, median) = (mean(&path.samples), median(&path.samples));
            let ratio = baseline.map_or_else(String::new, |base| {
                format!(
                    "{:.0}× / {:.0}×",
                    ratio(mean, self::mean(&base.samples)),
                    ratio(median, self::median(&base.samples))
                )
            });
            let _ = writeln!(
                out,
                "{:48} {:>6} {:>10.3} {:>10.3} {:>22}",
                path.label,
                path.samples.len(),
                millis(mean),
                millis(median),
                ratio
            );
        }
        if let Some(why) = &path.missing {
            let _ = writeln!(out, "{}: {why}", path.label);
        }
    }
    for (module, why) in &bench.skipped {
        let _ = writeln!(out, "skipped {module}: {why}");
    }
    if let Some(base) = baseline {
        let slowest_ratio = bench.paths[1..]
            .iter()
            .filter(|path| !path.samples.is_empty())
            .map(|path| ratio(median(&path.samples), median(&base.samples)))
            .reduce(f64::min);
        if let Some(ratio) = slowest_ratio {
            let _ = writeln!(out, "\nin process, a trial is {ratio:.0}× faster (median) than with the fastest process per trial; target ≥ 20×");
        }
    }
    out
}

fn ratio(of: Duration, to: Duration) -> f64 {
    of.as_secs_f64() / to.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(label: &str, millis: &[u64], missing: Option<&str>) -> PathCost {
        PathCost {
            label: label.into(),
            samples: millis.iter().map(|&ms| Duration::from_millis(ms)).collect(),
            missing: missing.map(Into::into),
        }
    }

    #[test]
    fn reports_each_path_against_the_in_process_one_and_absent_runtimes_as_a_line() {
        let bench = ProcessBench {
            trials_per_module: 3,
            modules: vec!["c/a".into(), "c/b".into()],
            skipped: vec![("wat/infinite_loop".into(), "runs until the deadline (1 s)".into())],
            paths: vec![
                path("wasmtime in process", &[1, 1, 2], None),
                path("node-wasi process per trial", &[40, 50, 60], None),
                path("wasmtime-cli process per trial", &[], Some("not measured: wasmtime not found on PATH")),
            ],
        };
        let text = render(&bench);
        assert!(text.starts_with("one command trial: 2 command modules × 3 trials per path"), "{text}");
        assert!(text.contains("node-wasi process per trial"), "{text}");
        assert!(text.contains("38× / 50×"), "{text}");
        assert!(text.contains("wasmtime-cli process per trial: not measured: wasmtime not found on PATH"), "{text}");
        assert!(text.contains("skipped wat/infinite_loop: runs until the deadline (1 s)"), "{text}");
        assert!(text.contains("a trial is 50× faster (median)"), "{text}");
    }

    #[test]
    fn median_and_mean_of_samples() {
        let samples: Vec<Duration> = [5, 1, 3].iter().map(|&ms| Duration::from_millis(ms)).collect();
        assert_eq!(median(&samples), Duration::from_millis(3));
        assert_eq!(mean(&samples), Duration::from_millis(3));
        assert_eq!(median(&[]), Duration::ZERO);
    }
}
