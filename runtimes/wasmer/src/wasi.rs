//! Turning a [`WasiConfig`] into a wasmer-wasix `WasiEnvBuilder`.

use std::sync::{Arc, Mutex, PoisonError};

use execmodel_contract::WasiConfig;
use wasmer::{Engine, Extern, Function, FunctionEnv, FunctionEnvMut, Imports, StoreMut, Value};
use wasmer_wasix::runtime::task_manager::tokio::TokioTaskManager;
use wasmer_wasix::runtime::{InstantiationHook, InstantiationState, PluggableRuntime};
use wasmer_wasix::virtual_fs::{host_fs, StaticFile};
use wasmer_wasix::{Runtime, WasiEnv, WasiEnvBuilder};

use crate::capture::Capture;

/// What one instance's guest sent out: its output streams and the code it asked to exit with.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub stdout: Capture,
    pub stderr: Capture,
    pub exit: ExitWitness,
}

impl Outputs {
    pub fn new(cap: usize) -> Self {
        Outputs { stdout: Capture::new(cap), stderr: Capture::new(cap), exit: ExitWitness::default() }
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
        .engine(engine.clone())
        .runtime(outputs.exit.runtime(engine));
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

/// The argument of the guest's latest `proc_exit`, as the guest passed it.
///
/// wasix converts `proc_exit`'s i32 to a 16-bit `ExitCode` modulo 256 before its own code sees
/// it, so an embedder reading the exit (`WasiError::Exit`) gets 0 for 256 and 232 for 1000:
/// <https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasi-types/src/wasi/wasix_manual.rs#L322-L326>.
/// The argument is observed through wasmer-wasix's extension point for embedders,
/// `InstantiationHook::prepare_imports`, which `WasiEnvBuilder::instantiate` calls with the import
/// object it is about to instantiate with. In place of wasix's `proc_exit` the hook puts a
/// function of the same type that notes the argument, calls wasix's `proc_exit` with it and
/// returns exactly what that returned. This cannot change what wasix does: its `proc_exit` reads
/// its `WasiEnv` from its own `FunctionEnv`, never from the calling instance
/// (<https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/syscalls/wasi/proc_exit.rs#L12-L24>).
#[derive(Debug, Clone, Default)]
pub struct ExitWitness {
    requested: Arc<Mutex<Option<i32>>>,
}

/// The WASI 0.1 namespaces under which wasix offers its `proc_exit`.
const PROC_EXIT_NAMESPACES: [&str; 2] = ["wasi_snapshot_preview1", "wasi_unstable"];

struct Noted {
    wasix_proc_exit: Function,
    witness: ExitWitness,
}

impl ExitWitness {
    /// The argument of the latest `proc_exit` since the last take, if any.
    pub fn take(&self) -> Option<i32> {
        self.slot().take()
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<i32>> {
        self.requested.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// wasmer-wasix's default runtime, as `WasiEnvBuilder` makes it when given only an engine
    /// (<https://github.com/wasmerio/wasmer/blob/7a48a071c7682a409d148cf37dc8da58322a123d/lib/wasix/src/state/builder.rs#L1017-L1043>),
    /// with this witness as its one instantiation hook.
    fn runtime(&self, engine: &Engine) -> Arc<dyn Runtime + Send + Sync> {
        let mut runtime = PluggableRuntime::new(Arc::new(TokioTaskManager::default()));
        runtime.set_engine(engine.clone());
        runtime.with_instantiation_hook(self.clone());
        Arc::new(runtime)
    }
}

impl InstantiationHook for ExitWitness {
    fn prepare_imports(
        &self,
        _module: &wasmer::Module,
        store: &mut StoreMut,
        imports: &mut Imports,
    ) -> anyhow::Result<InstantiationState> {
        for namespace in PROC_EXIT_NAMESPACES {
            let Some(Extern::Function(wasix_proc_exit)) = imports.get_export(namespace, "proc_exit") else {
                continue;
            };
            let ty = wasix_proc_exit.ty(store);
            let env = FunctionEnv::new(store, Noted { wasix_proc_exit, witness: self.clone() });
            let noting = Function::new_with_env(store, &env, ty, |mut env: FunctionEnvMut<Noted>, args: &[Value]| {
                let (noted, mut store) = env.data_and_store_mut();
                if let [Value::I32(code)] = args {
                    *noted.witness.slot() = Some(*code);
                }
                noted.wasix_proc_exit.call(&mut store, args).map(Vec::from)
            });
            imports.define(namespace, "proc_exit", noting);
        }
        Ok(InstantiationState::empty())
    }
}
