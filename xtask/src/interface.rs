//! A module's interface — imports, exports and the signatures of functions among them — for
//! comparing two builds when byte equality cannot be expected (another toolchain version).

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use wasmparser::{CompositeInnerType, ExternalKind, FuncType, Parser, Payload, TypeRef};

/// One line per import and export, e.g. `import wasi_snapshot_preview1.fd_write: func (i32, i32, i32, i32) -> (i32)`.
pub fn describe(bytes: &[u8]) -> Result<BTreeSet<String>> {
    let mut types: Vec<Option<String>> = Vec::new();
    let mut functions: Vec<Option<String>> = Vec::new();
    let mut lines = BTreeSet::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.context("not a valid module")? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.into_types() {
                        types.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(func) => Some(signature(func)),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let what = match import.ty {
                        TypeRef::Func(index) => {
                            let sig = type_at(&types, index);
                            functions.push(Some(sig.clone()));
                            format!("func {sig}")
                        }
                        TypeRef::Memory(_) => "memory".into(),
                        TypeRef::Table(_) => "table".into(),
                        TypeRef::Global(_) => "global".into(),
                        other => format!("{other:?}"),
                    };
                    lines.insert(format!("import {}.{}: {what}", import.module, import.name));
                }
            }
            Payload::FunctionSection(reader) => {
                for index in reader {
                    functions.push(Some(type_at(&types, index?)));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let what = match export.kind {
                        ExternalKind::Func => {
                            let sig = functions.get(export.index as usize).cloned().flatten();
                            format!("func {}", sig.unwrap_or_else(|| "?".into()))
                        }
                        ExternalKind::Memory => "memory".into(),
                        ExternalKind::Table => "table".into(),
                        ExternalKind::Global => "global".into(),
                        other => format!("{other:?}"),
                    };
                    lines.insert(format!("export {}: {what}", export.name));
                }
            }
            _ => {}
        }
    }
    Ok(lines)
}

fn type_at(types: &[Option<String>], index: u32) -> String {
    types.get(index as usize).cloned().flatten().unwrap_or_else(|| format!("type {index}"))
}

fn signature(func: &FuncType) -> String {
    let list = |types: &[wasmparser::ValType]| types.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
    format!("({}) -> ({})", list(func.params()), list(func.results()))
}

/// Lines only in `committed` (prefixed `-`) and only in `rebuilt` (prefixed `+`).
pub fn difference(committed: &BTreeSet<String>, rebuilt: &BTreeSet<String>) -> Vec<String> {
    let removed = committed.difference(rebuilt).map(|line| format!("- {line}"));
    let added = rebuilt.difference(committed).map(|line| format!("+ {line}"));
    removed.chain(added).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_imports_exports_and_signatures() {
        let bytes = wat::parse_str(
            r#"(module
                 (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
                 (memory (export "memory") 1)
                 (func (export "bump") (param i64) (result i32) i32.const 0))"#,
        )
        .unwrap();
        let lines = describe(&bytes).unwrap();
        let expected = [
            "export bump: func (i64) -> (i32)",
            "export memory: memory",
            "import wasi_snapshot_preview1.proc_exit: func (i32) -> ()",
        ];
        assert_eq!(lines.iter().map(String::as_str).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn difference_names_both_sides() {
        let a = BTreeSet::from(["export f: func () -> ()".to_string()]);
        let b = BTreeSet::from(["export f: func (i32) -> ()".to_string()]);
        assert_eq!(difference(&a, &b), ["- export f: func () -> ()", "+ export f: func (i32) -> ()"]);
    }
}
