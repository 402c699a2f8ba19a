//! Helpers shared by the integration tests: WAT modules with a small WASI prelude, sessions with
//! short limits, and step constructors.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use execmodel_contract::{
    CompiledModule, Limits, Outcome, RejectStage, Session, Step, StepResult, TrapKind, Value, WasiConfig,
};

/// A WASI module: `extra_imports` (more preview1 imports), a one-page exported memory, and
/// `$write (fd ptr len)` which writes `len` bytes at `ptr` (iovec at 0, nwritten at 8), then `body`.
pub fn wasi_module(extra_imports: &str, body: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  {extra_imports}
  (memory (export "memory") 1)
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  {body}
)"#
    )
}

pub fn compile(wat: &str) -> Arc<dyn CompiledModule> {
    let wasm = wat::parse_str(wat).expect("test WAT parses");
    execmodel_wasmtime::runtime().compile(&wasm).expect("test module compiles")
}

pub fn limits() -> Limits {
    Limits { budget: Duration::from_secs(2), memory_bytes: 16 << 20, output_bytes: 64 << 10 }
}

pub fn session(wat: &str) -> Box<dyn Session> {
    compile(wat).session(limits())
}

pub fn wasi() -> WasiConfig {
    WasiConfig { args: vec!["test.wasm".into()], ..WasiConfig::default() }
}

pub fn call(export: &str, args: &[Value]) -> Step {
    Step::Call { export: export.to_string(), args: args.to_vec() }
}

pub fn instantiated(wat: &str) -> Box<dyn Session> {
    let mut session = session(wat);
    assert_eq!(session.step(&Step::Instantiate(wasi())).outcome, returned(&[]));
    session
}

pub fn returned(values: &[Value]) -> Outcome {
    Outcome::Returned(values.to_vec())
}

#[track_caller]
pub fn assert_trapped(result: &StepResult, kind: TrapKind) {
    match &result.outcome {
        Outcome::Trapped { kind: got, .. } if *got == kind => {}
        other => panic!("expected trapped {}, got {other:?}", kind.as_str()),
    }
}

#[track_caller]
pub fn assert_rejected(result: &StepResult, stage: RejectStage, text: &str) {
    match &result.outcome {
        Outcome::Rejected { stage: got, message, .. } if *got == stage && message.contains(text) => {}
        other => panic!("expected rejected {}: {text}, got {other:?}", stage.as_str()),
    }
}
