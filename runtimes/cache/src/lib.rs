//! An on-disk cache of compiled modules for the in-process adapters whose runtimes can serialize
//! compiled code (wasmtime, wasmer), so that a warm `cargo test` does not recompile the corpus.
//!
//! Entries live at `<root>/<runtime>-<version>/<key>.bin`, the root normally being
//! `target/execmodel-cache` ([`default_root`]). An adapter keys each module on everything that
//! decides its compiled code and calls [`load_or_compile`]. What reaches the adapter's
//! deserializer is, byte for byte, what its serializer produced under the same key: entries carry
//! a digest of their payload and are replaced atomically, so a corrupt, truncated or half-written
//! file is recompiled instead (see `entry.rs`). An adapter gets a cache only when asked
//! (the harness registry asks), so adapter tests stay hermetic.

mod entry;
mod key;
mod location;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub use key::{Key, KeyBuilder};
pub use location::{default_root, target_dir, DIR_NAME, DIR_VAR, SWITCH_VAR};

/// The entries of one runtime version.
#[derive(Debug)]
pub struct ModuleCache {
    dir: PathBuf,
    warned: AtomicBool,
}

impl ModuleCache {
    /// The cache below `root` for `namespace`, e.g. `wasmtime-48.0.0`. Nothing is created until
    /// the first entry is stored.
    pub fn new(root: &Path, namespace: &str) -> Self {
        ModuleCache { dir: root.join(namespace), warned: AtomicBool::new(false) }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn entry_path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{key}.bin"))
    }

    /// The payload stored under `key`, if an intact entry is there.
    pub fn load(&self, key: &Key) -> Option<Vec<u8>> {
        let entry = fs::read(self.entry_path(key)).ok()?;
        entry::unseal(&entry).map(<[u8]>::to_vec)
    }

    /// Store `payload` under `key`. A cache that cannot be written only costs speed: the first
    /// failure is reported once on stderr, none fails a trial.
    pub fn store(&self, key: &Key, payload: &[u8]) {
        let written = fs::create_dir_all(&self.dir).and_then(|()| entry::write_sealed(&self.entry_path(key), payload));
        if let Err(err) = written {
            if !self.warned.swap(true, Ordering::Relaxed) {
                eprintln!("note: not caching compiled modules in {}: {err}", self.dir.display());
            }
        }
    }
}

/// `compile()`, unless `cache` holds an intact entry for `key()` that `deserialize` accepts. A
/// fresh compilation is stored through `serialize` (`None`: not cacheable), replacing an entry
/// that the runtime rejected.
pub fn load_or_compile<M, E>(
    cache: Option<&ModuleCache>,
    key: impl FnOnce() -> Key,
    deserialize: impl FnOnce(&[u8]) -> Option<M>,
    compile: impl FnOnce() -> Result<M, E>,
    serialize: impl FnOnce(&M) -> Option<Vec<u8>>,
) -> Result<M, E> {
    let Some(cache) = cache else { return compile() };
    let key = key();
    if let Some(module) = fs::read(cache.entry_path(&key)).ok().as_deref().and_then(entry::unseal).and_then(deserialize)
    {
        return Ok(module);
    }
    let module = compile()?;
    if let Some(payload) = serialize(&module) {
        cache.store(&key, &payload);
    }
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A "runtime" whose compiled module is the upper-cased source and whose deserializer
    /// rejects anything not upper case, counting compilations.
    fn compile_through(cache: Option<&ModuleCache>, source: &str, compiles: &Cell<u32>) -> String {
        load_or_compile(
            cache,
            || KeyBuilder::new().text("source", source).finish(),
            |bytes| String::from_utf8(bytes.to_vec()).ok().filter(|s| *s == s.to_uppercase()),
            || {
                compiles.set(compiles.get() + 1);
                Ok::<_, ()>(source.to_uppercase())
            },
            |module| Some(module.clone().into_bytes()),
        )
        .unwrap()
    }

    fn only_entry(cache: &ModuleCache) -> PathBuf {
        let entries: Vec<_> = fs::read_dir(cache.dir()).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        entries[0].clone()
    }

    #[test]
    fn the_second_compile_is_a_load() {
        let root = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(root.path(), "toy-1.0");
        let compiles = Cell::new(0);
        assert_eq!(compile_through(Some(&cache), "abc", &compiles), "ABC");
        assert_eq!(compile_through(Some(&cache), "abc", &compiles), "ABC");
        assert_eq!(compiles.get(), 1);
        assert!(only_entry(&cache).starts_with(root.path().join("toy-1.0")));
    }

    #[test]
    fn without_a_cache_every_compile_compiles_and_nothing_is_written() {
        let compiles = Cell::new(0);
        compile_through(None, "abc", &compiles);
        compile_through(None, "abc", &compiles);
        assert_eq!(compiles.get(), 2);
    }

    #[test]
    fn garbage_in_an_entry_is_recompiled_and_replaced() {
        let root = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(root.path(), "toy-1.0");
        let compiles = Cell::new(0);
        compile_through(Some(&cache), "abc", &compiles);
        let entry = only_entry(&cache);
        let intact = fs::read(&entry).unwrap();
        for garbage in [b"garbage".to_vec(), intact[..intact.len() - 1].to_vec(), Vec::new()] {
            fs::write(&entry, &garbage).unwrap();
            assert_eq!(compile_through(Some(&cache), "abc", &compiles), "ABC");
            assert_eq!(fs::read(&entry).unwrap(), intact, "the entry is rewritten");
        }
        assert_eq!(compiles.get(), 4);
    }

    #[test]
    fn an_intact_entry_the_runtime_rejects_is_recompiled_and_replaced() {
        let root = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(root.path(), "toy-1.0");
        let compiles = Cell::new(0);
        compile_through(Some(&cache), "abc", &compiles);
        let key = KeyBuilder::new().text("source", "abc").finish();
        cache.store(&key, b"lower case: rejected");
        assert_eq!(compile_through(Some(&cache), "abc", &compiles), "ABC");
        assert_eq!(compiles.get(), 2);
        assert_eq!(cache.load(&key).as_deref(), Some(&b"ABC"[..]));
    }

    #[test]
    fn an_unwritable_cache_still_compiles() {
        let root = tempfile::tempdir().unwrap();
        let blocker = root.path().join("file");
        fs::write(&blocker, "not a directory").unwrap();
        let cache = ModuleCache::new(&blocker, "toy-1.0");
        let compiles = Cell::new(0);
        assert_eq!(compile_through(Some(&cache), "abc", &compiles), "ABC");
        assert_eq!(compile_through(Some(&cache), "abc", &compiles), "ABC");
        assert_eq!(compiles.get(), 2);
    }

    #[test]
    fn parallel_writers_and_readers_only_ever_see_whole_entries() {
        let root = tempfile::tempdir().unwrap();
        let cache = ModuleCache::new(root.path(), "toy-1.0");
        let key = KeyBuilder::new().text("source", "big").finish();
        let payloads: Vec<Vec<u8>> = (0..4u8).map(|n| vec![n; 1 << 20]).collect();
        let (cache, payloads) = (&cache, &payloads);
        std::thread::scope(|scope| {
            for payload in payloads {
                scope.spawn(move || (0..10).for_each(|_| cache.store(&key, payload)));
                scope.spawn(move || {
                    for _ in 0..50 {
                        if let Some(loaded) = cache.load(&key) {
                            assert!(payloads.contains(&loaded), "a torn entry was loaded");
                        }
                    }
                });
            }
        });
        assert_eq!(only_entry(cache), cache.entry_path(&key));
    }
}
