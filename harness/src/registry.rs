//! The runtimes this build knows. Adding a runtime is one line here plus its adapter crate.

use std::sync::Arc;

use execmodel_contract::Runtime;

pub struct RuntimeEntry {
    pub name: &'static str,
    /// Runs inside this process (as opposed to driving an external program).
    pub embedded: bool,
    pub make: fn() -> Arc<dyn Runtime>,
}

pub const RUNTIMES: &[RuntimeEntry] = &[
    RuntimeEntry { name: "wasmtime", embedded: true, make: execmodel_wasmtime::runtime },
    RuntimeEntry { name: "wasmer", embedded: true, make: execmodel_wasmer::runtime },
    RuntimeEntry { name: "wasmi", embedded: true, make: execmodel_wasmi::runtime },
    RuntimeEntry { name: "node", embedded: false, make: execmodel_node::runtime },
];

pub fn known_names() -> Vec<&'static str> {
    RUNTIMES.iter().map(|entry| entry.name).collect()
}

pub fn find(name: &str) -> Option<&'static RuntimeEntry> {
    RUNTIMES.iter().find(|entry| entry.name == name)
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
