//! The parameter and result types of a module's exported functions, read from the binary: an
//! invoked export's results come back as text on stdout and need their types to be parsed.

use std::collections::HashMap;

use wasmparser::{CompositeInnerType, ExternalKind, Parser, Payload, TypeRef, ValType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// Exported functions by name. A module wasmparser cannot read yields what was read before the
/// problem: the CLI itself reports on such a module.
pub fn exported_functions(wasm: &[u8]) -> HashMap<String, Signature> {
    let mut types: Vec<Option<Signature>> = Vec::new();
    let mut functions: Vec<u32> = Vec::new();
    let mut exports = HashMap::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader.into_iter().flatten() {
                    for sub in group.into_types() {
                        types.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(func) => {
                                Some(Signature { params: func.params().to_vec(), results: func.results().to_vec() })
                            }
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports().flatten() {
                    if let TypeRef::Func(index) | TypeRef::FuncExact(index) = import.ty {
                        functions.push(index);
                    }
                }
            }
            Payload::FunctionSection(reader) => functions.extend(reader.into_iter().flatten()),
            Payload::ExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    if export.kind != ExternalKind::Func {
                        continue;
                    }
                    let signature =
                        functions.get(export.index as usize).and_then(|&ty| types.get(ty as usize).cloned().flatten());
                    if let Some(signature) = signature {
                        exports.insert(export.name.to_string(), signature);
                    }
                }
            }
            _ => {}
        }
    }
    exports
}
