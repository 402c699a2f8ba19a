//! Shared helpers: one runtime per test binary (so its worker pool is shared, as in the harness),
//! WAT modules with the WASI imports the tests use, and step shorthands.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use execmodel_contract::{CompiledModule, Limits, Outcome, Runtime, Session, Step, StepResult, Value, WasiConfig};
use execmodel_node::NodeRuntime;

pub fn node() -> &'static NodeRuntime {
    static NODE: OnceLock<NodeRuntime> = OnceLock::new();
    NODE.get_or_init(NodeRuntime::new)
}

/// Memory layout of [`wasi_module`]: 0..8 iovec, 8 bytes written, 16.. scratch words,
/// 1024.. data strings, 8192.. buffers.
const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (func $write_to (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $print (param $ptr i32) (param $len i32) (call $write_to (i32.const 1) (local.get $ptr) (local.get $len)))
"#;

/// A module with the WASI prelude, an exported memory and `body`.
pub fn wasi_module(body: &str) -> Vec<u8> {
    wat(&format!("(module {PRELUDE} (memory (export \"memory\") 1) {body})"))
}

pub fn wat(text: &str) -> Vec<u8> {
    match wat::parse_str(text) {
        Ok(wasm) => wasm,
        Err(err) => panic!("bad test WAT: {err}\n{text}"),
    }
}

pub fn compile(wasm: &[u8]) -> Arc<dyn CompiledModule> {
    match node().compile(wasm) {
        Ok(module) => module,
        Err(err) => panic!("compile failed: {err}"),
    }
}

pub fn session(wasm: &[u8]) -> Box<dyn Session> {
    compile(wasm).session(Limits::default())
}

pub fn session_with(wasm: &[u8], limits: Limits) -> Box<dyn Session> {
    compile(wasm).session(limits)
}

pub fn short_budget() -> Limits {
    Limits { budget: Duration::from_millis(300), ..Limits::default() }
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

/// The step's outcome in the expectation-file syntax, with its output.
pub fn describe(result: &StepResult) -> String {
    format!(
        "{} | stdout {:?} | stderr {:?}",
        result.outcome,
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    )
}

pub fn outcome(session: &mut dyn Session, step: &Step) -> Outcome {
    session.step(step).outcome
}

pub fn assert_outcome(session: &mut dyn Session, step: &Step, expected: &str) -> StepResult {
    let result = session.step(step);
    assert_eq!(result.outcome.to_string(), expected, "{}: {}", step.describe(), describe(&result));
    result
}

/// Fails with the outcome's full message when it is not a rejection at `stage` containing `text`.
pub fn assert_rejected(result: &StepResult, stage: &str, text: &str) {
    match &result.outcome {
        Outcome::Rejected { stage: got, message, .. } if got.as_str() == stage && message.contains(text) => {}
        other => panic!("expected rejected {stage} containing {text:?}, got {other:?}"),
    }
}
