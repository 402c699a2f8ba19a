//! `cargo xtask doctor`: which toolchains are installed, and how to install the missing ones.

use std::path::Path;
use std::process::Command;

use anyhow::Result;
use clap::Args;

use crate::lang::Lang;
use crate::toolchains;

/// List each toolchain the corpus and the runtimes need: its version and whether it matches
/// `corpus/toolchains.toml`, or the exact command that installs it.
#[derive(Args)]
pub struct Doctor {}

const NODE_MIN_MAJOR: u32 = 20;

impl Doctor {
    pub fn run(self, root: &Path) -> Result<()> {
        let record = toolchains::read_record(&root.join("corpus"))?;
        let mut all_present = true;
        for lang in Lang::ALL {
            match toolchains::detect(lang, root) {
                Ok(installed) => {
                    let verdict = match record.get(&lang) {
                        Some(recorded) if *recorded == installed => "matches corpus/toolchains.toml".to_string(),
                        Some(recorded) => format!(
                            "DIFFERS from corpus/toolchains.toml ({}): `corpus --check` compares interfaces only",
                            recorded.describe()
                        ),
                        None => "not recorded yet".to_string(),
                    };
                    println!("{:<5} present: {} — {verdict}", lang.dir(), installed.describe());
                }
                Err(missing) => {
                    all_present = false;
                    println!("{:<5} MISSING: {}\n      install: {}", lang.dir(), missing.reason, lang.install_hint());
                }
            }
        }
        match node_major() {
            Some((version, major)) if major >= NODE_MIN_MAJOR => {
                println!("node  present: {version}")
            }
            Some((version, _)) => {
                all_present = false;
                println!("node  TOO OLD: {version}, the node adapter needs ≥ {NODE_MIN_MAJOR}\n      install: https://nodejs.org/en/download (or your distribution's nodejs ≥ {NODE_MIN_MAJOR})");
            }
            None => {
                all_present = false;
                println!("node  MISSING: the node adapter needs node ≥ {NODE_MIN_MAJOR}\n      install: apt-get install -y nodejs (check `node --version` ≥ {NODE_MIN_MAJOR})");
            }
        }
        for tool in RUNTIME_TOOLS {
            match tool.version() {
                Some(version) => println!("{:<5} present: {version} (for {})", tool.program, tool.columns),
                None => {
                    all_present = false;
                    println!(
                        "{:<5} MISSING: the {} columns need it (they are ignored without it)\n      install: {}",
                        tool.program, tool.columns, tool.install
                    );
                }
            }
        }
        if all_present {
            println!("everything is installed");
        }
        Ok(())
    }
}

/// A program an out-of-process runtime column needs; its adapter builds the worker with it on
/// first use and says why a column is unavailable in more detail.
struct RuntimeTool {
    program: &'static str,
    version_args: &'static [&'static str],
    columns: &'static str,
    install: &'static str,
}

const RUNTIME_TOOLS: &[RuntimeTool] = &[
    RuntimeTool {
        program: "go",
        version_args: &["env", "GOVERSION"],
        columns: "wazero, wazero-interpreter",
        install: "Go ≥ 1.25 from https://go.dev/doc/install",
    },
    RuntimeTool {
        program: "npm",
        version_args: &["--version"],
        columns: "wasm-util, browser-wasi-shim, bun (packages installed with `npm ci` from runtimes/node/packages on first use)",
        install: "apt-get install -y npm",
    },
    RuntimeTool {
        program: "java",
        version_args: &["-version"],
        columns: "chicory, chicory-compiler",
        install: "apt-get install -y openjdk-17-jdk-headless",
    },
    RuntimeTool {
        program: "mvn",
        version_args: &["-v", "-B"],
        columns: "chicory, chicory-compiler",
        install: "apt-get install -y maven",
    },
];

impl RuntimeTool {
    /// The first line the program prints about its version (java prints it on stderr).
    fn version(&self) -> Option<String> {
        let output = Command::new(self.program).args(self.version_args).output().ok()?;
        if !output.status.success() {
            return None;
        }
        let printed = [output.stdout, output.stderr].concat();
        Some(String::from_utf8_lossy(&printed).lines().next()?.trim().to_string())
    }
}

fn node_major() -> Option<(String, u32)> {
    let output = Command::new("node").arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let major = version.strip_prefix('v')?.split('.').next()?.parse().ok()?;
    Some((version, major))
}
