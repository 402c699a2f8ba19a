//! Stage 1, the corpus: what there is to test, and on what.
//!
//! In: a module's bytes (from `corpus/<language>/<module>.wasm`) and the adapter crates this
//! build links. Out: the module's static reading (`classify`: command, reactor, both or neither,
//! and whether it is valid wasm at all), the corpus languages, and the runtimes this build knows
//! (`registry`). Nothing here reads an expectation file or runs a module.

pub mod classify;
pub mod languages;
pub mod registry;

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The checkout this binary was built from, where `corpus/` and `expectations/` live.
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("harness/ has a parent").to_path_buf()
}

/// Every file below `dir` ending in `.extension`, as (`sub/dir/name` without the extension, path),
/// sorted.
pub fn files_with_extension(dir: &Path, extension: &str) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).with_context(|| format!("listing {}", current.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                // A toolchain's packages (`npm ci` in corpus/assemblyscript), not cases.
                if !path.ends_with("node_modules") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == extension) {
                let relative = path.strip_prefix(dir)?.with_extension("");
                let id = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                found.push((id, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod robustness_tests;
