//! execmodel adapter for runtimes available only as command-line programs (wasmtime-cli, wazero,
//! wasmedge, iwasm, wasmer-cli, and node:wasi through `node-wasi-run.mjs`).
//!
//! Each runtime is one table in `runtimes.toml`: how to pass args, env and a preopened directory,
//! how to read the version, how to invoke one export, and how to tell the CLI's own failure
//! reports (traps, link errors) from the guest's exit status. A trial is one process. Only
//! scenarios a CLI can express are attempted (see [`expressible`](crate::expressible)).

mod capture;
mod expressible;
mod infer;
mod launcher;
mod module;
mod path_search;
mod process;
mod scripts;
mod session;
mod signatures;
mod table;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use execmodel_contract::{AdapterError, CompiledModule, Runtime, StepKind, Unavailable};

use crate::launcher::Launcher;
use crate::module::{CliModule, ModuleFiles};
use crate::table::Table;
pub use crate::table::{TableError, RUNTIMES_TOML, RUNTIMES_TOML_PATH};

/// The table names in runtimes.toml, for registering each as a runtime.
pub const NAMES: [&str; 6] = ["node-wasi", "wasmtime-cli", "wazero-cli", "wasmedge", "iwasm", "wasmer-cli"];

type Tables = BTreeMap<String, Arc<Table>>;

fn embedded_tables() -> &'static Result<Tables, TableError> {
    static TABLES: OnceLock<Result<Tables, TableError>> = OnceLock::new();
    TABLES.get_or_init(|| parse_tables(RUNTIMES_TOML, RUNTIMES_TOML_PATH))
}

fn parse_tables(source: &str, origin: &str) -> Result<Tables, TableError> {
    Ok(table::parse(source, origin)?.into_iter().map(|(name, table)| (name, Arc::new(table))).collect())
}

/// The runtime described by table `name` of the embedded runtimes.toml. An unknown name gives a
/// runtime that is unavailable with the reason.
pub fn runtime(name: &'static str) -> Arc<dyn Runtime> {
    let table = match embedded_tables() {
        Ok(tables) => {
            tables.get(name).cloned().ok_or_else(|| Unavailable(format!("no table for {name} in {RUNTIMES_TOML_PATH}")))
        }
        Err(err) => Err(Unavailable(err.to_string())),
    };
    Arc::new(CliRuntime::new(name, table))
}

/// Like [`runtime`], from another runtimes.toml text (tests; a user's own table) that `origin`
/// names in errors.
pub fn runtime_from_toml(name: &'static str, source: &str, origin: &str) -> Result<Arc<dyn Runtime>, TableError> {
    let table = parse_tables(source, origin)?.remove(name).ok_or_else(|| TableError {
        origin: origin.to_string(),
        line: None,
        message: format!("no table for {name}"),
    })?;
    Ok(Arc::new(CliRuntime::new(name, Ok(table))))
}

/// What a table says about its CLI, for listings and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliInfo {
    pub program: String,
    pub about: String,
    pub docs: String,
    /// How the table's outcome rules were established.
    pub checked: String,
    /// What invoking one export means for this CLI; `None` when it cannot.
    pub invoke: Option<String>,
    /// Whether the CLI has an option capping linear memory (`limits.memory_bytes`); without
    /// one, the CLI's own limits apply.
    pub caps_memory: bool,
}

/// The description of table `name` in the embedded runtimes.toml.
pub fn info(name: &str) -> Option<CliInfo> {
    let table = embedded_tables().as_ref().ok()?.get(name)?;
    Some(CliInfo {
        program: table.program.clone(),
        about: table.about.clone(),
        docs: table.docs.clone(),
        checked: table.checked.clone(),
        invoke: table.invoke.as_ref().map(|invoke| invoke.about.clone()),
        caps_memory: !table.memory_limit.is_empty(),
    })
}

/// Checks a runtimes.toml text without creating runtimes.
pub fn check_tables(source: &str, origin: &str) -> Result<Vec<String>, TableError> {
    Ok(table::parse(source, origin)?.into_keys().collect())
}

struct CliRuntime {
    name: &'static str,
    table: Result<Arc<Table>, Unavailable>,
    launcher: OnceLock<Result<Arc<Launcher>, Unavailable>>,
    version: OnceLock<String>,
}

impl CliRuntime {
    fn new(name: &'static str, table: Result<Arc<Table>, Unavailable>) -> Self {
        CliRuntime { name, table, launcher: OnceLock::new(), version: OnceLock::new() }
    }

    fn launcher(&self) -> Result<Arc<Launcher>, Unavailable> {
        self.launcher.get_or_init(|| Launcher::new(self.name, self.table.clone()?).map(Arc::new)).clone()
    }
}

impl Runtime for CliRuntime {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> String {
        self.version
            .get_or_init(|| match self.launcher() {
                Ok(launcher) => launcher.probe_version().unwrap_or_else(|why| format!("unknown ({why})")),
                Err(why) => format!("unknown ({why})"),
            })
            .clone()
    }

    fn availability(&self) -> Result<(), Unavailable> {
        self.launcher().map(drop)
    }

    fn expressible(&self, steps: &[StepKind]) -> Result<(), String> {
        let table = self.table.as_ref().map_err(|why| why.to_string())?;
        expressible::expressible(table, steps)
    }

    fn compile(&self, wasm: &[u8]) -> Result<Arc<dyn CompiledModule>, AdapterError> {
        let launcher = self.launcher().map_err(|why| AdapterError::Other(format!("{}: {why}", self.name)))?;
        Ok(Arc::new(CliModule(Arc::new(ModuleFiles::new(launcher, wasm)?))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_file_parses_and_names_every_table() {
        let tables = embedded_tables().as_ref().expect("runtimes.toml");
        let names: Vec<&str> = tables.keys().map(String::as_str).collect();
        let mut expected = NAMES.to_vec();
        expected.sort();
        assert_eq!(names, expected);
    }

    #[test]
    fn an_unknown_name_is_unavailable_with_the_reason() {
        let runtime = runtime("no-such-cli");
        assert_eq!(runtime.availability().unwrap_err().0, "no table for no-such-cli in runtimes/cli/runtimes.toml");
        assert!(runtime.expressible(&[StepKind::Run]).is_err());
        assert!(runtime.compile(b"\0asm\x01\0\0\0").is_err());
    }
}
