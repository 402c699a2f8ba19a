//! `cargo xtask corpus`: build every corpus module from its source, or check the committed ones.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::interface;
use crate::lang::Lang;
use crate::sources::{self, Module};
use crate::toolchains::{self, Toolchain};

/// Build `corpus/<lang>/<module>.wasm` from the source beside it (Rust, C, C++, Zig, Go, AssemblyScript, WAT).
///
/// Languages whose toolchain is missing are skipped with the command that installs it.
/// Build flags are chosen for byte-reproducible output; the toolchain versions used are recorded
/// in `corpus/toolchains.toml`.
#[derive(Args)]
pub struct Corpus {
    /// Rebuild into a temporary directory and fail if a committed `.wasm` differs. Where the
    /// installed toolchain differs from the recorded one, compare imports/exports/signatures only.
    #[arg(long)]
    check: bool,
    /// Fail instead of skipping a language whose toolchain is missing (for CI).
    #[arg(long)]
    require_all: bool,
    /// Only these modules (`c/reactor_counter`) or languages (`zig`); may be repeated.
    #[arg(long, value_name = "LANG[/MODULE]")]
    only: Vec<String>,
}

/// How one language's toolchain compares with the record.
enum Availability {
    /// Installed, and the same as recorded (or nothing is recorded yet).
    Recorded(Toolchain),
    /// Installed, but not the recorded version.
    Different {
        installed: Toolchain,
        recorded: Toolchain,
    },
    Missing,
}

impl Corpus {
    /// Rebuild every module whose toolchain is installed, skipping the others (for `nightly`).
    pub fn rebuild_available(root: &Path) -> Result<()> {
        Corpus { check: false, require_all: false, only: Vec::new() }.run(root)
    }

    pub fn run(self, root: &Path) -> Result<()> {
        let started = Instant::now();
        let corpus_dir = root.join("corpus");
        let modules = sources::select(sources::discover(&corpus_dir)?, &self.only)?;
        let record = toolchains::read_record(&corpus_dir)?;

        let mut availability = BTreeMap::new();
        let mut missing = Vec::new();
        for lang in Lang::ALL {
            if !modules.iter().any(|m| m.lang == lang) {
                continue;
            }
            let state = match toolchains::detect(lang, root) {
                Err(why) => {
                    let action = if self.require_all { "cannot build" } else { "skipping" };
                    eprintln!(
                        "{action} {lang}: toolchain missing ({}); install it with: {}",
                        why.reason,
                        lang.install_hint()
                    );
                    missing.push(lang);
                    Availability::Missing
                }
                Ok(installed) => match record.get(&lang) {
                    Some(recorded) if *recorded != installed => {
                        Availability::Different { installed, recorded: recorded.clone() }
                    }
                    _ => Availability::Recorded(installed),
                },
            };
            availability.insert(lang, state);
        }
        if self.require_all && !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|l| l.dir()).collect();
            bail!("--require-all: toolchain missing for {} (see the messages above)", names.join(", "));
        }

        let scratch = tempfile::tempdir().context("creating a temporary build directory")?;
        let built = scratch.path().join("out");
        let mut count = 0;
        for module in &modules {
            if matches!(availability.get(&module.lang), Some(Availability::Missing) | None) {
                continue;
            }
            let out = built.join(module.wasm_relative());
            std::fs::create_dir_all(out.parent().context("output has no directory")?)?;
            crate::lang::build(module, &out, scratch.path())?;
            count += 1;
        }

        let orphans = sources::orphans(&corpus_dir, &sources::discover(&corpus_dir)?)?;
        for orphan in &orphans {
            eprintln!("warning: {} has no source beside it; delete it or add the source", orphan.display());
        }
        if self.check {
            check(&corpus_dir, &modules, &availability, &built)?;
            if !orphans.is_empty() {
                bail!("{} .wasm file(s) without a source (listed above)", orphans.len());
            }
        } else {
            install(&corpus_dir, &modules, &availability, &built, &record, !self.only.is_empty())?;
        }
        println!("{count} module(s) built in {:.1}s", started.elapsed().as_secs_f64());
        Ok(())
    }
}

/// Copies rebuilt modules into `corpus/` and records the toolchains used.
fn install(
    corpus_dir: &Path,
    modules: &[Module],
    availability: &BTreeMap<Lang, Availability>,
    built: &Path,
    record: &toolchains::Record,
    partial: bool,
) -> Result<()> {
    for module in modules {
        if matches!(availability.get(&module.lang), Some(Availability::Missing) | None) {
            continue;
        }
        let bytes = std::fs::read(built.join(module.wasm_relative()))?;
        let target = corpus_dir.join(module.wasm_relative());
        let unchanged = std::fs::read(&target).is_ok_and(|old| old == bytes);
        if !unchanged {
            std::fs::write(&target, &bytes).with_context(|| format!("writing {}", target.display()))?;
        }
        let note = if unchanged { ", unchanged" } else { "" };
        println!("built {}.wasm ({} bytes{note})", module.id(), bytes.len());
    }

    let mut updated = record.clone();
    for (lang, state) in availability {
        match state {
            Availability::Recorded(installed) => {
                updated.insert(*lang, installed.clone());
            }
            Availability::Different { installed, recorded } if partial => eprintln!(
                "warning: {lang} modules were rebuilt with {} but corpus/{} records {}; \
                 run `cargo xtask corpus --only {lang}` to rebuild them all and update the record",
                installed.describe(),
                toolchains::RECORD_FILE,
                recorded.describe()
            ),
            Availability::Different { installed, .. } => {
                println!("recording the {lang} toolchain: {}", installed.describe());
                updated.insert(*lang, installed.clone());
            }
            Availability::Missing => {}
        }
    }
    if updated != *record || !corpus_dir.join(toolchains::RECORD_FILE).exists() {
        toolchains::write_record(corpus_dir, &updated)?;
    }
    Ok(())
}

/// Compares rebuilt modules with the committed ones; lists every module that differs.
fn check(
    corpus_dir: &Path,
    modules: &[Module],
    availability: &BTreeMap<Lang, Availability>,
    built: &Path,
) -> Result<()> {
    for (lang, state) in availability {
        if let Availability::Different { installed, recorded } = state {
            println!(
                "note: {lang}: installed toolchain ({}) differs from corpus/{} ({}); \
                 comparing {lang} modules by imports, exports and signatures only, not bytes",
                installed.describe(),
                toolchains::RECORD_FILE,
                recorded.describe()
            );
        }
    }
    let mut failures = Vec::new();
    for module in modules {
        let by_bytes = match availability.get(&module.lang) {
            Some(Availability::Recorded(_)) => true,
            Some(Availability::Different { .. }) => false,
            Some(Availability::Missing) | None => continue,
        };
        let rebuilt = std::fs::read(built.join(module.wasm_relative()))?;
        let committed_path = corpus_dir.join(module.wasm_relative());
        let Ok(committed) = std::fs::read(&committed_path) else {
            failures.push(format!("{}: no committed {}", module.id(), committed_path.display()));
            continue;
        };
        if by_bytes {
            if committed == rebuilt {
                println!("ok {}.wasm (identical, {} bytes)", module.id(), rebuilt.len());
            } else {
                failures.push(format!(
                    "{}: rebuilt bytes differ ({} committed, {} rebuilt)",
                    module.id(),
                    committed.len(),
                    rebuilt.len()
                ));
            }
            continue;
        }
        let committed_interface = interface::describe(&committed)
            .with_context(|| format!("reading committed {}", committed_path.display()))?;
        let difference = interface::difference(&committed_interface, &interface::describe(&rebuilt)?);
        if difference.is_empty() {
            println!("ok {}.wasm (same imports, exports and signatures)", module.id());
        } else {
            failures.push(format!("{}: interface differs:\n      {}", module.id(), difference.join("\n      ")));
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} module(s) differ from their sources:\n  {}\nrun `cargo xtask corpus` and commit the result",
            failures.len(),
            failures.join("\n  ")
        );
    }
    Ok(())
}
