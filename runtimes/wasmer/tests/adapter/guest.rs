//! Building and driving WAT guests through the adapter.

use std::time::Duration;

use execmodel_contract::{Limits, Outcome, Session, Step, StepResult, Value, WasiConfig};

/// Imports and helpers every guest may use: `$print(fd, ptr, len)` writes memory[ptr..ptr+len]
/// (iovec at 0..8, count at 8), data lives from offset 64 on.
pub const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func $print (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
"#;

/// A module from `body`, with the prelude and one exported page of memory unless `body`
/// declares its own memory.
pub fn module(body: &str) -> Vec<u8> {
    module_with("", body)
}

/// [`module`] for a body that imports more: the text format wants imports first.
pub fn module_with(imports: &str, body: &str) -> Vec<u8> {
    let memory = if body.contains("(memory ") { "" } else { r#"(memory (export "memory") 1)"# };
    let text = format!("(module {imports} {PRELUDE} {memory} {body})");
    wat::parse_str(&text).unwrap_or_else(|err| panic!("bad test module: {err}\n{text}"))
}

pub fn limits() -> Limits {
    Limits { budget: Duration::from_secs(2), memory_bytes: 16 << 20, output_bytes: 1 << 16 }
}

pub fn open_with(wasm: &[u8], limits: Limits) -> Box<dyn Session> {
    let runtime = execmodel_wasmer::runtime();
    let compiled = runtime.compile(wasm).expect("test module compiles");
    compiled.session(limits)
}

pub fn open(body: &str) -> Box<dyn Session> {
    open_with(&module(body), limits())
}

pub fn config() -> WasiConfig {
    WasiConfig { args: vec!["guest.wasm".to_string()], ..WasiConfig::default() }
}

pub fn instantiate() -> Step {
    Step::Instantiate(config())
}

pub fn run() -> Step {
    Step::Run(config())
}

pub fn call(export: &str, args: &[Value]) -> Step {
    Step::Call { export: export.to_string(), args: args.to_vec() }
}

pub fn returned(values: &[Value]) -> Outcome {
    Outcome::Returned(values.to_vec())
}

/// Run the steps, returning each result; the session is dropped at the end.
pub fn run_steps(session: &mut dyn Session, steps: &[Step]) -> Vec<StepResult> {
    steps.iter().map(|step| session.step(step)).collect()
}

pub fn outcomes_of(session: &mut dyn Session, list: &[Step]) -> Vec<Outcome> {
    run_steps(session, list).into_iter().map(|result| result.outcome).collect()
}

pub fn stdout(result: &StepResult) -> String {
    String::from_utf8_lossy(&result.stdout).into_owned()
}
