//! Corpus discovery: every `corpus/<lang>/<module>.wasm` paired with
//! `expectations/<lang>/<module>.toml`, read and checked before any trial runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{anyhow, Context};

use crate::corpus::classify::{self, Inspection, InvalidModule};
use crate::corpus::registry;
use crate::expectations::rules::Rules;
use crate::expectations::{self, is_trial_name_part, ModuleExpectations};

pub struct Suite {
    pub root: PathBuf,
    pub rules: Rules,
    pub modules: Vec<CorpusModule>,
}

pub struct CorpusModule {
    /// `<lang>/<module>`, as in trial names.
    pub id: String,
    pub wasm_path: PathBuf,
    pub bytes: Vec<u8>,
    /// Validating every module costs most of a test process's start-up (nextest starts one per
    /// trial and runs one module), so it happens on first use.
    inspection: OnceLock<Result<Inspection, InvalidModule>>,
    pub expectations: ModuleExpectations,
}

impl CorpusModule {
    pub fn new(id: String, wasm_path: PathBuf, bytes: Vec<u8>, expectations: ModuleExpectations) -> CorpusModule {
        CorpusModule { id, wasm_path, bytes, inspection: OnceLock::new(), expectations }
    }

    /// The static reading of the module; a module that does not parse still has trials: each
    /// fails with this error.
    pub fn inspection(&self) -> &Result<Inspection, InvalidModule> {
        self.inspection.get_or_init(|| classify::inspect(&self.bytes))
    }

    pub fn file_name(&self) -> String {
        format!("{}.wasm", self.id.rsplit('/').next().unwrap_or(&self.id))
    }

    /// The module's problem as a one-line message naming the file, if it is not a valid module.
    pub fn invalid(&self) -> Option<String> {
        self.inspection()
            .as_ref()
            .err()
            .map(|err| format!("{}: not a valid core wasm module: {err}", self.wasm_path.display()))
    }
}

impl Suite {
    /// Load every module and expectation file. All problems are collected and reported together.
    pub fn load(root: &Path) -> anyhow::Result<Suite> {
        let rules_path = root.join("expectations/rules.toml");
        let rules_source =
            fs::read_to_string(&rules_path).with_context(|| format!("reading {}", rules_path.display()))?;
        let rules = Rules::parse(&rules_path, &rules_source)?;
        let known_runtimes = registry::known_names();

        let wasm_files = crate::corpus::files_with_extension(&root.join("corpus"), "wasm")?;
        let toml_files = crate::corpus::files_with_extension(&root.join("expectations"), "toml")?;
        let mut problems = Vec::new();
        let mut modules = Vec::new();

        for (id, wasm_path) in &wasm_files {
            let Some((_, toml_path)) = toml_files.iter().find(|(toml_id, _)| toml_id == id) else {
                problems.push(format!(
                    "{}: no expectations/{id}.toml; every corpus module needs an expectation file",
                    wasm_path.display()
                ));
                continue;
            };
            if !id.split('/').all(is_trial_name_part) {
                problems
                    .push(format!("{}: module names must be lowercase letters, digits and `_`", wasm_path.display()));
                continue;
            }
            let loaded =
                fs::read(wasm_path).with_context(|| format!("reading {}", wasm_path.display())).and_then(|bytes| {
                    let source =
                        fs::read_to_string(toml_path).with_context(|| format!("reading {}", toml_path.display()))?;
                    let shown = toml_path.strip_prefix(root).unwrap_or(toml_path);
                    let expectations = expectations::load(shown, &source, &rules, &known_runtimes)?;
                    Ok((bytes, expectations))
                });
            match loaded {
                Ok((bytes, expectations)) => modules.push(CorpusModule::new(
                    id.clone(),
                    wasm_path.strip_prefix(root).unwrap_or(wasm_path).to_path_buf(),
                    bytes,
                    expectations,
                )),
                Err(err) => problems.push(format!("{err:#}")),
            }
        }
        for (id, toml_path) in &toml_files {
            if !["rules", "questions"].contains(&id.as_str()) && !wasm_files.iter().any(|(wasm_id, _)| wasm_id == id) {
                problems.push(format!(
                    "{}: no module corpus/{id}.wasm (build it with `cargo xtask corpus`, or remove the file)",
                    toml_path.display()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(anyhow!("{} problem(s) in the corpus:\n  {}", problems.len(), problems.join("\n  ")));
        }
        Ok(Suite { root: root.to_path_buf(), rules, modules })
    }
}

/// `(relative id without extension, path)` for every file with `extension` below `dir`, sorted.
#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &str = "version = 1\n[rule.\"r\"]\nbasis = \"abi\"\ntext = \"t\"\nsource = \"s\"\n";
    const EXPECTATIONS: &str =
        "version = 1\n[module]\nkind = \"command\"\nmemory = true\nsignatures = \"valid\"\nabout = \"\"\n";

    fn root_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (path, contents) in files {
            let path = root.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, contents).unwrap();
        }
        root
    }

    fn command_wasm() -> Vec<u8> {
        wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "_start")))"#).unwrap()
    }

    #[test]
    fn pairs_modules_with_expectations() {
        let wasm = command_wasm();
        let root = root_with(&[
            ("expectations/rules.toml", RULES.as_bytes()),
            ("corpus/c/hello.wasm", &wasm),
            ("expectations/c/hello.toml", EXPECTATIONS.as_bytes()),
        ]);
        let suite = Suite::load(root.path()).unwrap();
        assert_eq!(suite.modules.len(), 1);
        assert_eq!(suite.modules[0].id, "c/hello");
        assert_eq!(suite.modules[0].file_name(), "hello.wasm");
    }

    #[test]
    fn orphans_on_either_side_are_errors_naming_the_file() {
        let wasm = command_wasm();
        let root = root_with(&[
            ("expectations/rules.toml", RULES.as_bytes()),
            ("corpus/c/lonely.wasm", &wasm),
            ("expectations/zig/ghost.toml", EXPECTATIONS.as_bytes()),
        ]);
        let message = format!("{:#}", Suite::load(root.path()).err().unwrap());
        assert!(message.contains("corpus/c/lonely.wasm: no expectations/c/lonely.toml"), "{message}");
        assert!(message.contains("expectations/zig/ghost.toml: no module corpus/zig/ghost.wasm"), "{message}");
    }

    #[test]
    fn a_truncated_module_loads_but_reports_itself_invalid() {
        let wasm = command_wasm();
        let root = root_with(&[
            ("expectations/rules.toml", RULES.as_bytes()),
            ("corpus/c/cut.wasm", &wasm[..wasm.len() - 4]),
            ("expectations/c/cut.toml", EXPECTATIONS.as_bytes()),
        ]);
        let suite = Suite::load(root.path()).unwrap();
        let problem = suite.modules[0].invalid().unwrap();
        assert!(problem.contains("cut.wasm: not a valid core wasm module") && problem.contains("offset"), "{problem}");
    }
}
