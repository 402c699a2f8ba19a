//! Compiled modules kept on disk between processes (`execmodel-cache`), so a warm test run loads
//! the corpus instead of compiling it with Cranelift again.

use execmodel_cache::{Key, KeyBuilder, ModuleCache};
use wasmer::sys::NativeEngineExt;
use wasmer::{Engine, Module};

use crate::{budget, VERSION};

/// `engine` must be `budget::metered_engine(budget)`: the budget is compiled into the code.
pub fn load_or_compile(
    engine: &Engine,
    budget: u64,
    wasm: &[u8],
    cache: Option<&ModuleCache>,
) -> Result<Module, wasmer::CompileError> {
    execmodel_cache::load_or_compile(
        cache,
        || key(engine, budget, wasm),
        |bytes| deserialize(engine, bytes),
        || Module::new(engine, wasm),
        |module| module.serialize().ok().map(Vec::from),
    )
}

/// wasmer checks little of an artifact against the engine loading it, so the key carries all
/// that shapes the code: version, compiler settings, target and CPU features, and the metering
/// middleware with its starting budget (a module compiled for another budget would run out of
/// points at the wrong time).
fn key(engine: &Engine, budget: u64, wasm: &[u8]) -> Key {
    KeyBuilder::new()
        .text("runtime", &format!("wasmer {VERSION}"))
        .text("compiler", &engine.deterministic_id())
        .hashed("target", engine.target())
        .text("metering", budget::METERING_SCHEME)
        .hashed("budget", budget)
        .bytes("wasm", wasm)
        .finish()
}

fn deserialize(engine: &Engine, bytes: &[u8]) -> Option<Module> {
    // SAFETY: `Module::deserialize` loads `bytes` as executable code and must be given the output
    // of `Module::serialize`. The cache only hands over entries whose BLAKE3 digest matches, and
    // only this adapter writes entries in this namespace: each is the `Module::serialize` of a
    // module compiled under this same key (wasmer version, compiler settings, target, metering
    // scheme and budget, wasm bytes), written by this project's own processes into the target
    // directory of this build. Bytes rejected anyway are recompiled, not an error.
    unsafe { Module::deserialize(engine, bytes) }.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use wasmer::{imports, Instance, Store};

    const FORTY_TWO: &str = r#"(module (func (export "answer") (result i32) i32.const 42))"#;
    const BUDGET: u64 = 1 << 30;

    fn answer(engine: &Engine, module: &Module) -> i32 {
        let mut store = Store::new(engine.clone());
        let instance = Instance::new(&mut store, module, &imports! {}).unwrap();
        instance.exports.get_typed_function::<(), i32>(&store, "answer").unwrap().call(&mut store).unwrap()
    }

    fn setup() -> (tempfile::TempDir, ModuleCache, Engine, Vec<u8>) {
        let root = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(root.path(), &format!("wasmer-{VERSION}"));
        (root, cache, budget::metered_engine(BUDGET), wat::parse_str(FORTY_TWO).unwrap())
    }

    fn entry(cache: &ModuleCache, engine: &Engine, wasm: &[u8]) -> PathBuf {
        cache.entry_path(&key(engine, BUDGET, wasm))
    }

    #[test]
    fn a_compiled_module_is_stored_and_loaded_back_with_its_metering() {
        let (_root, cache, engine, wasm) = setup();
        assert_eq!(answer(&engine, &load_or_compile(&engine, BUDGET, &wasm, Some(&cache)).unwrap()), 42);
        let stored = cache.load(&key(&engine, BUDGET, &wasm)).expect("an entry after the first compile");
        let fresh = budget::metered_engine(BUDGET);
        let loaded = deserialize(&fresh, &stored).expect("the entry deserializes");
        assert_eq!(answer(&fresh, &loaded), 42);
        let exports: Vec<_> = loaded.exports().map(|export| export.name().to_string()).collect();
        assert!(exports.iter().any(|name| name == "wasmer_metering_remaining_points"), "{exports:?}");
    }

    #[test]
    fn garbage_a_truncated_entry_or_a_non_artifact_is_recompiled() {
        let (_root, cache, engine, wasm) = setup();
        load_or_compile(&engine, BUDGET, &wasm, Some(&cache)).unwrap();
        let path = entry(&cache, &engine, &wasm);
        let intact = std::fs::read(&path).unwrap();
        for garbage in [b"garbage".to_vec(), intact[..intact.len() / 2].to_vec()] {
            std::fs::write(&path, garbage).unwrap();
            let engine = budget::metered_engine(BUDGET);
            assert_eq!(answer(&engine, &load_or_compile(&engine, BUDGET, &wasm, Some(&cache)).unwrap()), 42);
            assert!(cache.load(&key(&engine, BUDGET, &wasm)).is_some(), "the entry is rewritten intact");
        }
        // Intact as an entry, but not something wasmer serialized.
        cache.store(&key(&engine, BUDGET, &wasm), b"not a wasmer artifact");
        let engine = budget::metered_engine(BUDGET);
        assert_eq!(answer(&engine, &load_or_compile(&engine, BUDGET, &wasm, Some(&cache)).unwrap()), 42);
    }

    #[test]
    fn the_budget_and_the_module_are_part_of_the_key() {
        let engine = budget::metered_engine(BUDGET);
        let wasm = wat::parse_str(FORTY_TWO).unwrap();
        assert_eq!(key(&engine, BUDGET, &wasm), key(&engine, BUDGET, &wasm));
        assert_ne!(key(&engine, BUDGET, &wasm), key(&engine, BUDGET + 1, &wasm));
        assert_ne!(key(&engine, BUDGET, &wasm), key(&engine, BUDGET, &wat::parse_str("(module)").unwrap()));
    }
}
