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

/// The checkout this binary was built from, where `corpus/` and `expectations/` live.
pub fn default_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("harness/ has a parent").to_path_buf()
}

#[cfg(test)]
mod robustness_tests;
