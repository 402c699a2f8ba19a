//! Compiled modules kept on disk between processes (`execmodel-cache`), so a warm test run loads
//! the corpus instead of compiling it with Cranelift again.

use execmodel_cache::{Key, KeyBuilder, ModuleCache};
use wasmtime::{Engine, Module};

use crate::VERSION;

pub fn load_or_compile(engine: &Engine, wasm: &[u8], cache: Option<&ModuleCache>) -> wasmtime::Result<Module> {
    execmodel_cache::load_or_compile(
        cache,
        || key(engine, wasm),
        |bytes| deserialize(engine, bytes),
        || Module::new(engine, wasm),
        |module| module.serialize().ok(),
    )
}

/// The compatibility hash covers what wasmtime checks on deserialize (its version, target, ISA
/// flags, features and the code-affecting settings such as fuel).
fn key(engine: &Engine, wasm: &[u8]) -> Key {
    KeyBuilder::new()
        .text("runtime", &format!("wasmtime {VERSION}"))
        .hashed("engine", engine.precompile_compatibility_hash())
        .bytes("wasm", wasm)
        .finish()
}

fn deserialize(engine: &Engine, bytes: &[u8]) -> Option<Module> {
    // SAFETY: `Module::deserialize` maps `bytes` as executable code and so must be given the
    // output of `Module::serialize` from a compatible engine. The cache only hands over entries
    // whose BLAKE3 digest matches, and only this adapter writes entries in this namespace: each
    // is the `Module::serialize` of a module compiled under this same key (wasmtime version,
    // engine compatibility hash, wasm bytes), written by this project's own processes into the
    // target directory of this build. wasmtime also refuses an incompatible engine's code itself;
    // that is a recompile, not an error. The bytes are checked in memory and deserialized from
    // that same buffer (not `deserialize_file`), so the file cannot change in between.
    unsafe { Module::deserialize(engine, bytes) }.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const FORTY_TWO: &str = r#"(module (func (export "answer") (result i32) i32.const 42))"#;

    fn answer(module: &Module) -> i32 {
        let mut store = wasmtime::Store::new(module.engine(), ());
        store.set_fuel(1 << 40).unwrap();
        let instance = wasmtime::Instance::new(&mut store, module, &[]).unwrap();
        instance.get_typed_func::<(), i32>(&mut store, "answer").unwrap().call(&mut store, ()).unwrap()
    }

    fn setup() -> (tempfile::TempDir, ModuleCache, &'static Engine, Vec<u8>) {
        let root = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(root.path(), &format!("wasmtime-{VERSION}"));
        (root, cache, crate::engine::shared().unwrap(), wat::parse_str(FORTY_TWO).unwrap())
    }

    fn entry(cache: &ModuleCache, engine: &Engine, wasm: &[u8]) -> PathBuf {
        cache.entry_path(&key(engine, wasm))
    }

    #[test]
    fn a_compiled_module_is_stored_and_loaded_back() {
        let (_root, cache, engine, wasm) = setup();
        assert_eq!(answer(&load_or_compile(engine, &wasm, Some(&cache)).unwrap()), 42);
        let stored = cache.load(&key(engine, &wasm)).expect("an entry after the first compile");
        let loaded = deserialize(engine, &stored).expect("the entry deserializes");
        assert_eq!(answer(&loaded), 42);
        assert_eq!(answer(&load_or_compile(engine, &wasm, Some(&cache)).unwrap()), 42);
    }

    #[test]
    fn garbage_or_a_truncated_entry_is_recompiled() {
        let (_root, cache, engine, wasm) = setup();
        load_or_compile(engine, &wasm, Some(&cache)).unwrap();
        let path = entry(&cache, engine, &wasm);
        let intact = std::fs::read(&path).unwrap();
        for garbage in [b"\x7fELF and then nonsense".to_vec(), intact[..intact.len() / 2].to_vec()] {
            std::fs::write(&path, garbage).unwrap();
            assert_eq!(answer(&load_or_compile(engine, &wasm, Some(&cache)).unwrap()), 42);
            assert!(cache.load(&key(engine, &wasm)).is_some(), "the entry is rewritten intact");
        }
    }

    #[test]
    fn an_intact_entry_from_an_incompatible_engine_is_recompiled() {
        let (_root, cache, engine, wasm) = setup();
        let other_engine = Engine::new(wasmtime::Config::new().consume_fuel(false)).unwrap();
        let foreign = Module::new(&other_engine, &wasm).unwrap().serialize().unwrap();
        cache.store(&key(engine, &wasm), &foreign);
        assert!(deserialize(engine, &foreign).is_none(), "wasmtime refuses it itself");
        assert_eq!(answer(&load_or_compile(engine, &wasm, Some(&cache)).unwrap()), 42);
        let replaced = cache.load(&key(engine, &wasm)).unwrap();
        assert!(deserialize(engine, &replaced).is_some());
    }

    #[test]
    fn the_key_follows_the_module_and_the_engine_settings() {
        let engine = crate::engine::shared().unwrap();
        let other_engine = Engine::new(wasmtime::Config::new().consume_fuel(false)).unwrap();
        let wasm = wat::parse_str(FORTY_TWO).unwrap();
        assert_eq!(key(engine, &wasm), key(engine, &wasm));
        assert_ne!(key(engine, &wasm), key(&other_engine, &wasm));
        assert_ne!(key(engine, &wasm), key(engine, &wat::parse_str("(module)").unwrap()));
    }
}
