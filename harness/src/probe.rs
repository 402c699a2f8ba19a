//! `execmodel probe MODULE`: classify a module no one here built and run the standard lifecycle
//! sequences on every available runtime, side by side.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

use execmodel_contract::{panic_message, Limits, Step, WasiConfig};
use serde::Serialize;

use crate::classify::{Inspection, ModuleKind};
use crate::runner::RuntimeSlot;

#[derive(Debug, Serialize)]
pub struct Probe {
    pub module: String,
    pub kind: String,
    pub initialize: bool,
    pub memory: bool,
    pub signatures_valid: bool,
    pub warnings: Vec<String>,
    pub runtimes: Vec<ProbedRuntime>,
    pub sequences: Vec<ProbedSequence>,
}

#[derive(Debug, Serialize)]
pub struct ProbedRuntime {
    pub name: String,
    pub version: String,
    pub unavailable: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProbedSequence {
    pub name: String,
    pub steps: Vec<String>,
    /// One entry per runtime, in `runtimes` order: each step's outcome, or why nothing ran.
    pub results: Vec<Vec<String>>,
}

/// The sequences worth running on a module of this shape.
pub fn sequences(inspection: &Inspection, wasi: &WasiConfig) -> Vec<(String, Vec<Step>)> {
    let call = |export: &str| Step::Call { export: export.to_string(), args: Vec::new() };
    let exports = &inspection.exported_functions;
    let has = |name: &str| exports.iter().any(|f| f.name == name);
    let mut list = vec![("run".to_string(), vec![Step::Run(wasi.clone())])];
    for entry in ["_start", "_initialize"] {
        if has(entry) {
            let short = entry.trim_start_matches('_');
            list.push((short.to_string(), vec![Step::Instantiate(wasi.clone()), call(entry)]));
            list.push((format!("{short} twice"), vec![Step::Instantiate(wasi.clone()), call(entry), call(entry)]));
        }
    }
    let reactor_init = inspection.classification.kind == ModuleKind::Reactor && inspection.classification.initialize;
    for function in exports.iter().filter(|f| f.params == 0 && !f.name.starts_with("_start") && f.name != "_initialize") {
        let mut steps = vec![Step::Instantiate(wasi.clone())];
        let mut name = format!("call {}", function.name);
        if reactor_init {
            steps.push(call("_initialize"));
            name = format!("initialize, call {}", function.name);
        }
        steps.push(call(&function.name));
        list.push((name, steps));
    }
    list
}

pub fn probe(module_name: &str, bytes: &[u8], inspection: &Inspection, args: &[String], slots: &[RuntimeSlot]) -> Probe {
    let mut argv = vec![module_name.to_string()];
    argv.extend(args.iter().cloned());
    let wasi = WasiConfig { args: argv, ..WasiConfig::default() };
    let sequences = sequences(inspection, &wasi);
    let runtimes: Vec<ProbedRuntime> = slots
        .iter()
        .map(|slot| {
            let unavailable = slot.availability().err().map(|why| why.to_string());
            let version = if unavailable.is_none() { slot.version() } else { String::new() };
            ProbedRuntime { name: slot.name().to_string(), version, unavailable }
        })
        .collect();
    let compiled: Vec<Result<_, String>> = slots
        .iter()
        .zip(&runtimes)
        .map(|(slot, info)| match &info.unavailable {
            Some(why) => Err(format!("unavailable: {why}")),
            None => match catch_unwind(AssertUnwindSafe(|| slot.runtime().compile(bytes))) {
                Ok(Ok(compiled)) => Ok(compiled),
                Ok(Err(err)) => Err(err.to_string()),
                Err(panic) => Err(format!("panicked while compiling: {}", panic_message(&*panic))),
            },
        })
        .collect();
    let probed = sequences
        .into_iter()
        .map(|(name, steps)| {
            let kinds: Vec<_> = steps.iter().map(Step::kind).collect();
            let results = compiled
                .iter()
                .zip(slots)
                .map(|(compiled, slot)| match compiled {
                    Err(why) => vec![why.clone()],
                    Ok(_) if slot.runtime().expressible(&kinds).is_err() => vec!["not expressible".to_string()],
                    Ok(compiled) => {
                        let mut session = compiled.session(Limits::default());
                        steps
                            .iter()
                            .map(|step| match catch_unwind(AssertUnwindSafe(|| session.step(step))) {
                                Ok(result) => result.outcome.to_string(),
                                Err(panic) => format!("runtime panicked: {}", panic_message(&*panic)),
                            })
                            .collect()
                    }
                })
                .collect();
            ProbedSequence { name, steps: steps.iter().map(Step::describe).collect(), results }
        })
        .collect();
    let c = &inspection.classification;
    Probe {
        module: module_name.to_string(),
        kind: c.kind.as_str().to_string(),
        initialize: c.initialize,
        memory: c.memory,
        signatures_valid: c.signatures_valid,
        warnings: inspection.warnings.clone(),
        runtimes,
        sequences: probed,
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
    for runtime in probe.runtimes.iter() {
        if let Some(why) = &runtime.unavailable {
            let _ = writeln!(out, "skipped {}: {why}", runtime.name);
        }
    }
    for sequence in &probe.sequences {
        let _ = writeln!(out, "\n{} [{}]", sequence.name, sequence.steps.join(" → "));
        for (runtime, results) in probe.runtimes.iter().zip(&sequence.results) {
            if runtime.unavailable.is_some() {
                continue;
            }
            let label = format!("{} {}", runtime.name, runtime.version);
            let _ = writeln!(out, "  {:22} {}", label.trim(), results.join(" → "));
        }
    }
    out
}
