//! A compiled module, shared by the trials of one module across threads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use execmodel_cache::ModuleCache;
use execmodel_contract::{AdapterError, CompiledModule, Limits, Session};
use wasmer::{Engine, Module};

use crate::session::WasmerSession;
use crate::{budget, cached};

/// Metering fixes a module's starting budget at compile time, and a start section or
/// `_initialize` runs before the adapter can refill it; so a module is compiled once per
/// budget (in practice once: the harness runs every trial with the same limits).
pub struct WasmerModule {
    wasm: Arc<[u8]>,
    cache: Option<Arc<ModuleCache>>,
    by_budget: Mutex<HashMap<u64, (Engine, Module)>>,
}

fn compile_metered(wasm: &[u8], budget: u64, cache: Option<&ModuleCache>) -> Result<(Engine, Module), AdapterError> {
    let engine = budget::metered_engine(budget);
    let module = cached::load_or_compile(&engine, budget, wasm, cache)
        .map_err(|err| AdapterError::Compile { runtime: "wasmer".to_string(), message: err.to_string() })?;
    Ok((engine, module))
}

impl WasmerModule {
    pub fn compile(wasm: &[u8], cache: Option<Arc<ModuleCache>>) -> Result<Self, AdapterError> {
        let budget = budget::points_for(Limits::default().budget);
        let compiled = compile_metered(wasm, budget, cache.as_deref())?;
        Ok(WasmerModule { wasm: wasm.into(), cache, by_budget: Mutex::new(HashMap::from([(budget, compiled)])) })
    }

    fn for_budget(&self, budget: u64) -> Result<(Engine, Module), AdapterError> {
        let mut by_budget = self.by_budget.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(compiled) = by_budget.get(&budget) {
            return Ok(compiled.clone());
        }
        let compiled = compile_metered(&self.wasm, budget, self.cache.as_deref())?;
        by_budget.insert(budget, compiled.clone());
        Ok(compiled)
    }
}

impl CompiledModule for WasmerModule {
    fn session(&self, limits: Limits) -> Box<dyn Session> {
        let budget = budget::points_for(limits.budget);
        Box::new(match self.for_budget(budget) {
            Ok((engine, module)) => WasmerSession::new(engine, module, self.wasm.clone(), limits, budget),
            Err(err) => WasmerSession::broken(err.to_string()),
        })
    }
}
