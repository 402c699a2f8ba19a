//! `Run` = wasmtime's `Linker::module` + `Linker::get_default`, and what later steps see.

mod common;

use common::*;
use execmodel_contract::{Limits, Outcome, RejectStage, Step, TrapKind, Value};

/// `_start` traps when it finds its global already set: a second `_start` on one instance traps.
const COMMAND: &str = r#"
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 1024) "start\n")
  (func (export "_start")
    (if (global.get $g) (then unreachable))
    (global.set $g (i32.const 1))
    (call $write (i32.const 1) (i32.const 1024) (i32.const 6)))
  (func (export "get") (result i32) (global.get $g))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))"#;

const REACTOR: &str = r#"
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 1024) "init\n")
  (func (export "_initialize")
    (global.set $g (i32.add (global.get $g) (i32.const 42)))
    (call $write (i32.const 1) (i32.const 1024) (i32.const 5)))
  (func (export "get") (result i32) (global.get $g))
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $g))"#;

const BOTH: &str = r#"
  (global $g (mut i32) (i32.const 0))
  (func (export "_start") (global.set $g (i32.const 1)))
  (func (export "_initialize") (global.set $g (i32.const 2)))
  (func (export "get") (result i32) (global.get $g))"#;

fn ran(wat: &str) -> (Box<dyn execmodel_contract::Session>, execmodel_contract::StepResult) {
    let mut session = session(wat);
    let result = session.step(&Step::Run(wasi()));
    (session, result)
}

#[test]
fn a_command_runs_start_and_every_later_call_gets_a_fresh_instance() {
    let (mut session, run) = ran(&wasi_module("", COMMAND));
    assert_eq!(run.outcome, returned(&[]));
    assert_eq!(run.stdout, b"start\n");
    assert_eq!(run.surfaced, None, "run itself uses the one instance it made");
    // `_start` already ran once, yet `get` sees the initial state and a second `_start` does not trap.
    let get = session.step(&call("get", &[]));
    assert_eq!(get.outcome, returned(&[Value::I32(0)]));
    assert!(get.surfaced.as_deref().is_some_and(|how| how.contains("fresh instance")), "the row says so: {get:?}");
    let again = session.step(&call("_start", &[]));
    assert_eq!((again.outcome, again.stdout), (returned(&[]), b"start\n".to_vec()));
    assert_eq!(session.step(&call("get", &[])).outcome, returned(&[Value::I32(0)]));
    assert_eq!(session.step(&call("add", &[Value::I32(2), Value::I32(3)])).outcome, returned(&[Value::I32(5)]));
    assert_rejected(&session.step(&call("missing", &[])), RejectStage::Call, "Linker::module");
    assert_rejected(&session.step(&Step::MemoryPages), RejectStage::Call, "keeps no instance for a command");
}

#[test]
fn the_same_command_on_one_instance_keeps_its_state() {
    // Control for the test above: with `instantiate`, the second `_start` sees the first.
    let mut session = instantiated(&wasi_module("", COMMAND));
    assert_eq!(session.step(&call("_start", &[])).outcome, returned(&[]));
    assert_eq!(session.step(&call("get", &[])).outcome, returned(&[Value::I32(1)]));
    assert_trapped(&session.step(&call("_start", &[])), TrapKind::Unreachable);
}

#[test]
fn a_command_start_exit_or_trap_is_the_run_outcome() {
    let exits = wasi_module("", r#"(func (export "_start") (call $proc_exit (i32.const 3)))"#);
    assert_eq!(ran(&exits).1.outcome, Outcome::Exited(3));
    let exits_zero = wasi_module("", r#"(func (export "_start") (call $proc_exit (i32.const 0)))"#);
    assert_eq!(ran(&exits_zero).1.outcome, Outcome::Exited(0));
    let traps = wasi_module("", r#"(func (export "_start") unreachable)"#);
    assert_trapped(&ran(&traps).1, TrapKind::Unreachable);
}

#[test]
fn a_reactor_is_initialized_once_and_keeps_one_instance() {
    let (mut session, run) = ran(&wasi_module("", REACTOR));
    assert_eq!(run.outcome, returned(&[]));
    assert_eq!(run.stdout, b"init\n");
    assert_eq!(session.step(&call("get", &[])).outcome, returned(&[Value::I32(42)]));
    assert_eq!(session.step(&call("bump", &[])).outcome, returned(&[Value::I32(43)]));
    assert_eq!(session.step(&call("bump", &[])).outcome, returned(&[Value::I32(44)]));
    assert_eq!(session.step(&Step::MemoryPages).outcome, returned(&[Value::I32(1)]));
    // wasmtime does not guard `_initialize`: calling it again through the linker runs it again.
    let again = session.step(&call("_initialize", &[]));
    assert_eq!((again.outcome, again.stdout), (returned(&[]), b"init\n".to_vec()));
    assert_eq!(session.step(&call("get", &[])).outcome, returned(&[Value::I32(86)]));
}

#[test]
fn a_module_with_neither_entry_point_is_a_reactor_with_a_no_op_default() {
    let (mut session, run) = ran(r#"(module (global $g (mut i32) (i32.const 5))
      (func (export "bump") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g)))"#);
    assert_eq!(run.outcome, returned(&[]));
    assert_eq!(session.step(&call("bump", &[])).outcome, returned(&[Value::I32(6)]));
    assert_eq!(session.step(&call("bump", &[])).outcome, returned(&[Value::I32(7)]));
}

#[test]
fn both_entry_points_are_refused_by_run_but_callable_directly() {
    let wat = wasi_module("", BOTH);
    let (mut session, run) = ran(&wat);
    assert_rejected(&run, RejectStage::Run, "Program cannot be both a Command and a Reactor");
    assert_rejected(&session.step(&call("get", &[])), RejectStage::Call, "no export `get`");

    let mut direct = instantiated(&wat);
    assert_eq!(direct.step(&call("_initialize", &[])).outcome, returned(&[]));
    assert_eq!(direct.step(&call("get", &[])).outcome, returned(&[Value::I32(2)]));
    assert_eq!(direct.step(&call("_start", &[])).outcome, returned(&[]));
    assert_eq!(direct.step(&call("get", &[])).outcome, returned(&[Value::I32(1)]));
}

#[test]
fn malformed_entry_points_are_refused_by_run() {
    let start_not_func = r#"(module (global (export "_start") i32 (i32.const 0)))"#;
    assert_rejected(&ran(start_not_func).1, RejectStage::Run, "`_start` must be a function");
    let init_takes_param = r#"(module (func (export "_initialize") (param i32)))"#;
    assert_rejected(&ran(init_takes_param).1, RejectStage::Run, "Reactor initialization function");
    let command_exports_global = r#"(module (func (export "_start")) (global (export "counter") i32 (i32.const 0)))"#;
    assert_rejected(&ran(command_exports_global).1, RejectStage::Run, "command export 'counter' is not a function");
    let start_takes_param = r#"(module (func (export "_start") (param i32)))"#;
    assert_rejected(&ran(start_takes_param).1, RejectStage::Run, "cannot take");
}

#[test]
fn a_trapping_initialize_leaves_nothing_to_call() {
    let wat = r#"(module (func (export "_initialize") unreachable) (func (export "get") (result i32) (i32.const 1)))"#;
    let (mut session, run) = ran(wat);
    assert_trapped(&run, TrapKind::Unreachable);
    assert_rejected(&session.step(&call("get", &[])), RejectStage::Call, "no export `get`");
}

#[test]
fn run_reports_link_errors_and_oversized_memories() {
    let command_missing_import = r#"(module (import "env" "f" (func)) (func (export "_start")))"#;
    assert_rejected(&ran(command_missing_import).1, RejectStage::Link, "env::f");
    let reactor_missing_import = r#"(module (import "env" "f" (func)) (func (export "_initialize")))"#;
    assert_rejected(&ran(reactor_missing_import).1, RejectStage::Link, "env::f");

    let limits = Limits { memory_bytes: 2 * 65536, ..limits() };
    for entry in ["_start", "_initialize"] {
        let wat = format!(r#"(module (memory (export "memory") 4) (func (export "{entry}")))"#);
        let result = compile(&wat).session(limits).step(&Step::Run(wasi()));
        assert_rejected(&result, RejectStage::Instantiate, "exceeds memory limits");
    }
}

#[test]
fn a_command_loop_under_run_ends_at_the_budget() {
    let wat = r#"(module (func (export "_start") (loop br 0)))"#;
    let limits = Limits { budget: std::time::Duration::from_millis(100), ..limits() };
    let result = compile(wat).session(limits).step(&Step::Run(wasi()));
    assert_trapped(&result, TrapKind::Deadline);
}

#[test]
fn a_module_without_memory_runs_until_it_calls_wasi() {
    // Neither `Linker::module` nor instantiation requires a `memory` export; wasmtime-wasi fails
    // the first preview1 call that needs guest memory, as an error raised inside the guest's call.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
      (memory 1)
      (func (export "_start") (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 8))))
      (func (export "quiet") (result i32) (i32.const 9)))"#;
    let (mut session, run) = ran(wat);
    match &run.outcome {
        Outcome::HostError { message, .. } => assert!(message.contains("memory"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(session.step(&call("quiet", &[])).outcome, returned(&[Value::I32(9)]));
    assert_rejected(&session.step(&Step::MemoryPages), RejectStage::Call, "keeps no instance for a command");
}
