//! The lifecycle bench's document: what `execmodel bench lifecycle --json` writes and `execmodel
//! report --lifecycle` reads, and its renderings (text, markdown, the HTML section with charts).
//! The measuring itself is `bench::lifecycle`.

mod chart;
mod render;

use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use super::host::Host;

pub use chart::render_section as render_html_section;
pub use render::{duration, render_markdown, render_text};

pub const SCHEMA: &str = "execmodel-lifecycle";
pub const SCHEMA_VERSION: u32 = 1;

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

/// How long criterion warms up and samples each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub warm_up_ms: u64,
    pub measurement_ms: u64,
    /// criterion's samples (batches of iterations) per step; every iteration is kept.
    pub batches: usize,
}

impl Settings {
    /// About 3 s per step: 1–2 minutes for four runtimes.
    pub const FULL: Settings = Settings { warm_up_ms: 1000, measurement_ms: 2000, batches: 50 };
    /// For CI: a few seconds per runtime. 10 batches is criterion's minimum.
    pub const QUICK: Settings = Settings { warm_up_ms: 100, measurement_ms: 300, batches: 10 };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measured {
    Compile,
    Instantiate,
    Start,
    Initialize,
    Call,
    RunCall,
}

impl Measured {
    pub const ALL: [Measured; 6] = [
        Measured::Compile,
        Measured::Instantiate,
        Measured::Start,
        Measured::Initialize,
        Measured::Call,
        Measured::RunCall,
    ];

    /// The step's name in the table and the JSON document.
    pub fn id(self) -> &'static str {
        match self {
            Measured::Compile => "compile",
            Measured::Instantiate => "instantiate",
            Measured::Start => "start",
            Measured::Initialize => "initialize",
            Measured::Call => "call",
            Measured::RunCall => "run_call",
        }
    }

    /// What one timed iteration is, for the legend under the table.
    pub fn meaning(self) -> &'static str {
        match self {
            Measured::Compile => "Runtime::compile of the command fixture (dropping the module is not timed)",
            Measured::Instantiate => "Step::Instantiate with WASI on a fresh session of the command",
            Measured::Start => "Step::Call _start on a command instance made by an untimed Instantiate",
            Measured::Initialize => "Step::Call _initialize on a reactor instance made by an untimed Instantiate",
            Measured::Call => "Step::Call bump on one live reactor instance, again and again (Instantiate + _initialize once per batch)",
            Measured::RunCall => {
                "Step::Call bump on the command after an untimed Step::Run on a fresh session: the runtime's \
                 command policy (wasmtime: Linker::module's per-call instance, so instantiate + call; \
                 wasmer, wasmi, node: the instance Run left live)"
            }
        }
    }
}

impl LifecycleBench {
    /// Reads a `bench lifecycle --json` file; every error names the file.
    pub fn read(path: &Path) -> anyhow::Result<LifecycleBench> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        let schema =
            (value.get("schema").and_then(|v| v.as_str()), value.get("schema_version").and_then(|v| v.as_u64()));
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
        let step =
            |step: &str, median_ns, p95_ns| StepCost { step: step.to_string(), median_ns, p95_ns, samples: 1000 };
        LifecycleBench {
            schema: SCHEMA.to_string(),
            schema_version: SCHEMA_VERSION,
            generated_at: "2025-01-01T00:00:00Z".to_string(),
            host: Host { os: "linux".to_string(), arch: "x86_64".to_string(), cpus: 2 },
            profile: "release".to_string(),
            settings: Settings::QUICK,
            method: "each iteration timed on its own; nearest-rank percentiles".to_string(),
            timer_overhead_ns: 20,
            runtimes: vec![
                RuntimeCost {
                    name: "wasmtime".to_string(),
                    version: "48.0.0".to_string(),
                    embedded: true,
                    note: None,
                    unavailable: None,
                    steps: vec![
                        step("compile", 2_000_000, 3_000_000),
                        step("instantiate", 20_000, 30_000),
                        step("call", 150, 200),
                    ],
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
                    note: Some("runs out of process".to_string()),
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
        std::fs::write(&wrong_shape, r#"{"schema":"execmodel-lifecycle","schema_version":1,"runtimes":7}"#)
            .expect("write");
        for path in [&missing, &not_json, &other_schema, &wrong_shape] {
            let message = format!("{:#}", LifecycleBench::read(path).expect_err("must fail"));
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
}
