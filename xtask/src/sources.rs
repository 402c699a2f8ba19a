//! Discovery of corpus sources: `corpus/<lang>/<module>.<ext>`, one file per module.
//!
//! A source may carry a build directive on a line of its own (the default is `command`):
//! - `// build: reactor`: Rust builds a `cdylib`, C and C++ link with `-mexec-model=reactor`, Zig
//!   with `-mexec-model=reactor -rdynamic`, AssemblyScript exports its top-level code as
//!   `_initialize` instead of `_start`;
//! - `// build: command-with-exports`: a command whose `export fn`s are exported too (Zig adds
//!   `-rdynamic`; C, C++, Rust and AssemblyScript export what the source marks anyway);
//! - `// build: no-entry`: the toolchain adds no entry point, so the module is a reactor without
//!   `_initialize` unless the source exports its own `_start` or `_initialize`, of any signature
//!   (Zig: `-fno-entry -rdynamic`; Rust: a `cdylib`; C and C++: `-nostartfiles -Wl,--no-entry`,
//!   no wasi-libc start file; AssemblyScript has no such build).
//!
//! WAT needs none: the text says everything.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    Command,
    /// A command whose extra `export`ed functions must be exported too (Zig needs `-rdynamic`).
    CommandWithExports,
    Reactor,
    /// No toolchain entry point: Zig's `-fno-entry`, C without start files (Rust's `cdylib` has
    /// none anyway). A reactor without `_initialize`, unless the source exports an entry itself.
    NoEntry,
}

#[derive(Debug, Clone)]
pub struct Module {
    pub lang: Lang,
    pub name: String,
    pub source: PathBuf,
    pub kind: BuildKind,
}

impl Module {
    /// `c/reactor_counter`: how modules are named on the command line and in messages.
    pub fn id(&self) -> String {
        format!("{}/{}", self.lang.dir(), self.name)
    }

    /// `c/reactor_counter.wasm`, relative to `corpus/`.
    pub fn wasm_relative(&self) -> PathBuf {
        Path::new(self.lang.dir()).join(format!("{}.wasm", self.name))
    }
}

/// Every module under `corpus_dir`, sorted by language then name.
pub fn discover(corpus_dir: &Path) -> Result<Vec<Module>> {
    let mut modules = Vec::new();
    for lang in Lang::ALL {
        let dir = corpus_dir.join(lang.dir());
        if !dir.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some(lang.extension()) {
                continue;
            }
            let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let kind = build_kind(&text).with_context(|| format!("in {}", path.display()))?;
            modules.push(Module { lang, name, source: path, kind });
        }
    }
    modules.sort_by(|a, b| (a.lang, &a.name).cmp(&(b.lang, &b.name)));
    Ok(modules)
}

/// `.wasm` files in `corpus/<lang>/` with no source beside them.
pub fn orphans(corpus_dir: &Path, modules: &[Module]) -> Result<Vec<PathBuf>> {
    let mut orphans = Vec::new();
    for lang in Lang::ALL {
        let dir = corpus_dir.join(lang.dir());
        if !dir.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) != Some("wasm") {
                continue;
            }
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if !modules.iter().any(|m| m.lang == lang && m.name == stem) {
                orphans.push(path);
            }
        }
    }
    Ok(orphans)
}

/// Keeps the modules `--only` selects: `c/reactor_counter` names one module, `c` a language.
pub fn select(modules: Vec<Module>, only: &[String]) -> Result<Vec<Module>> {
    if only.is_empty() {
        return Ok(modules);
    }
    for filter in only {
        if !modules.iter().any(|m| matches(m, filter)) {
            let known: Vec<String> = modules.iter().map(Module::id).collect();
            bail!("--only {filter}: no such module or language; modules are:\n  {}", known.join("\n  "));
        }
    }
    Ok(modules.into_iter().filter(|m| only.iter().any(|f| matches(m, f))).collect())
}

fn matches(module: &Module, filter: &str) -> bool {
    let filter = filter.trim_end_matches(".wasm");
    filter == module.lang.dir() || filter == module.id()
}

fn build_kind(text: &str) -> Result<BuildKind> {
    let mut kind = BuildKind::Command;
    for line in text.lines() {
        let Some(value) = line.trim().strip_prefix("// build:") else {
            continue;
        };
        kind = match value.trim() {
            "command" => BuildKind::Command,
            "command-with-exports" => BuildKind::CommandWithExports,
            "reactor" => BuildKind::Reactor,
            "no-entry" => BuildKind::NoEntry,
            other => bail!(
                "unknown build directive `// build: {other}` (expected command, command-with-exports, reactor or no-entry)"
            ),
        };
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_selects_reactor_and_rejects_unknown_kinds() {
        assert_eq!(build_kind("int main(void) { return 0; }").unwrap(), BuildKind::Command);
        assert_eq!(build_kind("// A counter.\n// build: reactor\n").unwrap(), BuildKind::Reactor);
        assert_eq!(build_kind("// build: no-entry\n").unwrap(), BuildKind::NoEntry);
        assert!(build_kind("// build: library\n").is_err());
    }
}
