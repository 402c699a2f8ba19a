//! Building (or installing) a worker program once per machine: into
//! `target/execmodel-workers/<name>-<digest>/`, keyed by its sources and toolchain, so that
//! every later process and trial reuses it.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use execmodel_cache::KeyBuilder;

/// What to build: the sources are written to `<dir>/src/` and `run` must leave `artifact`
/// (a file or a directory) at the path it is given.
pub struct WorkerBuild<'a> {
    pub name: &'a str,
    pub sources: &'a [(&'a str, &'a str)],
    /// The toolchain's version (part of the key: a new Go or JDK builds anew).
    pub toolchain: &'a str,
    pub artifact: &'a str,
}

impl WorkerBuild<'_> {
    /// The artifact, built by `run(source_dir, partial_artifact)` unless an earlier process did.
    pub fn get_or_build(&self, run: impl FnOnce(&Path, &Path) -> Result<(), String>) -> Result<PathBuf, String> {
        let mut key = KeyBuilder::new().text("toolchain", self.toolchain);
        for (name, source) in self.sources {
            key = key.text(name, source);
        }
        let digest = key.finish().to_string();
        let root = execmodel_cache::target_dir().unwrap_or_else(std::env::temp_dir).join("execmodel-workers");
        let dir = root.join(format!("{}-{}", self.name, &digest[..16]));
        let artifact = dir.join(self.artifact);
        if artifact.exists() {
            return Ok(artifact);
        }
        let io = |what: &str, path: &Path, err: std::io::Error| format!("cannot {what} {}: {err}", path.display());
        fs::create_dir_all(&dir).map_err(|err| io("create", &dir, err))?;
        // Test processes start together (nextest runs one per trial): one builds, the others wait.
        let lock_path = dir.join(".lock");
        let lock = File::create(&lock_path).map_err(|err| io("create", &lock_path, err))?;
        lock.lock().map_err(|err| io("lock", &lock_path, err))?;
        if artifact.exists() {
            return Ok(artifact);
        }
        let source_dir = dir.join("src");
        for (name, source) in self.sources {
            let path = source_dir.join(name);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|err| io("create", parent, err))?;
            }
            fs::write(&path, source).map_err(|err| io("write", &path, err))?;
        }
        let partial = dir.join(format!("{}.partial", self.artifact));
        if partial.is_dir() {
            fs::remove_dir_all(&partial).map_err(|err| io("remove", &partial, err))?;
        }
        run(&source_dir, &partial)?;
        fs::rename(&partial, &artifact).map_err(|err| io("move into place", &partial, err))?;
        Ok(artifact)
    }
}
