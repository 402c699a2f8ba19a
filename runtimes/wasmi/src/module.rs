//! A compiled module: its engine, the module and a linker holding the WASI preview1 imports.

use std::sync::Arc;

use execmodel_contract::{AdapterError, CompiledModule, Limits, Session};
use wasmi::{Config, Engine, Linker, Module};

use crate::session::WasmiSession;
use crate::wasi::HostState;

/// Everything a session needs, shared by the trials of one module.
pub struct Shared {
    pub engine: Engine,
    pub module: Module,
    pub linker: Linker<HostState>,
}

pub struct WasmiModule(Arc<Shared>);

impl WasmiModule {
    pub fn compile(wasm: &[u8]) -> Result<Self, AdapterError> {
        let compile_error = |message: String| AdapterError::Compile { runtime: crate::NAME.to_string(), message };
        let engine = Engine::new(&engine_config());
        let module = Module::new(&engine, wasm).map_err(|error| compile_error(error.to_string()))?;
        let mut linker = Linker::new(&engine);
        wasmi_wasi::add_to_linker(&mut linker, |state: &mut HostState| &mut state.wasi)
            .map_err(|error| AdapterError::Other(format!("wasmi_wasi::add_to_linker failed: {error}")))?;
        Ok(WasmiModule(Arc::new(Shared { engine, module, linker })))
    }
}

/// Fuel on (the step budget, see `budget.rs`); wasmi's own call-stack limits otherwise.
/// Eager translation: under lazy translation wasmi charges a function's translation to the fuel
/// of the call that first reaches it, so a step's fuel would count the compiler's work as well
/// as the guest's (Go modules reach hundreds of functions at start-up).
fn engine_config() -> Config {
    let mut config = Config::default();
    config.consume_fuel(true);
    config.compilation_mode(wasmi::CompilationMode::Eager);
    config
}

impl CompiledModule for WasmiModule {
    fn session(&self, limits: Limits) -> Box<dyn Session> {
        Box::new(WasmiSession::new(Arc::clone(&self.0), limits))
    }
}
