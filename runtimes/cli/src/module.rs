//! A module written to a temporary file once, and the command line that runs it for one
//! invocation.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use execmodel_contract::{AdapterError, CompiledModule, Limits, Session, Value, WasiConfig};
use tempfile::TempDir;

use crate::launcher::Launcher;
use crate::session::CliSession;
use crate::signatures::{exported_functions, Signature};
use crate::table::{expand_all, ArgStyle, Argv0};

const MODULE_FILE: &str = "module.wasm";

/// The compiled module shared by trials; sessions keep its files alive.
pub struct CliModule(pub Arc<ModuleFiles>);

pub struct ModuleFiles {
    pub launcher: Arc<Launcher>,
    dir: TempDir,
    path: PathBuf,
    signatures: HashMap<String, Signature>,
    /// argv[0] → a directory holding a copy of the module under that name.
    staged: Mutex<HashMap<String, PathBuf>>,
}

/// An export to call instead of running the module.
pub struct Call<'a> {
    pub export: &'a str,
    pub args: &'a [Value],
}

impl ModuleFiles {
    pub fn new(launcher: Arc<Launcher>, wasm: &[u8]) -> Result<Self, AdapterError> {
        let other = |what: &str, err: std::io::Error| AdapterError::Other(format!("{}: {what}: {err}", launcher.name));
        let dir = tempfile::Builder::new()
            .prefix("execmodel-cli-module-")
            .tempdir()
            .map_err(|err| other("creating a directory for the module", err))?;
        let path = dir.path().join(MODULE_FILE);
        fs::write(&path, wasm).map_err(|err| other("writing the module", err))?;
        Ok(ModuleFiles {
            signatures: exported_functions(wasm),
            launcher,
            dir,
            path,
            staged: Mutex::new(HashMap::new()),
        })
    }

    pub fn signature(&self, export: &str) -> Option<&Signature> {
        self.signatures.get(export)
    }

    /// The full command line for one invocation. `Err` when this CLI cannot pass what the step
    /// asks for (an adapter limitation, not a guest outcome).
    pub fn command(&self, wasi: &WasiConfig, call: Option<&Call<'_>>, limits: &Limits) -> Result<Command, String> {
        let table = &self.launcher.table;
        let mut command = self.launcher.command();
        command.env_clear().envs(host_environment());
        let bytes = limits.memory_bytes.to_string();
        command.args(expand_all(&table.memory_limit, &[("bytes", &bytes)]));
        if let Some(preopen) = &wasi.preopen {
            let host = preopen
                .host_path
                .to_str()
                .ok_or_else(|| format!("the preopened directory {} is not UTF-8", preopen.host_path.display()))?;
            command.args(expand_all(&table.dir, &[("host", host), ("guest", &preopen.guest_path)]));
        }
        for (key, value) in &wasi.env {
            command.args(expand_all(&table.env, &[("key", key), ("value", value)]));
        }
        let argv0 = wasi.args.first().ok_or("argv is empty, but a CLI always passes argv[0]")?;
        let module_argument = match &table.argv0 {
            Argv0::Flag(flag) => {
                command.args(expand_all(flag, &[("argv0", argv0)]));
                command.current_dir(self.dir.path());
                self.path.display().to_string()
            }
            Argv0::ModulePath | Argv0::ModuleName => {
                let single_name = matches!(table.argv0, Argv0::ModuleName);
                let root = self.stage(argv0, single_name)?;
                command.current_dir(root);
                argv0.clone()
            }
        };
        let guest_args = &wasi.args[1..];
        let mut trailing: Vec<String> = guest_args.to_vec();
        if let Some(call) = call {
            let invoke = table.invoke.as_ref().ok_or_else(|| format!("{} cannot invoke an export", table.program))?;
            command.args(expand_all(&invoke.before_module, &[("name", call.export)]));
            command.arg(&module_argument);
            command.args(expand_all(&invoke.after_module, &[("name", call.export)]));
            if !call.args.is_empty() {
                if !guest_args.is_empty() {
                    return Err(format!(
                        "{} passes an invoked export's arguments where argv[1..] go; it cannot pass both",
                        table.program
                    ));
                }
                trailing = call.args.iter().map(|value| render(value, invoke.args)).collect();
            }
        } else {
            command.arg(&module_argument);
        }
        command.args(trailing);
        Ok(command)
    }

    /// A directory in which the relative path `argv0` names a copy of the module, so that a CLI
    /// passing the module path as written (or its last component) passes exactly `argv0`.
    fn stage(&self, argv0: &str, single_name: bool) -> Result<PathBuf, String> {
        let program = &self.launcher.table.program;
        let components: Vec<Component<'_>> = Path::new(argv0).components().collect();
        let plain = !argv0.starts_with('-')
            && !components.is_empty()
            && components.iter().all(|c| matches!(c, Component::Normal(_)))
            && (!single_name || components.len() == 1)
            && !argv0.ends_with('/');
        if !plain {
            return Err(format!(
                "{program} takes argv[0] from the module's file name, and `{argv0}` cannot be one{}",
                if single_name { " (it passes only the last path component)" } else { "" }
            ));
        }
        let mut staged = self.staged.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(root) = staged.get(argv0) {
            return Ok(root.clone());
        }
        let root = self.dir.path().join(format!("argv0-{}", staged.len()));
        let file = root.join(argv0);
        let place = || -> std::io::Result<()> {
            fs::create_dir_all(file.parent().unwrap_or(&root))?;
            fs::hard_link(&self.path, &file).or_else(|_| fs::copy(&self.path, &file).map(drop))
        };
        place().map_err(|err| format!("staging the module as {}: {err}", file.display()))?;
        staged.insert(argv0.to_string(), root.clone());
        Ok(root)
    }
}

impl CompiledModule for CliModule {
    fn session(&self, limits: Limits) -> Box<dyn Session> {
        Box::new(CliSession::new(self.0.clone(), limits))
    }
}

/// What the CLI process itself inherits: enough to find its own files. The guest's environment
/// is passed only through the table's `env` option.
fn host_environment() -> impl Iterator<Item = (String, String)> {
    const KEPT: &[&str] = &["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "USER"];
    std::env::vars().filter(|(key, _)| KEPT.contains(&key.as_str()))
}

fn render(value: &Value, style: ArgStyle) -> String {
    match style {
        ArgStyle::Typed => value.to_string(),
        ArgStyle::Plain => match value {
            Value::I32(v) => v.to_string(),
            Value::I64(v) => v.to_string(),
            Value::F32(v) => v.to_string(),
            Value::F64(v) => v.to_string(),
        },
    }
}
