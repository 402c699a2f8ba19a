//! A runtime's program found on PATH, with its table and any helper script written out.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use execmodel_contract::Unavailable;

use crate::path_search::find_program;
use crate::process::{self, Exit};
use crate::scripts::Script;
use crate::table::{expand_all, Table};

const VERSION_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct Launcher {
    pub name: &'static str,
    pub table: Arc<Table>,
    program: PathBuf,
    script: Option<PathBuf>,
}

impl Launcher {
    pub fn new(name: &'static str, table: Arc<Table>) -> Result<Self, Unavailable> {
        let program =
            find_program(&table.program).ok_or_else(|| Unavailable(format!("{} not found on PATH", table.program)))?;
        let script = match table.script {
            Some(script) => Some(
                written_script(script)
                    .map_err(|err| Unavailable(format!("writing helper script {}: {err}", script.name)))?,
            ),
            None => None,
        };
        Ok(Launcher { name, table, program, script })
    }

    /// The program with the table's leading arguments.
    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        let script = self.script.as_ref().map(|path| path.display().to_string()).unwrap_or_default();
        command.args(expand_all(&self.table.leading, &[("script", &script)]));
        command
    }

    /// The CLI's own version output, reduced by the table's pattern (group 1 if any) or to its
    /// first line.
    pub fn probe_version(&self) -> Result<String, String> {
        let mut command = Command::new(&self.program);
        command.args(&self.table.version.args);
        let shown = format!("`{} {}`", self.table.program, self.table.version.args.join(" "));
        let finished =
            process::run(command, &[], VERSION_DEADLINE, 64 * 1024).map_err(|err| format!("running {shown}: {err}"))?;
        if finished.exit != Exit::Status(0) {
            return Err(format!("{shown} ended with {:?}", finished.exit));
        }
        let mut output = finished.stdout.head_before(usize::MAX);
        if output.iter().all(u8::is_ascii_whitespace) {
            output = finished.stderr.head_before(usize::MAX);
        }
        let text = String::from_utf8_lossy(&output);
        let found = match &self.table.version.pattern {
            Some(pattern) => pattern
                .captures(&text)
                .map(|caps| caps.get(1).or_else(|| caps.get(0)).map_or("", |m| m.as_str()).to_string()),
            None => text.lines().map(str::trim).find(|line| !line.is_empty()).map(str::to_string),
        };
        found.filter(|v| !v.is_empty()).ok_or_else(|| format!("no version in the output of {shown}: {text:?}"))
    }
}

/// The script's file under the system temporary directory, named by a hash of its text: written
/// once (atomically, as parallel test processes may race), reused by later runs, never left
/// behind in a new copy per process.
fn written_script(script: &Script) -> std::io::Result<PathBuf> {
    let mut hasher = DefaultHasher::new();
    script.text.hash(&mut hasher);
    let dir = std::env::temp_dir().join("execmodel-cli-scripts");
    fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{:016x}-{}", hasher.finish(), script.name));
    if fs::read(&path).is_ok_and(|bytes| bytes == script.text.as_bytes()) {
        return Ok(path);
    }
    let mut staging = tempfile::NamedTempFile::new_in(&dir)?;
    staging.write_all(script.text.as_bytes())?;
    staging.persist(&path).map_err(|err| err.error)?;
    Ok(path)
}
