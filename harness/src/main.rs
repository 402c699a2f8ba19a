//! `execmodel`: the compatibility matrix and other views of the corpus.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use harness::registry::{self, RuntimeEntry};
use harness::suite::Suite;
use harness::trials::Plan;
use harness::{classify, matrix};

#[derive(Parser)]
#[command(name = "execmodel", version, about = "How each WebAssembly runtime treats WASI command and reactor modules")]
struct Cli {
    /// The checkout holding `corpus/` and `expectations/` (default: the one this binary was built from).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
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
    },
    /// List the runtimes this build knows, with versions and availability.
    Runtimes,
    /// Classify a module statically: command / reactor / both / not WASI, with ABI warnings.
    Classify { module: PathBuf },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = cli.root.unwrap_or_else(Suite::default_root);
    match cli.command {
        Command::Matrix { runtimes, filter, jobs } => {
            let entries = select_runtimes(&runtimes)?;
            let suite = Suite::load(&root)?;
            let plan = Plan::new(suite, &entries);
            let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            let show_progress = std::io::stderr().is_terminal();
            let progress = |done: usize, total: usize, name: &str| {
                if show_progress {
                    eprint!("\r\x1b[2K[{done}/{total}] {name}");
                    if done == total {
                        eprintln!();
                    }
                }
            };
            let run = matrix::run(&plan, &matrix::Options { jobs, filter: filter.as_deref(), progress: &progress });
            print!("{}", run.render_text());
            Ok(if run.has_failures() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Runtimes => {
            for entry in registry::RUNTIMES {
                let runtime = (entry.make)();
                let status = match runtime.availability() {
                    Ok(()) => format!("{} (available)", runtime.version()),
                    Err(why) => format!("unavailable: {why}"),
                };
                let place = if entry.embedded { "in-process" } else { "out-of-process" };
                println!("{:10} {place:15} {status}", entry.name);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Classify { module } => {
            let bytes = std::fs::read(&module).with_context(|| format!("reading {}", module.display()))?;
            let inspection =
                classify::inspect(&bytes).with_context(|| format!("{} is not a valid core wasm module", module.display()))?;
            println!("{}", inspection.classification);
            for warning in &inspection.warnings {
                println!("warning: {warning}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
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
