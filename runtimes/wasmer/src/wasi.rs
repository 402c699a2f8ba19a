//! Turning a [`WasiConfig`] into a wasmer-wasix `WasiEnvBuilder`.

use std::sync::Arc;

use execmodel_contract::WasiConfig;
use wasmer::Engine;
use wasmer_wasix::virtual_fs::{host_fs, StaticFile};
use wasmer_wasix::{WasiEnv, WasiEnvBuilder};

use crate::capture::Capture;

/// The captured output streams of one instance.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub stdout: Capture,
    pub stderr: Capture,
}

impl Outputs {
    pub fn new(cap: usize) -> Self {
        Outputs { stdout: Capture::new(cap), stderr: Capture::new(cap) }
    }
}

/// `args[0]` is wasix's program name; the rest follow it in `argv`.
///
/// Without a preopen the guest's root is wasix's default in-memory filesystem. With one, the
/// root filesystem is the host directory itself and the preopen maps the guest path onto that
/// root, so neither the virtual root (fd 3, always preopened as "/") nor the mapped directory
/// reaches anything outside the host directory.
pub fn builder(config: &WasiConfig, engine: &Engine, outputs: &Outputs) -> Result<WasiEnvBuilder, String> {
    let (program, rest) = match config.args.split_first() {
        Some((program, rest)) => (program.as_str(), rest),
        None => ("", &[][..]),
    };
    let mut builder = WasiEnv::builder(program)
        .args(rest)
        .envs(config.env.iter().map(|(key, value)| (key.as_str(), value.as_str())))
        .stdin(Box::new(StaticFile::new(config.stdin.clone())))
        .stdout(outputs.stdout.file())
        .stderr(outputs.stderr.file())
        .engine(engine.clone());
    if let Some(preopen) = &config.preopen {
        let root = host_fs::FileSystem::new(tokio::runtime::Handle::current(), &preopen.host_path)
            .map_err(|err| format!("cannot open preopen directory {}: {err}", preopen.host_path.display()))?;
        builder = builder
            .fs(Arc::new(root) as Arc<dyn wasmer_wasix::virtual_fs::FileSystem + Send + Sync>)
            .map_dir(&preopen.guest_path, "/")
            .map_err(|err| {
                format!("cannot preopen {} at {}: {err}", preopen.host_path.display(), preopen.guest_path)
            })?;
    }
    Ok(builder)
}
