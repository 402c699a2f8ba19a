//! Shared by the integration tests: the runtimes under test, WAT modules and step helpers.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use execmodel_contract::{Limits, Preopen, Runtime, Step, StepResult, Value, WasiConfig};

/// node-wasi always (node is on every machine of this project); more CLIs when named in
/// EXECMODEL_CLI_TEST_RUNTIMES (comma-separated, e.g. `wasmtime-cli` once
/// `.ci/install-cli-runtimes` has put it on PATH). A named runtime that is absent fails the tests.
pub fn runtimes_under_test() -> Vec<Arc<dyn Runtime>> {
    let extra = std::env::var("EXECMODEL_CLI_TEST_RUNTIMES").unwrap_or_default();
    let names = std::iter::once("node-wasi".to_string())
        .chain(extra.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from));
    names
        .map(|name| {
            let name: &'static str = Box::leak(name.into_boxed_str());
            let runtime = execmodel_cli::runtime(name);
            if let Err(why) = runtime.availability() {
                panic!("{name} is under test but unavailable: {why}");
            }
            runtime
        })
        .collect()
}

/// The runtimes under test whose table can invoke one export (`wazero run` cannot).
pub fn runtimes_that_invoke() -> Vec<Arc<dyn Runtime>> {
    runtimes_under_test()
        .into_iter()
        .filter(|runtime| execmodel_cli::info(runtime.name()).is_some_and(|info| info.invoke.is_some()))
        .collect()
}

/// Imports, one page of memory and `$write (fd, ptr, len)`, followed by `body`.
pub fn module(body: &str) -> Vec<u8> {
    let text = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  {body})"#
    );
    wat::parse_str(&text).unwrap_or_else(|err| panic!("bad test module: {err}\n{text}"))
}

/// A command whose `_start` runs `body`.
pub fn command(body: &str) -> Vec<u8> {
    module(&format!(r#"(func (export "_start") {body})"#))
}

pub fn wasi(args: &[&str]) -> WasiConfig {
    WasiConfig { args: args.iter().map(|a| a.to_string()).collect(), ..WasiConfig::default() }
}

pub fn limits() -> Limits {
    Limits { budget: Duration::from_secs(10), ..Limits::default() }
}

/// One `run` step on a fresh session.
pub fn run(runtime: &Arc<dyn Runtime>, wasm: &[u8], config: WasiConfig, limits: Limits) -> StepResult {
    let compiled = runtime.compile(wasm).expect("compile");
    compiled.session(limits).step(&Step::Run(config))
}

/// `instantiate` then one `call`.
pub fn invoke(runtime: &Arc<dyn Runtime>, wasm: &[u8], export: &str, args: &[Value]) -> (StepResult, StepResult) {
    let compiled = runtime.compile(wasm).expect("compile");
    let mut session = compiled.session(limits());
    let instantiated = session.step(&Step::Instantiate(wasi(&["m.wasm"])));
    let called = session.step(&Step::Call { export: export.to_string(), args: args.to_vec() });
    (instantiated, called)
}

pub fn preopen(dir: &std::path::Path, guest: &str) -> Option<Preopen> {
    Some(Preopen { host_path: dir.to_path_buf(), guest_path: guest.to_string() })
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
