//! Static classification of a module: command, reactor, both, or not WASI — read from its
//! imports and exports with wasmparser, without running anything.

use std::fmt;

use serde::Deserialize;
use wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, TypeRef, Validator};

const WASI_MODULES: [&str; 2] = ["wasi_snapshot_preview1", "wasi_unstable"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModuleKind {
    /// Exports a function `_start` (and no function `_initialize`).
    Command,
    /// Any other WASI module; it may export `_initialize`.
    Reactor,
    /// Exports both `_start` and `_initialize`, which the ABI says is an error.
    Both,
    /// Exports neither entry point and imports nothing from WASI.
    NotWasi,
}

impl ModuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleKind::Command => "command",
            ModuleKind::Reactor => "reactor",
            ModuleKind::Both => "both",
            ModuleKind::NotWasi => "not-wasi",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub kind: ModuleKind,
    /// Exports a function named `_initialize`.
    pub initialize: bool,
    /// Exports a memory named `memory`.
    pub memory: bool,
    /// Every exported `_start`/`_initialize` is a function of type `() -> ()`.
    pub signatures_valid: bool,
}

/// Everything a static read finds: the classification plus human-readable ABI warnings.
#[derive(Debug, Clone)]
pub struct Inspection {
    pub classification: Classification,
    pub warnings: Vec<String>,
    pub exported_functions: Vec<ExportedFunction>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFunction {
    pub name: String,
    pub params: usize,
    pub results: usize,
}

/// The bytes are not a valid core module; `offset` is where reading failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message} (at byte offset {offset:#x})")]
pub struct InvalidModule {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kind = {}, initialize = {}, memory = {}, signatures = {}",
            self.kind.as_str(),
            self.initialize,
            self.memory,
            if self.signatures_valid { "valid" } else { "invalid" }
        )
    }
}

pub fn inspect(bytes: &[u8]) -> Result<Inspection, InvalidModule> {
    let invalid =
        |err: wasmparser::BinaryReaderError| InvalidModule { offset: err.offset(), message: err.message().to_string() };
    if !bytes.starts_with(b"\0asm") {
        return Err(InvalidModule {
            offset: 0,
            message: "not a WebAssembly module: the file does not start with the `\\0asm` magic bytes".into(),
        });
    }
    if bytes.len() >= 8 && bytes[4..8] != [1, 0, 0, 0] {
        return Err(InvalidModule {
            offset: 4,
            message: "this is a WebAssembly component, not a core module; execmodel tests core WASI (preview1) modules"
                .into(),
        });
    }
    Validator::new().validate_all(bytes).map_err(invalid)?;

    // Function type of every function index (imports first), as (params, results).
    let mut types: Vec<Option<(usize, usize)>> = Vec::new();
    let mut functions: Vec<(usize, usize)> = Vec::new();
    let mut imports_wasi = false;
    let mut exports: Vec<(String, ExternalKind, u32)> = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group.map_err(invalid)?.into_types() {
                        types.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => Some((f.params().len(), f.results().len())),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    imports_wasi |= WASI_MODULES.contains(&import.module);
                    if let TypeRef::Func(index) = import.ty {
                        functions.push(types.get(index as usize).copied().flatten().unwrap_or((0, 0)));
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for index in reader {
                    let index = index.map_err(invalid)?;
                    functions.push(types.get(index as usize).copied().flatten().unwrap_or((0, 0)));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(invalid)?;
                    exports.push((export.name.to_string(), export.kind, export.index));
                }
            }
            _ => {}
        }
    }

    let entry_signature = |name: &str| -> Option<bool> {
        exports
            .iter()
            .find(|(n, ..)| n == name)
            .map(|(_, kind, index)| *kind == ExternalKind::Func && functions.get(*index as usize) == Some(&(0, 0)))
    };
    let start = entry_signature("_start");
    let initialize = entry_signature("_initialize");
    // The ABI's entry points are functions: an export of another kind under the name makes
    // neither a command nor an initialising reactor (it is still an invalid signature).
    let exports_function = |name: &str| exports.iter().any(|(n, kind, _)| n == name && *kind == ExternalKind::Func);
    let memory = exports.iter().any(|(name, kind, _)| name == "memory" && *kind == ExternalKind::Memory);
    let kind = match (exports_function("_start"), exports_function("_initialize")) {
        (true, true) => ModuleKind::Both,
        (true, false) => ModuleKind::Command,
        (false, true) => ModuleKind::Reactor,
        (false, false) if imports_wasi => ModuleKind::Reactor,
        (false, false) => ModuleKind::NotWasi,
    };
    let classification = Classification {
        kind,
        initialize: exports_function("_initialize"),
        memory,
        signatures_valid: start.unwrap_or(true) && initialize.unwrap_or(true),
    };

    let mut warnings = Vec::new();
    if kind == ModuleKind::Both {
        warnings.push("exports both `_start` and `_initialize`: the ABI says runtimes should report an error".into());
    }
    if !memory && kind != ModuleKind::NotWasi {
        warnings.push("does not export `memory`: WASI modules must".into());
    }
    for (name, valid) in [("_start", start), ("_initialize", initialize)] {
        if valid == Some(false) {
            warnings.push(format!("`{name}` is not a function of type `() -> ()`"));
        }
    }

    let exported_functions = exports
        .iter()
        .filter(|(_, kind, _)| *kind == ExternalKind::Func)
        .map(|(name, _, index)| {
            let (params, results) = functions.get(*index as usize).copied().unwrap_or((0, 0));
            ExportedFunction { name: name.clone(), params, results }
        })
        .collect();
    Ok(Inspection { classification, warnings, exported_functions })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(wat: &str) -> Classification {
        inspect(&wat::parse_str(wat).unwrap()).unwrap().classification
    }

    const WASI_IMPORT: &str = r#"(import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))"#;

    #[test]
    fn command_reactor_both_and_neither() {
        let command =
            classify(&format!(r#"(module {WASI_IMPORT} (memory (export "memory") 1) (func (export "_start")))"#));
        assert_eq!(
            command,
            Classification { kind: ModuleKind::Command, initialize: false, memory: true, signatures_valid: true }
        );
        let reactor = classify(r#"(module (memory (export "memory") 1) (func (export "_initialize")))"#);
        assert_eq!((reactor.kind, reactor.initialize), (ModuleKind::Reactor, true));
        let bare_reactor = classify(&format!(r#"(module {WASI_IMPORT} (func (export "f")))"#));
        assert_eq!(
            (bare_reactor.kind, bare_reactor.initialize, bare_reactor.memory),
            (ModuleKind::Reactor, false, false)
        );
        let both = classify(r#"(module (func (export "_start")) (func (export "_initialize")))"#);
        assert_eq!(both.kind, ModuleKind::Both);
        assert_eq!(classify("(module)").kind, ModuleKind::NotWasi);
    }

    #[test]
    fn wrong_entry_signatures_are_invalid() {
        assert!(!classify(r#"(module (func (export "_start") (param i32)))"#).signatures_valid);
        assert!(!classify(r#"(module (func (export "_initialize") (result i32) i32.const 0))"#).signatures_valid);
        assert!(!classify(r#"(module (global (export "_initialize") i32 (i32.const 0)))"#).signatures_valid);
        let global_start = classify(&format!(r#"(module {WASI_IMPORT} (global (export "_start") i32 (i32.const 0)))"#));
        assert_eq!((global_start.kind, global_start.signatures_valid), (ModuleKind::Reactor, false));
        let global_initialize =
            classify(&format!(r#"(module {WASI_IMPORT} (global (export "_initialize") i32 (i32.const 0)))"#));
        assert_eq!((global_initialize.kind, global_initialize.initialize), (ModuleKind::Reactor, false));
        // An imported function re-exported as `_start` counts by its own type.
        let reexported = format!(r#"(module {WASI_IMPORT} (export "_start" (func 0)))"#);
        assert!(!classify(&reexported).signatures_valid);
    }

    #[test]
    fn truncated_module_reports_offset() {
        let bytes = wat::parse_str(r#"(module (func (export "_start")))"#).unwrap();
        let err = inspect(&bytes[..bytes.len() - 3]).unwrap_err();
        assert!(err.offset > 8 && err.offset <= bytes.len(), "{err}");
        assert!(err.to_string().contains("byte offset"), "{err}");
    }

    #[test]
    fn non_wasm_and_components_are_clear_errors() {
        let not_wasm = inspect(b"#!/bin/sh\necho hi\n").unwrap_err().to_string();
        assert!(not_wasm.contains("magic") && !not_wasm.contains('\n'), "{not_wasm}");
        let component = wat::parse_str("(component)").unwrap();
        assert!(inspect(&component).unwrap_err().to_string().contains("component"));
    }
}
