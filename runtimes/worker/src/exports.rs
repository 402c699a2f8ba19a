//! The signatures of a module's exported functions, read with wasmparser.
//!
//! A worker needs the result types to type what a call returns (JavaScript hands back untyped
//! numbers). Arguments are not checked here: each worker passes them to its runtime the way an
//! embedder in its language would, and the runtime's answer to a call that does not fit is the
//! outcome.

use std::collections::HashMap;

use execmodel_contract::Value;
use wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, TypeRef, ValType};

/// A value type that can cross the adapter boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumType {
    I32,
    I64,
    F32,
    F64,
}

impl NumType {
    pub fn name(self) -> &'static str {
        match self {
            NumType::I32 => "i32",
            NumType::I64 => "i64",
            NumType::F32 => "f32",
            NumType::F64 => "f64",
        }
    }

    pub fn of(value: &Value) -> NumType {
        match value {
            Value::I32(_) => NumType::I32,
            Value::I64(_) => NumType::I64,
            Value::F32(_) => NumType::F32,
            Value::F64(_) => NumType::F64,
        }
    }
}

/// A function signature; `Err` holds the text of a type the harness cannot pass (v128, refs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub params: Vec<Result<NumType, String>>,
    pub results: Vec<Result<NumType, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    Func(Signature),
    /// Not a function: `table`, `memory`, `global`, `tag`.
    Other(&'static str),
}

#[derive(Debug, Default)]
pub struct Exports {
    by_name: HashMap<String, Export>,
}

impl Exports {
    pub fn read(wasm: &[u8]) -> Result<Exports, wasmparser::BinaryReaderError> {
        let mut types: Vec<Option<Signature>> = Vec::new();
        let mut functions: Vec<u32> = Vec::new();
        let mut by_name = HashMap::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for sub_type in group?.into_types() {
                            types.push(match &sub_type.composite_type.inner {
                                CompositeInnerType::Func(func) => Some(Signature {
                                    params: func.params().iter().map(num_type).collect(),
                                    results: func.results().iter().map(num_type).collect(),
                                }),
                                _ => None,
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if let TypeRef::Func(index) | TypeRef::FuncExact(index) = import?.ty {
                            functions.push(index);
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for index in reader {
                        functions.push(index?);
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        let described = match export.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => {
                                let signature = functions
                                    .get(export.index as usize)
                                    .and_then(|type_index| types.get(*type_index as usize))
                                    .cloned()
                                    .flatten();
                                match signature {
                                    Some(signature) => Export::Func(signature),
                                    None => Export::Other("function of unknown type"),
                                }
                            }
                            ExternalKind::Table => Export::Other("table"),
                            ExternalKind::Memory => Export::Other("memory"),
                            ExternalKind::Global => Export::Other("global"),
                            ExternalKind::Tag => Export::Other("tag"),
                        };
                        by_name.insert(export.name.to_string(), described);
                    }
                }
                _ => {}
            }
        }
        Ok(Exports { by_name })
    }

    pub fn get(&self, name: &str) -> Option<&Export> {
        self.by_name.get(name)
    }

    /// The result types of calling `name` with `args`, or why that call cannot be made.
    pub fn result_types(&self, name: &str) -> Result<Vec<NumType>, String> {
        let signature = match self.get(name) {
            None => return Err(format!("the module has no export named `{name}`")),
            Some(Export::Other(kind)) => return Err(format!("export `{name}` is a {kind}, not a function")),
            Some(Export::Func(signature)) => signature,
        };
        // Arguments are not checked here: JavaScript calls an export with whatever it is given
        // (missing ones are `undefined`, extra ones ignored, each converted by the parameter's
        // type), and what V8 does with a call that does not fit is node's answer.
        signature
            .results
            .iter()
            .map(|result| {
                result
                    .clone()
                    .map_err(|unsupported| format!("`{name}` returns a {unsupported}, which cannot be reported"))
            })
            .collect()
    }
}

fn num_type(ty: &ValType) -> Result<NumType, String> {
    match ty {
        ValType::I32 => Ok(NumType::I32),
        ValType::I64 => Ok(NumType::I64),
        ValType::F32 => Ok(NumType::F32),
        ValType::F64 => Ok(NumType::F64),
        other => Err(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exports(wat: &str) -> Exports {
        Exports::read(&wat::parse_str(wat).unwrap()).unwrap()
    }

    #[test]
    fn resolves_signatures_past_imported_functions() {
        let exports = exports(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (func (export "add") (param i64 f32) (result f64 i32) unreachable)
                 (memory (export "memory") 1))"#,
        );
        assert_eq!(exports.result_types("add"), Ok(vec![NumType::F64, NumType::I32]));
        assert_eq!(exports.get("memory"), Some(&Export::Other("memory")));
    }

    #[test]
    fn leaves_argument_checks_to_javascript() {
        let exports = exports(r#"(module (func (export "f") (param i32)) (memory (export "memory") 1))"#);
        let refusal = |_: &[Value], name: &str| exports.result_types(name).unwrap_err();
        // JavaScript passes `undefined` for a missing argument and converts what it is given.
        assert_eq!(exports.result_types("f"), Ok(vec![]));
        assert!(refusal(&[], "nope").contains("no export named `nope`"));
        assert!(refusal(&[], "memory").contains("is a memory, not a function"));
        assert_eq!(exports.result_types("f"), Ok(vec![]));
    }

    #[test]
    fn refuses_types_the_harness_cannot_carry() {
        let exports = exports(r#"(module (func (export "r") (result externref) unreachable))"#);
        assert!(exports.result_types("r").unwrap_err().contains("externref"));
    }
}
