//! `execmodel`: the compatibility matrix and other views of the corpus.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use harness::bench::{harness_overhead, lifecycle, process_per_trial};
use harness::corpus::classify;
use harness::corpus::registry::{self, RuntimeEntry};
use harness::expectations::suite::Suite;
use harness::trials::runner::RuntimeSlot;
use harness::trials::{Partition, Plan};
use harness::views::report::Report;
use harness::views::{coverage, diff, matrix, probe};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(name = "execmodel", version, about = "How each WebAssembly runtime treats WASI command and reactor modules")]
struct Cli {
    /// The checkout holding `corpus/` and `expectations/` (default: the one this binary was built from).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    /// Also print a line for each panic a runtime raised and the harness caught (each is already
    /// the outcome of its step).
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every scenario on every runtime and print modules × scenarios against runtimes.
    Matrix {
        /// Only these runtimes (repeatable); default: all known ones.
        #[arg(long = "runtime", value_name = "NAME")]
        runtimes: Vec<String>,
        /// Only trials whose name contains this text, e.g. `c/reactor_counter` or `::initialize_twice`.
        #[arg(long)]
        filter: Option<String>,
        /// Trials run at once (default: the number of CPUs).
        #[arg(long)]
        jobs: Option<usize>,
        /// Also show runtimes that are not installed here, as columns of ignored trials
        /// (default: one line under the table says what to install).
        #[arg(long)]
        all_runtimes: bool,
    },
    /// Per lifecycle question, what each runtime does: "as the ABI says" where all its trials
    /// pass, otherwise its deviations' summaries. Runs the matrix, or reads a report.
    Answers {
        /// Only these runtimes (repeatable); default: all known ones that are installed.
        #[arg(long = "runtime", value_name = "NAME", conflicts_with = "report")]
        runtimes: Vec<String>,
        /// Answer from this report.json instead of running the trials.
        #[arg(long, value_name = "FILE", conflicts_with = "from")]
        report: Option<PathBuf>,
        /// Answer from the trial records of a run (`target/execmodel/runs/<run id>`; several
        /// directories are the parts of one run) instead of running the trials.
        #[arg(long, value_name = "DIR", num_args = 1..)]
        from: Vec<PathBuf>,
        /// Also show runtimes that are not installed here (their cells say why nothing ran).
        #[arg(long, conflicts_with = "report")]
        all_runtimes: bool,
        /// Print the rows as JSON (the `answers` field of docs/report-schema.md).
        #[arg(long)]
        json: bool,
    },
    /// Run the whole matrix once and write report.json, report.md, index.html and junit.xml; or,
    /// with `--from`, render them from the trial records of a run that already happened.
    Report {
        /// Directory to write into (created if missing; files replaced atomically).
        #[arg(long)]
        out: PathBuf,
        /// Render the trial records of a run instead of running the trials: the directory
        /// `cargo test`, `cargo nextest run` or `matrix` wrote (`target/execmodel/runs/<run id>`,
        /// printed at the end of the run); several directories are the parts of one run.
        #[arg(long, value_name = "DIR", num_args = 1.., conflicts_with = "partition")]
        from: Vec<PathBuf>,
        /// With `--from`: render a run that covered only some trials (a filter or a partition)
        /// instead of refusing it for the trials it lacks.
        #[arg(long, requires = "from")]
        partial: bool,
        /// Only these runtimes (repeatable); default: all known ones.
        #[arg(long = "runtime", value_name = "NAME")]
        runtimes: Vec<String>,
        /// Include the lifecycle costs of a `bench lifecycle --json FILE` run.
        #[arg(long, value_name = "FILE")]
        lifecycle: Option<PathBuf>,
        /// Also report runtimes that are not installed here, as columns of ignored trials.
        #[arg(long)]
        all_runtimes: bool,
        /// Run only part K of N: every N-th trial of the whole run's order, from the K-th on
        /// (one part per CI machine; `execmodel merge` joins the parts' report.json files).
        #[arg(long, value_name = "K/N")]
        partition: Option<Partition>,
    },
    /// Join the report.json files of every part of a split run (`report --partition K/N`) into
    /// the report one whole run would have written: report.json, report.md, index.html, junit.xml.
    ///
    /// Refuses a missing part, a part given twice, a whole run's report, and parts from another
    /// split, harness build, set of runtime versions or expectations.
    Merge {
        /// Directory to write into (created if missing; files replaced atomically).
        #[arg(long)]
        out: PathBuf,
        /// The parts' report.json files, in any order.
        #[arg(required = true, value_name = "PART.json")]
        parts: Vec<PathBuf>,
    },
    /// Compare two report.json files: changed runtime versions and trials. Exits 1 if anything changed.
    ///
    /// With `--runtimes OLDER NEWER`, compare two runtime columns of one report instead, e.g.
    /// `wasmtime-36 wasmtime` from a build with `--features wasmtime-36`: what the upgrade changes.
    Diff {
        old: PathBuf,
        /// The newer report (omitted with --runtimes).
        #[arg(required_unless_present = "runtimes", conflicts_with = "runtimes")]
        new: Option<PathBuf>,
        #[arg(long, num_args = 2, value_names = ["OLDER", "NEWER"])]
        runtimes: Option<Vec<String>>,
        /// Also count changes of the runtime's trap/rejection text and of the guest's output.
        #[arg(long)]
        details: bool,
    },
    /// Classify any module, run the lifecycle sequences that fit it on every available runtime,
    /// and mark each result against the WASI application ABI. Exits 1 when the runtimes disagree.
    Probe {
        module: PathBuf,
        /// Arguments for the guest after argv[0] (the file name): everything after `--`, as
        /// `cargo run` and `wasmtime run` take them (`probe m.wasm --json -- -t 'hello world'`).
        #[arg(last = true, value_name = "GUEST_ARGS")]
        args: Vec<String>,
        /// An environment variable for the guest (repeatable).
        #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
        env: Vec<(String, String)>,
        /// Preopen a host directory, under its own path or as GUEST.
        #[arg(long, value_name = "HOST[::GUEST]")]
        dir: Option<String>,
        /// A file whose bytes are the guest's stdin.
        #[arg(long, value_name = "FILE")]
        stdin: Option<PathBuf>,
        /// Also call this export with typed arguments, e.g. 'add(i32:1, i32:2)' (repeatable).
        #[arg(long = "call", value_name = "NAME(ARGS)")]
        calls: Vec<String>,
        /// Call each export of a reactor this many times in a row on one instance and show the
        /// last result (0 or 1: leave that sequence out).
        #[arg(long, value_name = "N", default_value_t = 1000)]
        repeat: u32,
        /// Each step's budget, in milliseconds of CPU time (runtimes that count work convert it
        /// at a fixed rate); `--deadline` is its old name.
        #[arg(long, alias = "deadline", value_name = "MS", default_value_t = execmodel_contract::Limits::default().budget.as_millis() as u64)]
        budget: u64,
        /// Linear-memory cap per instance, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = execmodel_contract::Limits::default().memory_bytes)]
        memory: usize,
        /// Output kept per stream per instance, in bytes; the rest is dropped and counted.
        #[arg(long, value_name = "BYTES", default_value_t = execmodel_contract::Limits::default().output_bytes)]
        output: usize,
        /// Print JSON (schema in docs/probe-schema.md) instead of text.
        #[arg(long)]
        json: bool,
        /// Only these runtimes (repeatable); default: all known ones.
        #[arg(long = "runtime", value_name = "NAME")]
        runtimes: Vec<String>,
    },
    /// Run the official WASI test suite: every preview1 test of a wasi-testsuite checkout (its
    /// `prod/testsuite-base` branch, or one test directory) as a command through each available
    /// runtime's `run`, checked as its own runner checks (exit code, stdout, stderr). Exits 1 if
    /// a test failed.
    WasiTestsuite {
        /// The checkout, or a directory of `*.wasm` tests with their `*.json` specifications.
        dir: PathBuf,
        /// Only these runtimes (repeatable); default: all known ones that are installed.
        #[arg(long = "runtime", value_name = "NAME")]
        runtimes: Vec<String>,
        /// Also write the results in the suite's own JSON results format.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// A runtime's expectation file in the suite's own format (e.g. its
        /// `expectations/wazero/linux.toml`): skips, and failures that count as `xfail`.
        #[arg(long = "expectations", value_name = "RUNTIME=FILE")]
        expectations: Vec<String>,
        /// Each test's budget, in milliseconds of CPU time (the official runner's default
        /// timeout is 5 s); `--deadline` is its old name.
        #[arg(long, alias = "deadline", value_name = "MS", default_value_t = execmodel_contract::Limits::default().budget.as_millis() as u64)]
        budget: u64,
    },
    /// Differential lifecycle fuzzing: random WASI-shaped modules (wasm-smith) through probe's
    /// lifecycle sequences on every runtime; harness failures and unexplained disagreements are
    /// saved under --out, disagreements shrunk to WAT. Exit 1 if the harness failed.
    Fuzz {
        /// How many modules to generate.
        #[arg(long, default_value_t = 100)]
        modules: usize,
        /// The same seed generates the same modules everywhere.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Start at this module: `--from 541 --modules 1` makes fuzz-SEED-541 again, alone.
        #[arg(long, value_name = "INDEX", default_value_t = 0)]
        from: usize,
        /// Stop starting modules after this many seconds.
        #[arg(long)]
        time: Option<u64>,
        /// Only these runtimes (repeatable); default: every one installed here.
        #[arg(long = "runtime", value_name = "NAME")]
        runtimes: Vec<String>,
        /// Where the summary and the saved modules go.
        #[arg(long, default_value = "target/execmodel-fuzz")]
        out: PathBuf,
        /// Each step's budget, in milliseconds of CPU time; `--deadline` is its old name.
        #[arg(long, alias = "deadline", value_name = "MS", default_value_t = 200)]
        budget: u64,
        /// wasm-shrink attempts per group worth a look: unexplained disagreements, crashes,
        /// compile refusals (0: do not shrink).
        #[arg(long, default_value_t = 100)]
        shrink_attempts: u32,
        /// Modules probed at once (default: the machine's CPUs).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Measure the harness: per runtime, wall time of its column vs. the runtime's own cost.
    Bench {
        #[command(subcommand)]
        what: BenchKind,
    },
    /// Per lifecycle question: which languages and runtimes answer it, and why a cell is empty;
    /// then per rule, how many scenarios cite it. Exits 1 if the questions file has problems.
    Coverage,
    /// List the runtimes this build knows, with versions and availability.
    Runtimes,
    /// Classify a module statically: command / reactor / both / not WASI, with ABI warnings.
    Classify { module: PathBuf },
}

#[derive(Subcommand)]
enum BenchKind {
    /// Whole corpus per runtime: compile, raw step time, harness wall time, and their ratio.
    Harness {
        /// Only these runtimes (repeatable); default: the in-process ones.
        #[arg(long = "runtime", value_name = "NAME")]
        runtimes: Vec<String>,
        /// Trials run at once (default: the number of CPUs).
        #[arg(long)]
        jobs: Option<usize>,
        /// Instead of the columns: time one command trial in process (wasmtime) against one
        /// runtime process per trial (node; wasmtime-cli when on PATH).
        #[arg(long)]
        process_per_trial: bool,
        /// With --process-per-trial: trials per command module and path.
        #[arg(long, default_value_t = 3, requires = "process_per_trial")]
        trials: usize,
    },
    /// Per runtime, median and p95 of each lifecycle step: compile, instantiate with WASI,
    /// `_start`, `_initialize`, a call on a live instance, a call through the command policy.
    Lifecycle {
        /// Only these runtimes (repeatable); default: the in-process ones and node.
        #[arg(long = "runtime", value_name = "NAME")]
        runtimes: Vec<String>,
        /// Short warm-up and measurement, for CI: seconds instead of a minute or two.
        #[arg(long)]
        quick: bool,
        /// Also write the results as JSON, the input of `report --lifecycle`.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    harness::trials::runner::quiet_caught_panics(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = cli.root.unwrap_or_else(harness::corpus::default_root);
    match cli.command {
        Command::Matrix { runtimes, filter, jobs, all_runtimes } => {
            let whole = filter.is_none();
            let selection = Selection { jobs, filter: filter.as_deref(), partition: None, all_runtimes };
            let (report, run) = run_report(&root, &runtimes, selection)?;
            print!("{}", run.render_text());
            // The answers need every scenario of a question; a filtered run has only some.
            if whole && !report.answers.is_empty() {
                println!(
                    "\nThe answers: what each runtime does, per lifecycle question, from the trials above \
                     (the trials behind each cell: `execmodel report --out DIR`, then DIR/index.html):\n"
                );
                print!("{}", harness::views::report::answers::render_questions(&report));
            }
            if let Some(dir) = harness::trials::records::written_to() {
                println!("\nThe trial records of this run: {} (`execmodel report --from` renders them)", dir.display());
            }
            Ok(if run.has_failures() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Report { out, from, partial, runtimes, lifecycle, all_runtimes, partition } => {
            let lifecycle = lifecycle.as_deref().map(harness::views::lifecycle::LifecycleBench::read).transpose()?;
            let (report, part) = if from.is_empty() {
                let (report, run) =
                    run_report(&root, &runtimes, Selection { jobs: None, filter: None, partition, all_runtimes })?;
                let part = partition.map_or(String::new(), |part| {
                    format!(" (part {part} of a run of {} trials)", run.partition.map_or(0, |(_, total)| total))
                });
                (report, part)
            } else {
                (
                    report_from_records(&root, &from, &runtimes, all_runtimes, partial)?,
                    format!(" (from the records in {})", shown(&from)),
                )
            };
            let report = Report { lifecycle, ..report };
            report.write_dir(&out)?;
            println!(
                "{}{part}\nwrote {}/{{report.json,report.md,index.html,junit.xml}}",
                report.summary,
                out.display()
            );
            for (runtime, why) in harness::views::report::answers::not_installed(&report) {
                println!("not installed here: {runtime} — {why}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Answers { runtimes, report, from, all_runtimes, json } => {
            let report = match report {
                Some(path) => Report::read(&path)?,
                None if !from.is_empty() => report_from_records(&root, &from, &runtimes, all_runtimes, false)?,
                None => {
                    run_report(&root, &runtimes, Selection { jobs: None, filter: None, partition: None, all_runtimes })?
                        .0
                }
            };
            if report.answers.is_empty() {
                bail!(
                    "no answers: the corpus has no {} (or the report was written without one)",
                    harness::expectations::questions::FILE
                );
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&report.answers)?);
            } else {
                print!("{}", harness::views::report::answers::render_text(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { out, parts } => {
            let parts = parts
                .into_iter()
                .map(|path| Report::read(&path).map(|report| (path, report)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let report = harness::views::report::merge::merge(&parts)?;
            report.write_dir(&out)?;
            println!(
                "{} (merged from {} parts)\nwrote {}/{{report.json,report.md,index.html,junit.xml}}",
                report.summary,
                parts.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff { old, new, runtimes, details } => {
            let (old, new) = match (new, runtimes.as_deref()) {
                (Some(new), _) => (Report::read(&old)?, Report::read(&new)?),
                (None, Some([older, newer])) => {
                    let report = Report::read(&old)?;
                    let column = |name: &str| {
                        diff::column(&report, name, newer).map_err(|err| anyhow::anyhow!("{}: {err}", old.display()))
                    };
                    (column(older)?, column(newer)?)
                }
                _ => bail!("give two reports, or one report and --runtimes OLDER NEWER"),
            };
            let changes = diff::diff_with(&old, &new, diff::Compare { details });
            print!("{}", diff::render_markdown(&changes, &old, &new));
            Ok(if changes.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Probe { module, args, env, dir, stdin, calls, repeat, budget, memory, output, json, runtimes } => {
            let bytes = std::fs::read(&module).with_context(|| format!("reading {}", module.display()))?;
            let inspection = classify::inspect(&bytes)
                .with_context(|| format!("{} is not a valid core wasm module", module.display()))?;
            let slots: Vec<RuntimeSlot> = select_runtimes(&runtimes)?.into_iter().map(RuntimeSlot::new).collect();
            let name = module.file_name().map_or_else(|| "module.wasm".into(), |n| n.to_string_lossy().into_owned());
            let calls = calls
                .iter()
                .map(|text| parse_call(text).with_context(|| format!("--call {text:?}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let stdin = match &stdin {
                Some(path) => std::fs::read(path).with_context(|| format!("reading --stdin {}", path.display()))?,
                None => Vec::new(),
            };
            let preopen = dir.as_deref().map(parse_dir).transpose()?;
            let options = probe::ProbeOptions {
                wasi: execmodel_contract::WasiConfig {
                    args: std::iter::once(name.clone()).chain(args).collect(),
                    env,
                    stdin,
                    preopen,
                },
                limits: execmodel_contract::Limits {
                    budget: std::time::Duration::from_millis(budget),
                    memory_bytes: memory,
                    output_bytes: output,
                },
                calls,
                repeat,
            };
            // The corpus's deviation tables name known causes; a probe works without them.
            let known = Suite::load(&root).ok();
            let slots: Vec<&RuntimeSlot> = slots.iter().collect();
            let result = probe::probe(&name, &bytes, &inspection, &options, &slots, known.as_ref());
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", probe::render_text(&result));
            }
            Ok(if result.runtimes_disagree() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::WasiTestsuite { dir, runtimes, json, expectations, budget } => {
            wasi_testsuite(&dir, &runtimes, json.as_deref(), &expectations, budget)
        }
        Command::Fuzz { modules, seed, from, time, runtimes, out, budget, shrink_attempts, jobs } => {
            let options = harness::fuzz::Options {
                modules,
                seed,
                from,
                time: time.map(std::time::Duration::from_secs),
                out,
                limits: execmodel_contract::Limits {
                    budget: std::time::Duration::from_millis(budget),
                    memory_bytes: 64 << 20,
                    output_bytes: 64 << 10,
                },
                shrink_attempts,
                jobs: jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            };
            let known = Suite::load(&root).ok();
            let summary = harness::fuzz::run(&options, &select_runtimes(&runtimes)?, known.as_ref(), &|line| {
                eprintln!("{line}")
            })?;
            print!("{}", harness::fuzz::render(&summary));
            println!("\nwrote {}/summary.md", options.out.display());
            Ok(if summary.harness_failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Bench { what: BenchKind::Harness { runtimes, jobs, process_per_trial, trials } } => {
            if process_per_trial {
                eprintln!("timing command trials in process and with a process per trial ...");
                print!("{}", process_per_trial::render(&process_per_trial::measure(&Suite::load(&root)?, trials)));
                return Ok(ExitCode::SUCCESS);
            }
            let entries = if runtimes.is_empty() { Vec::new() } else { select_runtimes(&runtimes)? };
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            print!("{}", harness_overhead::render(&harness_overhead::measure(&root, &entries, jobs)?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { what: BenchKind::Lifecycle { runtimes, quick, json } } => {
            let entries = if runtimes.is_empty() { lifecycle::default_entries() } else { select_runtimes(&runtimes)? };
            lifecycle::check_entries(&entries)?;
            let settings = if quick {
                harness::views::lifecycle::Settings::QUICK
            } else {
                harness::views::lifecycle::Settings::FULL
            };
            let bench = lifecycle::measure(&entries, settings)?;
            if let Some(path) = json {
                bench.write(&path)?;
            }
            print!("{}", harness::views::lifecycle::render_text(&bench));
            Ok(ExitCode::SUCCESS)
        }
        Command::Coverage => {
            let questions = harness::expectations::questions::Questions::load(&root)?;
            let plan = Plan::all_runtimes(Suite::load(&root)?);
            let (text, problems) = coverage::render_text(&plan, &questions);
            print!("{text}");
            for problem in &problems {
                eprintln!("error: {problem}");
            }
            Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Runtimes => {
            print!("{}", harness::views::runtimes::render_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Classify { module } => {
            let bytes = std::fs::read(&module).with_context(|| format!("reading {}", module.display()))?;
            let inspection = classify::inspect(&bytes)
                .with_context(|| format!("{} is not a valid core wasm module", module.display()))?;
            println!("{}", inspection.classification);
            for warning in &inspection.warnings {
                println!("warning: {warning}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Which trials a view runs, and how many at once.
struct Selection<'a> {
    jobs: Option<usize>,
    filter: Option<&'a str>,
    partition: Option<Partition>,
    all_runtimes: bool,
}

/// Run the matrix and make its report, trials tagged with the questions they answer.
fn run_report(
    root: &std::path::Path,
    runtimes: &[String],
    selection: Selection,
) -> anyhow::Result<(Report, matrix::MatrixRun)> {
    let plan = Plan::new(Suite::load(root)?, &select_runtimes(runtimes)?).recording();
    let run = run_matrix(&plan, selection);
    let mut report = Report::from_run(&plan, &run);
    // A corpus of one's own (`--root`) need not have a questions file.
    if root.join(harness::expectations::questions::FILE).exists() {
        report.answer_questions(&harness::expectations::questions::Questions::load(root)?, &plan);
    }
    Ok((report, run))
}

/// The report of a run already made, rendered from its trial records.
fn report_from_records(
    root: &std::path::Path,
    dirs: &[PathBuf],
    runtimes: &[String],
    all_runtimes: bool,
    partial: bool,
) -> anyhow::Result<Report> {
    let records = harness::trials::records::RecordSet::read(dirs)?;
    let plan = Plan::new(Suite::load(root)?, &select_runtimes(runtimes)?);
    let mut report = Report::from_records(&plan, &records, all_runtimes, partial)?;
    if root.join(harness::expectations::questions::FILE).exists() {
        report.answer_questions(&harness::expectations::questions::Questions::load(root)?, &plan);
    }
    Ok(report)
}

fn shown(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|dir| dir.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// Run the matrix in parallel, with a progress bar when stderr is a terminal.
fn run_matrix(plan: &Plan, Selection { jobs, filter, partition, all_runtimes }: Selection) -> matrix::MatrixRun {
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |done: usize, total: usize, name: &str| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            bar.set_message(name.to_string());
        }
    };
    let run = matrix::run(plan, &matrix::Options { jobs, filter, partition, all_runtimes, progress: &progress });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    run
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected K=V, got {text:?}")),
    }
}

fn parse_dir(text: &str) -> anyhow::Result<execmodel_contract::Preopen> {
    let (host, guest) = text.split_once("::").unwrap_or((text, text));
    let host_path = PathBuf::from(host);
    if !host_path.is_dir() {
        bail!("--dir {text:?}: {host} is not a directory");
    }
    Ok(execmodel_contract::Preopen { host_path, guest_path: guest.to_string() })
}

/// `add(i32:1, i32:2)` in the expectation files' call syntax.
fn parse_call(text: &str) -> anyhow::Result<(String, Vec<execmodel_contract::Value>)> {
    match format!("call {text}").parse::<harness::expectations::Action>() {
        Ok(harness::expectations::Action::Call { export, args }) => Ok((export, args)),
        Ok(_) => bail!("string arguments and `-> string` are not supported here; use typed values like i32:1"),
        Err(err) => bail!("{err}"),
    }
}

fn wasi_testsuite(
    dir: &std::path::Path,
    runtimes: &[String],
    json: Option<&std::path::Path>,
    expectations: &[String],
    budget: u64,
) -> anyhow::Result<ExitCode> {
    use harness::views::wasi_testsuite;
    let limits = execmodel_contract::Limits { budget: std::time::Duration::from_millis(budget), ..Default::default() };
    let files = wasi_testsuite::read_expectation_files(expectations)?;
    let run = wasi_testsuite::run(dir, &select_runtimes(runtimes)?, limits, &files)?;
    print!("{}", wasi_testsuite::render_text(&run));
    if let Some(path) = json {
        wasi_testsuite::write_results(&run, path)?;
    }
    Ok(if run.any_failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn select_runtimes(names: &[String]) -> anyhow::Result<Vec<&'static RuntimeEntry>> {
    if names.is_empty() {
        return Ok(registry::RUNTIMES.iter().collect());
    }
    names
        .iter()
        .map(|name| match registry::find(name) {
            Some(entry) => Ok(entry),
            None => bail!("unknown runtime `{name}`; known runtimes: {}", registry::known_names().join(", ")),
        })
        .collect()
}
