//! `execmodel bench lifecycle`: what each step of a module's life costs on each runtime —
//! compile, instantiate with WASI, `_start`, `_initialize`, a call on a live instance, and a call
//! through the runtime's command policy — as median and p95 per iteration, sampled by criterion.
//! The JSON document it writes (`--json`) is what `execmodel report --lifecycle` embeds.

mod chart;
mod fixtures;
mod quiet;
mod render;
mod sampling;
mod steps;

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde::{Deserialize, Serialize};

use crate::registry::{self, RuntimeEntry};
use crate::report::Host;

pub use chart::render_section as render_html_section;
pub use render::{render_markdown, render_text};
pub use fixtures::Fixtures;
pub use sampling::Settings;
use steps::{Measured, Subject};

pub const SCHEMA: &str = "execmodel-lifecycle";
pub const SCHEMA_VERSION: u32 = 1;

const METHOD: &str = "Each iteration is timed on its own (setup and teardown outside the timer); \
    criterion warms up and chooses the iteration counts, and median and p95 are nearest-rank \
    percentiles over every iteration of its measurement batches.";

const OUT_OF_PROCESS: &str =
    "runs out of process, so every step includes the IPC round trip to its worker; instantiate also \
     leases a worker and opens a session there (a worker serves 200 sessions, then a new one starts)";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleBench {
    pub schema: String,
    pub schema_version: u32,
    /// RFC 3339, UTC.
    pub generated_at: String,
    pub host: Host,
    /// The cargo profile the harness was built with: `release` or `dev`.
    pub profile: String,
    pub settings: Settings,
    /// How median and p95 are computed.
    pub method: String,
    /// What one reading of the clock costs; every iteration's duration includes it once.
    pub timer_overhead_ns: u64,
    pub runtimes: Vec<RuntimeCost>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuntimeCost {
    pub name: String,
    pub version: String,
    pub embedded: bool,
    /// What the numbers include beyond the runtime itself (the IPC of an out-of-process runtime).
    pub note: Option<String>,
    /// Why the runtime was not measured; `steps` is then empty.
    pub unavailable: Option<String>,
    pub steps: Vec<StepCost>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCost {
    pub step: String,
    pub median_ns: u64,
    pub p95_ns: u64,
    /// Iterations the percentiles are computed from.
    pub samples: usize,
}

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
        let subject = Subject::new(runtime).map_err(|why| anyhow!("{}: the bench fixtures do not compile: {why}", entry.name))?;
        for measured in Measured::ALL {
            let durations = sampling::sample(&mut criterion, &settings, entry.name, measured.id(), |iterations, durations| {
                subject.time(measured, iterations, durations)
            })
            .map_err(|why| anyhow!("{} {}: {why}", entry.name, measured.id()))?;
            let percentiles = sampling::percentiles(durations)
                .ok_or_else(|| anyhow!("{} {}: criterion ran no measurement batch", entry.name, measured.id()))?;
            quiet.progress(&format!(
                "{:10} {:12} median {:>9}  p95 {:>9}  ({} iterations)",
                entry.name,
                measured.id(),
                render::duration(percentiles.median_ns),
                render::duration(percentiles.p95_ns),
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

impl LifecycleBench {
    /// Reads a `bench lifecycle --json` file; every error names the file.
    pub fn read(path: &Path) -> anyhow::Result<LifecycleBench> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        let schema = (value.get("schema").and_then(|v| v.as_str()), value.get("schema_version").and_then(|v| v.as_u64()));
        if schema != (Some(SCHEMA), Some(u64::from(SCHEMA_VERSION))) {
            bail!(
                "{} is not an {SCHEMA} version {SCHEMA_VERSION} file (found schema {:?}, version {:?}); write one with `execmodel bench lifecycle --json FILE`",
                path.display(),
                schema.0,
                schema.1
            );
        }
        serde_json::from_value(value).with_context(|| format!("{} does not follow the {SCHEMA} schema", path.display()))
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// wasmtime measured, wasmer unavailable, node measured out of process.
    pub(crate) fn sample_bench() -> LifecycleBench {
        let step = |step: &str, median_ns, p95_ns| StepCost { step: step.to_string(), median_ns, p95_ns, samples: 1000 };
        LifecycleBench {
            schema: SCHEMA.to_string(),
            schema_version: SCHEMA_VERSION,
            generated_at: "2025-01-01T00:00:00Z".to_string(),
            host: Host { os: "linux".to_string(), arch: "x86_64".to_string(), cpus: 2 },
            profile: "release".to_string(),
            settings: Settings::QUICK,
            method: METHOD.to_string(),
            timer_overhead_ns: 20,
            runtimes: vec![
                RuntimeCost {
                    name: "wasmtime".to_string(),
                    version: "48.0.0".to_string(),
                    embedded: true,
                    note: None,
                    unavailable: None,
                    steps: vec![step("compile", 2_000_000, 3_000_000), step("instantiate", 20_000, 30_000), step("call", 150, 200)],
                },
                RuntimeCost {
                    name: "wasmer".to_string(),
                    version: String::new(),
                    embedded: true,
                    note: None,
                    unavailable: Some("gone".to_string()),
                    steps: vec![],
                },
                RuntimeCost {
                    name: "node".to_string(),
                    version: "v22.0.0".to_string(),
                    embedded: false,
                    note: Some(OUT_OF_PROCESS.to_string()),
                    unavailable: None,
                    steps: vec![
                        step("compile", 40_000_000, 90_000_000),
                        step("instantiate", 900_000, 1_500_000),
                        step("call", 25_000, 40_000),
                    ],
                },
            ],
        }
    }

    #[test]
    fn json_round_trips_through_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/lifecycle.json");
        sample_bench().write(&path).expect("written");
        assert_eq!(LifecycleBench::read(&path).expect("read back"), sample_bench());
    }

    #[test]
    fn bad_files_get_one_line_errors_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.json");
        let not_json = dir.path().join("not.json");
        let other_schema = dir.path().join("report.json");
        let wrong_shape = dir.path().join("shape.json");
        std::fs::write(&not_json, "{ nope").expect("write");
        std::fs::write(&other_schema, r#"{"schema":"execmodel-report","schema_version":1}"#).expect("write");
        std::fs::write(&wrong_shape, r#"{"schema":"execmodel-lifecycle","schema_version":1,"runtimes":7}"#).expect("write");
        for path in [&missing, &not_json, &other_schema, &wrong_shape] {
            let message = format!("{:#}", LifecycleBench::read(path).expect_err("must fail"));
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

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
