//! `cargo xtask`: project chores that need more than cargo — building the wasm corpus from its
//! sources and checking which toolchains are installed.

mod corpus;
mod doctor;
mod interface;
mod lang;
mod nightly;
mod sources;
mod toolchains;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Project chores for execmodel (run from anywhere in the checkout)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Corpus(corpus::Corpus),
    Doctor(doctor::Doctor),
    Nightly(nightly::Nightly),
    CheckHtml(nightly::CheckHtml),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Corpus(cmd) => cmd.run(&project_root()),
        Command::Doctor(cmd) => cmd.run(&project_root()),
        Command::Nightly(cmd) => cmd.run(&project_root()),
        Command::CheckHtml(cmd) => cmd.run(&project_root()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the context chain on one line; a backtrace would only be noise here.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The checkout root: xtask lives one level below it.
fn project_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}
