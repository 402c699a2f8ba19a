//! Finding node and its version.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Command;

use execmodel_contract::Unavailable;

/// The oldest node whose `node:wasi` has `version: 'preview1'`, `returnOnExit` and
/// `getImportObject`, which the worker relies on.
pub const MIN_NODE_MAJOR: u32 = 20;

/// `node --version` (e.g. `v20.20.2`) if this program is a node the adapter can drive.
pub fn probe(program: &Path) -> Result<String, Unavailable> {
    let output = Command::new(program).arg("--version").env_remove("NODE_OPTIONS").output();
    let output = match output {
        Ok(output) => output,
        Err(err) if err.kind() == ErrorKind::NotFound => return Err(not_found(program)),
        Err(err) => return Err(Unavailable(format!("cannot run `{} --version`: {err}", program.display()))),
    };
    let printed = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let Some(major) = major_version(&printed).filter(|_| output.status.success()) else {
        return Err(Unavailable(format!(
            "`{} --version` did not print a node version ({}; printed {printed:?})",
            program.display(),
            output.status
        )));
    };
    if major < MIN_NODE_MAJOR {
        return Err(Unavailable(format!("node {printed} found, need ≥ {MIN_NODE_MAJOR}")));
    }
    Ok(printed)
}

fn not_found(program: &Path) -> Unavailable {
    if program.components().count() == 1 {
        Unavailable(format!("{} not found on PATH", program.display()))
    } else {
        Unavailable(format!("{} not found", program.display()))
    }
}

/// `v20.20.2` → 20.
fn major_version(printed: &str) -> Option<u32> {
    printed.strip_prefix('v')?.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_major_version() {
        assert_eq!(major_version("v20.20.2"), Some(20));
        assert_eq!(major_version("v8.1.0"), Some(8));
        assert_eq!(major_version("20.1.0"), None);
        assert_eq!(major_version(""), None);
    }

    #[test]
    fn names_a_bare_program_as_missing_from_path() {
        let missing = probe(Path::new("node-that-does-not-exist-execmodel")).unwrap_err();
        assert_eq!(missing.0, "node-that-does-not-exist-execmodel not found on PATH");
        let missing = probe(Path::new("/nonexistent/bin/node")).unwrap_err();
        assert_eq!(missing.0, "/nonexistent/bin/node not found");
    }
}
