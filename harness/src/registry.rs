//! The runtimes this build knows. Adding a runtime is one line here plus its adapter crate.

use std::sync::Arc;

use execmodel_contract::Runtime;

pub struct RuntimeEntry {
    pub name: &'static str,
    /// Runs inside this process (as opposed to driving an external program).
    pub embedded: bool,
    pub make: fn() -> Arc<dyn Runtime>,
}

/// wasmtime and wasmer keep compiled modules in the on-disk cache (`target/execmodel-cache`
/// unless `EXECMODEL_CACHE_DIR` or `EXECMODEL_CACHE=off` say otherwise), so a warm run of the
/// suite does not compile the corpus again.
pub const RUNTIMES: &[RuntimeEntry] = &[
    RuntimeEntry {
        name: "wasmtime",
        embedded: true,
        make: || execmodel_wasmtime::runtime_with_cache(execmodel_cache::default_root().as_deref()),
    },
    RuntimeEntry {
        name: "wasmer",
        embedded: true,
        make: || execmodel_wasmer::runtime_with_cache(execmodel_cache::default_root().as_deref()),
    },
    #[cfg(feature = "wasmtime-36")]
    RuntimeEntry {
        name: "wasmtime-36",
        embedded: true,
        make: || execmodel_wasmtime_36::runtime_with_cache(execmodel_cache::default_root().as_deref()),
    },
    RuntimeEntry { name: "wasmi", embedded: true, make: execmodel_wasmi::runtime },
    RuntimeEntry { name: "node", embedded: false, make: execmodel_node::runtime },
    RuntimeEntry { name: "wasm-util", embedded: false, make: || execmodel_node::polyfill_runtime(execmodel_node::Wasi::WasmUtil) },
    RuntimeEntry {
        name: "browser-wasi-shim",
        embedded: false,
        make: || execmodel_node::polyfill_runtime(execmodel_node::Wasi::BrowserWasiShim),
    },
    RuntimeEntry { name: "bun", embedded: false, make: execmodel_node::bun_runtime },
    RuntimeEntry { name: "wazero", embedded: false, make: || execmodel_wazero::runtime(execmodel_wazero::Engine::Compiler) },
    RuntimeEntry {
        name: "wazero-interpreter",
        embedded: false,
        make: || execmodel_wazero::runtime(execmodel_wazero::Engine::Interpreter),
    },
    RuntimeEntry { name: "chicory", embedded: false, make: || execmodel_chicory::runtime(execmodel_chicory::Engine::Interpreter) },
    RuntimeEntry {
        name: "chicory-compiler",
        embedded: false,
        make: || execmodel_chicory::runtime(execmodel_chicory::Engine::Compiler),
    },
    RuntimeEntry { name: "wasmtime-cli", embedded: false, make: || execmodel_cli::runtime("wasmtime-cli") },
    RuntimeEntry { name: "wazero-cli", embedded: false, make: || execmodel_cli::runtime("wazero-cli") },
    RuntimeEntry { name: "wasmedge", embedded: false, make: || execmodel_cli::runtime("wasmedge") },
    RuntimeEntry { name: "iwasm", embedded: false, make: || execmodel_cli::runtime("iwasm") },
    RuntimeEntry { name: "wasmer-cli", embedded: false, make: || execmodel_cli::runtime("wasmer-cli") },
    // The CLI adapter's `node-wasi` table is proven by runtimes/cli's own tests; it is not a
    // matrix column yet because its wrapper reads guest arguments after `--invoke` as call
    // arguments, which makes `instantiate` + `start` scenarios with argv unexpressible there.
];

/// Other builds of a runtime beside its main column, `(other, main)`: an older major (only builds
/// with the matching cargo feature run it) or another engine of the same runtime. The main
/// column's deviation tables apply to the other unless it has its own, so an expectation file
/// records only what differs between the two.
pub const OLDER_MAJORS: &[(&str, &str)] = &[("wasmtime-36", "wasmtime"), ("wazero-interpreter", "wazero"), ("chicory-compiler", "chicory")];

/// The names expectation files may use: every runtime of this build and every optional one.
pub fn known_names() -> Vec<&'static str> {
    let mut names: Vec<_> = RUNTIMES.iter().map(|entry| entry.name).collect();
    for (older, _) in OLDER_MAJORS {
        if !names.contains(older) {
            names.push(older);
        }
    }
    names
}

/// Whose deviation tables apply to `runtime`, in order: its own, then its current major's.
pub fn deviation_sources(runtime: &str) -> Vec<&str> {
    let mut sources = vec![runtime];
    sources.extend(OLDER_MAJORS.iter().filter(|(older, _)| *older == runtime).map(|(_, current)| *current));
    sources
}

pub fn find(name: &str) -> Option<&'static RuntimeEntry> {
    RUNTIMES.iter().find(|entry| entry.name == name)
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
