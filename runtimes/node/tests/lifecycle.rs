//! node:wasi's command/reactor policy and proc_exit, through the real worker.

mod common;

use common::*;
use execmodel_contract::{Outcome, Step, Value, WasiConfig};

const EXIT_CODES: [i32; 7] = [0, 1, 3, 255, 256, 1000, -1];

fn command_exiting_with(code: i32) -> Vec<u8> {
    wasi_module(&format!(r#"(func (export "_start") (call $proc_exit (i32.const {code})))"#))
}

#[test]
fn run_of_a_command_reports_the_proc_exit_code_unchanged() {
    for code in EXIT_CODES {
        let mut session = session(&command_exiting_with(code));
        assert_outcome(&mut *session, &run(), &format!("exited {code}"));
    }
}

#[test]
fn a_direct_start_call_reports_the_proc_exit_code_unchanged() {
    for code in EXIT_CODES {
        let mut session = session(&command_exiting_with(code));
        assert_outcome(&mut *session, &instantiate(), "returned");
        assert_outcome(&mut *session, &call("_start", &[]), &format!("exited {code}"));
    }
}

#[test]
fn a_reactor_export_calling_proc_exit_exits_and_the_instance_stays_usable() {
    let wasm = wasi_module(
        r#"(func (export "quit") (param i32) (call $proc_exit (local.get 0)))
           (func (export "answer") (result i32) (i32.const 42))"#,
    );
    let mut session = session(&wasm);
    assert_outcome(&mut *session, &run(), "returned");
    assert_outcome(&mut *session, &call("quit", &[Value::I32(7)]), "exited 7");
    assert_outcome(&mut *session, &call("answer", &[]), "returned i32:42");
}

#[test]
fn run_of_a_command_that_returns_is_returned_with_its_output() {
    let wasm = wasi_module(
        r#"(data (i32.const 1024) "hello\n") (func (export "_start") (call $print (i32.const 1024) (i32.const 6)))"#,
    );
    let mut session = session(&wasm);
    let result = assert_outcome(&mut *session, &run(), "returned");
    assert_eq!(result.stdout, b"hello\n");
    // A second `_start` is a plain export call: node does not guard it.
    let again = assert_outcome(&mut *session, &call("_start", &[]), "returned");
    assert_eq!(again.stdout, b"hello\n");
}

#[test]
fn a_second_run_is_a_new_run_in_the_same_worker_and_an_instantiate_cannot_follow() {
    let mut session = session(&wasi_module(COUNTING_REACTOR));
    assert_outcome(&mut *session, &run(), "returned");
    assert_outcome(&mut *session, &call("count", &[]), "returned i32:1");
    let again = assert_outcome(&mut *session, &run(), "returned");
    assert!(again.surfaced.as_deref().unwrap_or_default().contains("in the same worker process"), "{again:?}");
    assert_eq!(again.implicit_calls, ["_initialize"]);
    // The new run's instance, initialised once: the first instance's state is gone.
    assert_outcome(&mut *session, &call("count", &[]), "returned i32:1");
    assert_rejected(&session.step(&instantiate()), "instantiate", "instantiate only comes first");
}

const COUNTING_REACTOR: &str = r#"
  (global $count (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $count (i32.add (global.get $count) (i32.const 1))))
  (func (export "count") (result i32) (global.get $count))"#;

#[test]
fn run_of_a_reactor_initializes_once_and_a_second_initialize_runs_again() {
    let mut session = session(&wasi_module(COUNTING_REACTOR));
    assert_outcome(&mut *session, &run(), "returned");
    assert_outcome(&mut *session, &call("count", &[]), "returned i32:1");
    assert_outcome(&mut *session, &call("_initialize", &[]), "returned");
    assert_outcome(&mut *session, &call("count", &[]), "returned i32:2");
}

#[test]
fn instantiate_calls_neither_start_nor_initialize() {
    let mut session = session(&wasi_module(COUNTING_REACTOR));
    assert_outcome(&mut *session, &instantiate(), "returned");
    assert_outcome(&mut *session, &call("count", &[]), "returned i32:0");
}

#[test]
fn run_of_a_reactor_without_initialize_just_instantiates() {
    let mut session = session(&wasi_module(r#"(func (export "f") (result i32) (i32.const 5))"#));
    assert_outcome(&mut *session, &run(), "returned");
    assert_outcome(&mut *session, &call("f", &[]), "returned i32:5");
}

#[test]
fn run_rejects_a_module_exporting_both_and_keeps_the_instance() {
    let wasm = wasi_module(&format!(r#"{COUNTING_REACTOR} (func (export "_start"))"#));
    let mut session = session(&wasm);
    let result = session.step(&run());
    assert_rejected(&result, "run", "ERR_INVALID_ARG_TYPE");
    assert_rejected(&result, "run", "instance.exports._initialize");
    // node refused before any guest code: `_initialize` never ran.
    assert_outcome(&mut *session, &call("count", &[]), "returned i32:0");
}

#[test]
fn run_rejects_a_module_without_memory() {
    let wasm = wat(r#"(module (func (export "_start")))"#);
    let result = session(&wasm).step(&run());
    assert_rejected(&result, "run", "instance.exports.memory");
}

#[test]
fn run_of_a_command_that_traps_is_trapped() {
    let wasm = wasi_module(r#"(func (export "_start") unreachable)"#);
    assert_outcome(&mut *session(&wasm), &run(), "trapped unreachable");
}

#[test]
fn an_initialize_calling_proc_exit_under_run_exits() {
    // wasi.initialize does not catch node's exit symbol; the worker still maps it.
    let wasm = wasi_module(r#"(func (export "_initialize") (call $proc_exit (i32.const 9)))"#);
    assert_outcome(&mut *session(&wasm), &run(), "exited 9");
}

#[test]
fn wasi_in_a_direct_call_after_instantiate_is_node_not_started() {
    // No hidden `wasi.initialize`: node itself throws ERR_WASI_NOT_STARTED here (its own
    // test/wasi/test-wasi-not-started.js), a host error, not a guest trap.
    let wasm = wasi_module(
        r#"(data (i32.const 1024) "hi") (func (export "_start") (call $print (i32.const 1024) (i32.const 2)))"#,
    );
    let mut session = session(&wasm);
    assert_outcome(&mut *session, &instantiate(), "returned");
    let result = session.step(&call("_start", &[]));
    assert!(
        matches!(&result.outcome, Outcome::HostError { message, .. } if message.contains("ERR_WASI_NOT_STARTED") && message.contains("fd_write")),
        "{:?}",
        result.outcome
    );
    assert!(result.stdout.is_empty());
}

#[test]
fn proc_exit_zero_is_an_exit_and_a_return_is_a_return() {
    // wasi.start() returns 0 for both; node's own proc_exit (a JS function) tells them apart.
    let returning = wasi_module(r#"(func (export "_start"))"#);
    assert_outcome(&mut *session(&returning), &run(), "returned");
    assert_outcome(&mut *session(&command_exiting_with(0)), &run(), "exited 0");
}

#[test]
fn wasi_works_after_nodes_own_start() {
    let wasm = wasi_module(
        r#"(data (i32.const 1024) "hi") (func (export "_start") (call $print (i32.const 1024) (i32.const 2)))"#,
    );
    let mut session = session(&wasm);
    let result = assert_outcome(&mut *session, &Step::Run(WasiConfig::default()), "returned");
    assert_eq!(result.stdout, b"hi");
    assert_eq!(result.implicit_calls, ["_start"]);
}

#[test]
fn a_start_section_using_wasi_fails_before_memory_can_be_bound() {
    // The start section runs inside `new WebAssembly.Instance`, before node:wasi knows the memory.
    let wasm = wasi_module(
        r#"(data (i32.const 1024) "x") (func $init (call $print (i32.const 1024) (i32.const 1))) (start $init)"#,
    );
    let result = session(&wasm).step(&instantiate());
    match &result.outcome {
        Outcome::HostError { message, .. } => {
            assert!(message.contains("fd_write") && message.contains("wasi.start() has not been called"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // proc_exit needs no memory: a start section can exit.
    let exiting = wasi_module(r#"(func $init (call $proc_exit (i32.const 4))) (start $init)"#);
    let mut session = session(&exiting);
    let exited = assert_outcome(&mut *session, &instantiate(), "exited 4");
    let surfaced = exited.surfaced.unwrap_or_default();
    assert!(surfaced.contains("new WebAssembly.Instance() (the start section)"), "{surfaced}");
    assert_rejected(&session.step(&call("_start", &[])), "call", "no instance");
}

#[test]
fn wasi_in_a_module_without_memory_is_a_host_error() {
    let wasm = wat(r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
             (func (export "write") (result i32) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0))))"#);
    let mut session = session(&wasm);
    assert_outcome(&mut *session, &instantiate(), "returned");
    let result = session.step(&call("write", &[]));
    assert!(result.outcome.to_string().starts_with("host-error: WASI function fd_write threw"), "{:?}", result.outcome);
}
