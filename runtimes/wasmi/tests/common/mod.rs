//! Helpers shared by the integration tests: sessions on WAT modules and terse step constructors.
#![allow(dead_code)]

use std::time::Duration;

use execmodel_contract::{Limits, Outcome, Session, Step, StepResult, TrapKind, Value, WasiConfig};

pub fn limits() -> Limits {
    Limits { budget: Duration::from_millis(300), memory_bytes: 4 << 16, output_bytes: 1 << 16 }
}

pub fn session(wat: &str) -> Box<dyn Session> {
    session_with(wat, limits())
}

pub fn session_with(wat: &str, limits: Limits) -> Box<dyn Session> {
    let wasm = wat::parse_str(wat).expect("test module is valid WAT");
    let module = execmodel_wasmi::runtime().compile(&wasm).expect("wasmi compiles the test module");
    module.session(limits)
}

pub fn wasi() -> WasiConfig {
    WasiConfig { args: vec!["test.wasm".to_string()], ..WasiConfig::default() }
}

pub fn instantiate() -> Step {
    Step::Instantiate(wasi())
}

pub fn run() -> Step {
    Step::Run(wasi())
}

pub fn call(export: &str, args: &[Value]) -> Step {
    Step::Call { export: export.to_string(), args: args.to_vec() }
}

/// A session on `wat`, instantiated; panics unless instantiation returned.
pub fn instantiated(wat: &str) -> Box<dyn Session> {
    let mut session = session(wat);
    assert_eq!(session.step(&instantiate()).outcome, Outcome::returned_nothing());
    session
}

pub fn trap_kind(result: &StepResult) -> Option<TrapKind> {
    match &result.outcome {
        Outcome::Trapped { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// Imports most test modules need.
const WASI_IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
"#;

/// `$write (fd ptr len)`: one `fd_write` of memory[ptr..ptr+len]; iovec at 0, nwritten at 8.
const WRITE_HELPER: &str = r#"
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
"#;

/// A module importing `fd_write` and `proc_exit`, with `$write`, one page of exported memory
/// and `body` (more fields).
pub fn wasi_module(body: &str) -> String {
    wasi_module_importing("", body)
}

/// `wasi_module` with more imports (which must precede every definition).
pub fn wasi_module_importing(imports: &str, body: &str) -> String {
    format!("(module {WASI_IMPORTS} {imports} {WRITE_HELPER} (memory (export \"memory\") 1) {body})")
}
