//! Returned values, exit codes, trap kinds and rejections of direct `instantiate`/`call` steps.

mod common;

use std::time::Duration;

use common::*;
use execmodel_contract::{Author, BudgetUnit, Limits, Outcome, RejectStage, Step, TrapKind, Value};

const EXIT_WITH: &str = r#"
  (global $g (mut i32) (i32.const 7))
  (func (export "exit_with") (param i32) (call $proc_exit (local.get 0)))
  (func (export "get") (result i32) (global.get $g))"#;

#[test]
fn returns_typed_results() {
    let wat = r#"(module
      (func (export "add") (param i32 i64) (result i64) (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
      (func (export "pair") (param f32 f64) (result f64 f32) (local.get 1) (local.get 0))
      (func (export "nothing")))"#;
    let mut session = instantiated(wat);
    assert_eq!(session.step(&call("add", &[Value::I32(-2), Value::I64(5)])).outcome, returned(&[Value::I64(3)]));
    assert_eq!(
        session.step(&call("pair", &[Value::F32(1.5), Value::F64(-0.25)])).outcome,
        returned(&[Value::F64(-0.25), Value::F32(1.5)])
    );
    assert_eq!(session.step(&call("nothing", &[])).outcome, returned(&[]));
}

#[test]
fn proc_exit_below_126_is_an_exit_with_that_code() {
    let mut session = instantiated(&wasi_module("", EXIT_WITH));
    for code in [0, 1, 3, 125] {
        assert_eq!(session.step(&call("exit_with", &[Value::I32(code)])).outcome, Outcome::Exited(i64::from(code)));
    }
    // The instance stays usable after an exit: wasmtime does not poison it.
    assert_eq!(session.step(&call("get", &[])).outcome, returned(&[Value::I32(7)]));
}

#[test]
fn proc_exit_from_126_is_refused_by_wasmtime_wasi_as_a_plain_error() {
    // wasmtime-wasi 48 `proc_exit` returns `Error::msg("exit with invalid exit status outside of
    // [0..126)")` for these, not `I32Exit`: the code is not in the error.
    let mut session = instantiated(&wasi_module("", EXIT_WITH));
    for code in [126, 255, 256, 1000, -1] {
        let result = session.step(&call("exit_with", &[Value::I32(code)]));
        match &result.outcome {
            Outcome::HostError { message, .. } => {
                assert!(message.contains("invalid exit status"), "code {code}: {message}")
            }
            other => panic!("code {code}: {other:?}"),
        }
    }
    assert_eq!(session.step(&call("get", &[])).outcome, returned(&[Value::I32(7)]));
}

#[test]
fn traps_are_classified() {
    let wat = r#"(module
      (memory (export "memory") 1)
      (table 1 funcref)
      (func $recurse (call $recurse))
      (func (export "unreachable") unreachable)
      (func (export "load_oob") (result i32) (i32.load (i32.const 65536)))
      (func (export "table_oob") (call_indirect (i32.const 5)))
      (func (export "recurse") (call $recurse))
      (func (export "div_zero") (result i32) (i32.div_u (i32.const 1) (i32.const 0))))"#;
    let mut session = instantiated(wat);
    assert_trapped(&session.step(&call("unreachable", &[])), TrapKind::Unreachable);
    assert_trapped(&session.step(&call("load_oob", &[])), TrapKind::OutOfBounds);
    assert_trapped(&session.step(&call("table_oob", &[])), TrapKind::OutOfBounds);
    assert_trapped(&session.step(&call("recurse", &[])), TrapKind::StackOverflow);
    assert_trapped(&session.step(&call("div_zero", &[])), TrapKind::Other);
}

#[test]
fn an_endless_loop_spends_its_fuel_budget_and_the_next_step_gets_a_fresh_one() {
    let wat = r#"(module
      (func (export "spin") (loop br 0))
      (func (export "ok") (result i32) (i32.const 1)))"#;
    let limits = Limits { budget: Duration::from_millis(200), ..limits() };
    let mut session = compile(wat).session(limits);
    assert_eq!(session.step(&Step::Instantiate(wasi())).outcome, returned(&[]));
    let spun = session.step(&call("spin", &[]));
    assert_trapped(&spun, TrapKind::Deadline);
    assert!(matches!(spun.outcome, Outcome::Trapped { by: Author::Harness, .. }), "{spun:?}");
    let used = spun.budget_use.expect("a call reports its budget use");
    assert_eq!((used.unit, used.used), (BudgetUnit::Fuel, used.limit), "{used:?}");
    let ok = session.step(&call("ok", &[]));
    assert_eq!(ok.outcome, returned(&[Value::I32(1)]));
    assert!(ok.budget_use.unwrap().fraction() < 0.01);
    assert_trapped(&session.step(&call("spin", &[])), TrapKind::Deadline);
}

#[test]
fn memory_grow_past_the_cap_returns_minus_one() {
    let wat = r#"(module
      (memory (export "memory") 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let limits = Limits { memory_bytes: 2 * 65536, ..limits() };
    let mut session = compile(wat).session(limits);
    assert_eq!(session.step(&Step::Instantiate(wasi())).outcome, returned(&[]));
    assert_eq!(session.step(&call("grow", &[Value::I32(1)])).outcome, returned(&[Value::I32(1)]));
    assert_eq!(session.step(&call("grow", &[Value::I32(1)])).outcome, returned(&[Value::I32(-1)]));
    assert_eq!(session.step(&Step::MemoryPages).outcome, returned(&[Value::I32(2)]));
}

#[test]
fn a_memory_larger_than_the_cap_is_rejected_at_instantiation() {
    let wat = r#"(module (memory (export "memory") 4) (func (export "f")))"#;
    let limits = Limits { memory_bytes: 2 * 65536, ..limits() };
    let mut session = compile(wat).session(limits);
    let result = session.step(&Step::Instantiate(wasi()));
    assert_rejected(&result, RejectStage::Instantiate, "exceeds memory limits");
    assert_rejected(&session.step(&call("f", &[])), RejectStage::Call, "no instance");
}

#[test]
fn a_data_segment_out_of_bounds_is_rejected_at_instantiation() {
    let wat = r#"(module (memory 1) (data (i32.const 65535) "ab"))"#;
    assert_rejected(&session(wat).step(&Step::Instantiate(wasi())), RejectStage::Instantiate, "out of bounds");
}

#[test]
fn the_start_section_runs_at_instantiation() {
    let trapping = r#"(module (func $s unreachable) (start $s))"#;
    assert_trapped(&session(trapping).step(&Step::Instantiate(wasi())), TrapKind::Unreachable);

    let exiting = wasi_module("", r#"(func $s (call $proc_exit (i32.const 3))) (start $s)"#);
    assert_eq!(session(&exiting).step(&Step::Instantiate(wasi())).outcome, Outcome::Exited(3));

    let refused_exit = wasi_module("", r#"(func $s (call $proc_exit (i32.const 300))) (start $s)"#);
    let refused = session(&refused_exit).step(&Step::Instantiate(wasi())).outcome;
    assert!(
        matches!(&refused, Outcome::HostError { message, .. } if message.contains("invalid exit status")),
        "{refused:?}"
    );
}

#[test]
fn instantiate_does_not_call_start_or_initialize() {
    let wat = r#"(module
      (global $g (mut i32) (i32.const 0))
      (func (export "_start") (global.set $g (i32.const 1)))
      (func (export "_initialize") (global.set $g (i32.const 2)))
      (func (export "get") (result i32) (global.get $g)))"#;
    let mut session = instantiated(wat);
    assert_eq!(session.step(&call("get", &[])).outcome, returned(&[Value::I32(0)]));
}

#[test]
fn unresolvable_imports_are_link_rejections() {
    let missing_wasi = r#"(module (import "wasi_snapshot_preview1" "no_such_call" (func)))"#;
    assert_rejected(&session(missing_wasi).step(&Step::Instantiate(wasi())), RejectStage::Link, "no_such_call");

    let other_module = r#"(module (import "env" "f" (func)))"#;
    assert_rejected(&session(other_module).step(&Step::Instantiate(wasi())), RejectStage::Link, "env::f");

    let wrong_type = r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i64))))"#;
    assert_rejected(&session(wrong_type).step(&Step::Instantiate(wasi())), RejectStage::Link, "proc_exit");
}

#[test]
fn bad_calls_are_call_rejections() {
    let wat = r#"(module
      (memory (export "memory") 1)
      (global (export "answer") i32 (i32.const 42))
      (func (export "one") (param i32))
      (func (export "vector") (result v128) (v128.const i64x2 0 0)))"#;
    let mut fresh = session(wat);
    assert_rejected(&fresh.step(&call("one", &[Value::I32(1)])), RejectStage::Call, "no instance");
    assert_rejected(&fresh.step(&Step::MemoryPages), RejectStage::Call, "no instance");

    let mut session = instantiated(wat);
    assert_rejected(&session.step(&call("missing", &[])), RejectStage::Call, "no export `missing`");
    assert_rejected(&session.step(&call("answer", &[])), RejectStage::Call, "not a function");
    assert_rejected(&session.step(&call("one", &[])), RejectStage::Call, "cannot take");
    assert_rejected(&session.step(&call("one", &[Value::I64(1)])), RejectStage::Call, "cannot take");
    assert_rejected(&session.step(&call("vector", &[])), RejectStage::Call, "v128");
    assert_eq!(session.step(&call("one", &[Value::I32(1)])).outcome, returned(&[]));
}

#[test]
fn memory_pages_reads_the_exported_memory() {
    let mut session = instantiated(r#"(module (memory (export "memory") 3))"#);
    assert_eq!(session.step(&Step::MemoryPages).outcome, returned(&[Value::I32(3)]));

    let mut no_memory = instantiated(r#"(module (memory 1))"#);
    assert_rejected(&no_memory.step(&Step::MemoryPages), RejectStage::Call, "no `memory` export");
}

#[test]
fn sessions_of_one_module_run_in_parallel_threads() {
    let module = compile(
        r#"(module (global $g (mut i32) (i32.const 0))
      (func (export "bump") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g)))"#,
    );
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let module = module.clone();
            std::thread::spawn(move || {
                let mut session = module.session(limits());
                session.step(&Step::Instantiate(wasi()));
                (0..3).map(|_| session.step(&call("bump", &[])).outcome).last()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().expect("thread finishes"), Some(returned(&[Value::I32(3)])));
    }
}
