//! `execmodel bench lifecycle`: what each step of a module's life costs on each runtime —
//! compile, instantiate with WASI, `_start`, `_initialize`, a call on a live instance, and a call
//! through the runtime's command policy — as median and p95 per iteration, sampled by criterion.
//! The JSON document it writes (`--json`, `views::lifecycle`) is what `execmodel report --lifecycle` embeds.

mod fixtures;
mod quiet;
mod sampling;
mod steps;

use anyhow::{anyhow, bail, Context};

use crate::corpus::registry::{self, RuntimeEntry};
use crate::views::host::Host;
use crate::views::lifecycle::{
    duration, LifecycleBench, Measured, RuntimeCost, Settings, StepCost, SCHEMA, SCHEMA_VERSION,
};

pub use fixtures::Fixtures;
use steps::Subject;

pub const METHOD: &str = "Each iteration is timed on its own (setup and teardown outside the timer); \
    criterion warms up and chooses the iteration counts, and median and p95 are nearest-rank \
    percentiles over every iteration of its measurement batches.";

pub const OUT_OF_PROCESS: &str =
    "runs out of process, so every step includes the IPC round trip to its worker; instantiate also \
     leases a worker and opens a session there (a worker serves 200 sessions, then a new one starts)";

/// The runtimes measured by default: every one whose adapter can perform all the steps
/// (the in-process ones and node; a CLI can only run a module as a whole).
pub fn default_entries() -> Vec<&'static RuntimeEntry> {
    registry::RUNTIMES.iter().filter(|entry| cannot_take_part(entry).is_none()).collect()
}

/// Refuses runtimes named on the command line that cannot perform the steps.
pub fn check_entries(entries: &[&'static RuntimeEntry]) -> anyhow::Result<()> {
    for entry in entries {
        if let Some(why) = cannot_take_part(entry) {
            bail!("{} cannot take part in bench lifecycle: {why}", entry.name);
        }
    }
    Ok(())
}

fn cannot_take_part(entry: &RuntimeEntry) -> Option<String> {
    let runtime = (entry.make)();
    Measured::ALL.iter().find_map(|measured| runtime.expressible(&measured.kinds()).err())
}

/// Measures every step on every runtime; progress goes to stderr, criterion's own output nowhere.
pub fn measure(entries: &[&'static RuntimeEntry], settings: Settings) -> anyhow::Result<LifecycleBench> {
    // `compile` measures compiling, not loading from the compiled-module cache, which the
    // registry's wasmtime and wasmer read when they are made (below).
    std::env::set_var(execmodel_cache::SWITCH_VAR, "off");
    let scratch = tempfile::tempdir().context("creating a scratch directory for criterion")?;
    let mut criterion = sampling::criterion(&settings, scratch.path());
    let mut quiet = quiet::Quiet::begin().context("redirecting criterion's output")?;
    let mut runtimes = Vec::new();
    for entry in entries {
        let runtime = (entry.make)();
        let mut cost = RuntimeCost {
            name: entry.name.to_string(),
            version: String::new(),
            embedded: entry.embedded,
            note: (!entry.embedded).then(|| OUT_OF_PROCESS.to_string()),
            unavailable: None,
            steps: Vec::new(),
        };
        if let Err(why) = runtime.availability() {
            quiet.progress(&format!("{}: unavailable, not measured: {why}", entry.name));
            cost.unavailable = Some(why.to_string());
            runtimes.push(cost);
            continue;
        }
        cost.version = runtime.version();
        let subject =
            Subject::new(runtime).map_err(|why| anyhow!("{}: the bench fixtures do not compile: {why}", entry.name))?;
        for measured in Measured::ALL {
            let durations =
                sampling::sample(&mut criterion, &settings, entry.name, measured.id(), |iterations, durations| {
                    subject.time(measured, iterations, durations)
                })
                .map_err(|why| anyhow!("{} {}: {why}", entry.name, measured.id()))?;
            let percentiles = sampling::percentiles(durations)
                .ok_or_else(|| anyhow!("{} {}: criterion ran no measurement batch", entry.name, measured.id()))?;
            quiet.progress(&format!(
                "{:10} {:12} median {:>9}  p95 {:>9}  ({} iterations)",
                entry.name,
                measured.id(),
                duration(percentiles.median_ns),
                duration(percentiles.p95_ns),
                percentiles.samples
            ));
            for warning in quiet.new_warnings() {
                quiet.progress(&format!("  criterion: {warning}"));
            }
            cost.steps.push(StepCost {
                step: measured.id().to_string(),
                median_ns: percentiles.median_ns,
                p95_ns: percentiles.p95_ns,
                samples: percentiles.samples,
            });
        }
        runtimes.push(cost);
    }
    drop(quiet);
    Ok(LifecycleBench {
        schema: SCHEMA.to_string(),
        schema_version: SCHEMA_VERSION,
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        host: Host::this_machine(),
        profile: if cfg!(debug_assertions) { "dev" } else { "release" }.to_string(),
        settings,
        method: METHOD.to_string(),
        timer_overhead_ns: sampling::timer_overhead_ns(),
        runtimes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_the_embedded_runtimes_and_node_take_part_and_no_cli() {
        let names: Vec<&str> = default_entries().iter().map(|entry| entry.name).collect();
        for name in ["wasmtime", "wasmer", "wasmi", "node", "wazero"] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        for cli in ["wasmtime-cli", "wazero-cli", "wasmedge", "iwasm", "wasmer-cli"] {
            assert!(!names.contains(&cli), "{cli} in {names:?}");
        }
        let cli = registry::find("wasmtime-cli").expect("known");
        let refusal = check_entries(&[cli]).expect_err("a CLI cannot instantiate and call");
        assert!(refusal.to_string().starts_with("wasmtime-cli cannot take part in bench lifecycle: "), "{refusal}");
    }
}
