//! A run's trial records: one JSON line per finished trial (docs/records.md), appended to a file
//! of the process that ran it, so that the processes of one run (nextest starts one per trial)
//! never write into each other's lines. Views render a run from its records instead of running
//! it again (`report --from`, `answers --from`).
//!
//! Where: `$EXECMODEL_RECORDS` if set, else `target/execmodel/runs/<run id>/`, where the run id
//! is `$EXECMODEL_RUN_ID`, nextest's `$NEXTEST_RUN_ID` (shared by all processes of one nextest
//! run), or the process's start time and id.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::expectations::suite::Suite;
use crate::trials::plan::{Plan, PlannedTrial};
use crate::trials::record::{RuntimeInfo, TrialRecord};
use crate::trials::runner::TrialReport;

/// One line of a records file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordLine {
    /// The harness that ran the trial (`CARGO_PKG_VERSION`).
    pub harness_version: String,
    /// SHA-256 over the corpus and its expectations as the run loaded them.
    pub corpus_digest: String,
    pub runtime: RuntimeInfo,
    /// When the trial ended, in milliseconds since the Unix epoch.
    pub finished_at_ms: u64,
    pub trial: TrialRecord,
}

/// Where this process writes its records, opened on its first trial.
struct Sink {
    dir: PathBuf,
    file: Mutex<File>,
    corpus_digest: String,
}

/// The records directories this process writes to, each opened once.
static SINKS: Mutex<BTreeMap<PathBuf, &'static Result<Sink, String>>> = Mutex::new(BTreeMap::new());
static RUN_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Appends the record of a finished trial to the plan's records directory, if it has one. A
/// directory that cannot be written is said once on stderr and does not fail the trial: the
/// trial's verdict stands without its record.
pub fn append(plan: &Plan, trial: &PlannedTrial, report: &TrialReport) {
    let Some(dir) = &plan.records_dir else { return };
    let sink = {
        let mut sinks = SINKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *sinks.entry(dir.clone()).or_insert_with(|| Box::leak(Box::new(Sink::open(dir.clone(), &plan.suite))))
    };
    let Ok(sink) = sink else { return };
    let line = RecordLine {
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        corpus_digest: sink.corpus_digest.clone(),
        runtime: RuntimeInfo::of(&trial.slot),
        finished_at_ms: now_ms(),
        trial: TrialRecord::of(plan, trial, Some(report)),
    };
    let Ok(mut text) = serde_json::to_string(&line) else { return };
    text.push('\n');
    let mut file = sink.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // One write of a whole line on an append-only file: lines of this process's threads stay whole.
    if let Err(err) = file.write_all(text.as_bytes()) {
        eprintln!("warning: cannot append to the trial records in {}: {err}", sink.dir.display());
    }
}

/// The run's records directory, if this process wrote records to it.
pub fn written_to() -> Option<PathBuf> {
    let dir = RUN_DIR.get()?;
    let sinks = SINKS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    sinks.get(dir).and_then(|sink| sink.as_ref().ok()).map(|sink| sink.dir.clone())
}

impl Sink {
    fn open(dir: PathBuf, suite: &Suite) -> Result<Sink, String> {
        let opened = fs::create_dir_all(&dir).and_then(|()| {
            // The time as well as the process id: an id can come back within one long run.
            let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_nanos());
            let name = format!("{}-{nanos}.jsonl", std::process::id());
            OpenOptions::new().create(true).append(true).open(dir.join(name))
        });
        match opened {
            Ok(file) => Ok(Sink { dir, file: Mutex::new(file), corpus_digest: corpus_digest(suite) }),
            Err(err) => {
                let why = format!("cannot write trial records to {}: {err}", dir.display());
                eprintln!("warning: {why}");
                Err(why)
            }
        }
    }
}

/// The run's records directory, decided once per process.
pub fn run_dir(root: &Path) -> &'static Path {
    RUN_DIR.get_or_init(|| records_dir(root))
}

fn records_dir(root: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("EXECMODEL_RECORDS") {
        return PathBuf::from(dir);
    }
    let run_id = ["EXECMODEL_RUN_ID", "NEXTEST_RUN_ID"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|id| !id.is_empty()))
        .unwrap_or_else(|| {
            let started = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
            format!("{started}-{}", std::process::id())
        });
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    target.join("execmodel").join("runs").join(run_id)
}

/// SHA-256 over every module's id, bytes and expectations file, in suite order.
pub fn corpus_digest(suite: &Suite) -> String {
    let mut hasher = Sha256::new();
    for module in &suite.modules {
        hasher.update(module.id.as_bytes());
        hasher.update([0]);
        hasher.update(&module.bytes);
        // The file is named relative to the corpus root, whatever the working directory.
        hasher.update(fs::read(suite.root.join(&module.expectations.file)).unwrap_or_default());
    }
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_millis() as u64)
}

/// The records of one run, read from one or more directories (the parts of a run), checked to
/// come from one harness and one corpus, each trial once.
#[derive(Debug)]
pub struct RecordSet {
    pub lines: BTreeMap<String, RecordLine>,
    pub harness_version: String,
    pub corpus_digest: String,
}

impl RecordSet {
    pub fn read(dirs: &[PathBuf]) -> anyhow::Result<RecordSet> {
        let mut lines: BTreeMap<String, (RecordLine, String)> = BTreeMap::new();
        let mut versions: BTreeMap<String, String> = BTreeMap::new();
        let mut digests: BTreeMap<String, String> = BTreeMap::new();
        for dir in dirs {
            let mut files: Vec<PathBuf> = fs::read_dir(dir)
                .with_context(|| format!("reading the records directory {}", dir.display()))?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
                .collect();
            files.sort();
            for file in files {
                let text = fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                for (number, text) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
                    let place = format!("{}:{}", file.display(), number + 1);
                    let line: RecordLine = serde_json::from_str(text)
                        .with_context(|| format!("{place}: not a trial record (docs/records.md)"))?;
                    versions.entry(line.harness_version.clone()).or_insert_with(|| place.clone());
                    digests.entry(line.corpus_digest.clone()).or_insert_with(|| place.clone());
                    if let Some((_, first)) = lines.get(&line.trial.name) {
                        bail!("{place}: trial {} is recorded twice (first at {first})", line.trial.name);
                    }
                    lines.insert(line.trial.name.clone(), (line, place));
                }
            }
        }
        if versions.len() > 1 {
            bail!("the records come from {} harness versions: {}", versions.len(), first_seen(&versions));
        }
        if digests.len() > 1 {
            bail!("the records come from {} different corpora: {}", digests.len(), first_seen(&digests));
        }
        let (Some(harness_version), Some(corpus_digest)) = (versions.into_keys().next(), digests.into_keys().next())
        else {
            bail!(
                "no trial records in {}",
                dirs.iter().map(|dir| dir.display().to_string()).collect::<Vec<_>>().join(", ")
            );
        };
        let lines = lines.into_iter().map(|(name, (line, _))| (name, line)).collect();
        Ok(RecordSet { lines, harness_version, corpus_digest })
    }

    /// The wall time the trials spanned, from the first one's start to the last one's end.
    pub fn wall_time_ms(&self) -> f64 {
        let starts = self.lines.values().map(|line| line.finished_at_ms as f64 - line.trial.duration_ms);
        let ends = self.lines.values().map(|line| line.finished_at_ms as f64);
        let (start, end) = (starts.fold(f64::INFINITY, f64::min), ends.fold(0.0, f64::max));
        if end > start {
            end - start
        } else {
            0.0
        }
    }

    pub fn runtimes(&self) -> BTreeSet<&str> {
        self.lines.values().map(|line| line.runtime.name.as_str()).collect()
    }
}

fn first_seen(values: &BTreeMap<String, String>) -> String {
    values.iter().map(|(value, place)| format!("{value} (e.g. {place})")).collect::<Vec<_>>().join(", ")
}
