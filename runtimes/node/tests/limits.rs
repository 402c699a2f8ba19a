//! The step budget (CPU time of the worker process), memory cap, output capture and its cap.

mod common;

use common::*;
use execmodel_contract::{BudgetUnit, Limits, Step, Value};

#[test]
fn an_endless_loop_spends_its_cpu_budget_and_only_its_session_loses_its_worker() {
    let wasm = wasi_module(
        r#"(func (export "spin") (loop (br 0)))
           (func (export "ok") (result i32) (i32.const 1))"#,
    );
    let module = compile(&wasm);
    // Another session open at the same time keeps its own worker and instance.
    let mut bystander = module.session(Limits::default());
    assert_outcome(&mut *bystander, &instantiate(), "returned");

    let mut session = module.session(short_budget());
    assert_outcome(&mut *session, &instantiate(), "returned");
    let spun = assert_outcome(&mut *session, &call("spin", &[]), "trapped deadline");
    let used = spun.budget_use.expect("a guest step reports its budget use");
    assert_eq!(used.unit, BudgetUnit::CpuMicros);
    assert!(used.used >= used.limit, "killed only once its CPU time was spent: {used:?}");
    assert_rejected(&session.step(&call("ok", &[])), "call", "killed");

    assert_outcome(&mut *bystander, &call("ok", &[]), "returned i32:1");
    let mut next = module.session(short_budget());
    assert_outcome(&mut *next, &run(), "returned");
    assert_outcome(&mut *next, &call("ok", &[]), "returned i32:1");
}

#[test]
fn a_budget_spent_in_an_entry_point_node_called_still_lists_that_call() {
    // node's wasi.initialize() calls `_initialize`, which never returns: the worker is killed on
    // the budget, and its interim reply is what shows that node had called `_initialize`. A
    // direct call of the same loop is the harness's call, not node's.
    let wasm = wasi_module(r#"(func (export "_initialize") (loop (br 0)))"#);
    let module = compile(&wasm);
    let mut session = module.session(short_budget());
    let ran = assert_outcome(&mut *session, &run(), "trapped deadline");
    assert_eq!(ran.implicit_calls, ["_initialize"]);
    let how = ran.surfaced.unwrap_or_default();
    assert!(how.contains("wasi.initialize() was running"), "{how}");

    let mut session = module.session(short_budget());
    assert_outcome(&mut *session, &instantiate(), "returned");
    let called = assert_outcome(&mut *session, &call("_initialize", &[]), "trapped deadline");
    assert!(called.implicit_calls.is_empty(), "{:?}", called.implicit_calls);
}

#[test]
fn memory_cannot_grow_past_the_cap() {
    let wasm = wasi_module(r#"(func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))"#);
    let limits = Limits { memory_bytes: 3 << 16, ..Limits::default() };
    let mut session = session_with(&wasm, limits);
    assert_outcome(&mut *session, &instantiate(), "returned");
    assert_outcome(&mut *session, &call("grow", &[Value::I32(2)]), "returned i32:1");
    assert_outcome(&mut *session, &call("grow", &[Value::I32(1)]), "returned i32:-1");
    assert_outcome(&mut *session, &Step::MemoryPages, "returned i32:3");
    // Under the default cap the same module grows further: the cap, not the module, said no.
    let mut roomy = common::session(&wasm);
    assert_outcome(&mut *roomy, &instantiate(), "returned");
    assert_outcome(&mut *roomy, &call("grow", &[Value::I32(3)]), "returned i32:1");
}

#[test]
fn a_declared_maximum_below_the_cap_still_applies() {
    let wasm = wat(
        r#"(module (memory (export "memory") 1 2) (func (export "grow") (result i32) (memory.grow (i32.const 2))))"#,
    );
    let mut session = session(&wasm);
    assert_outcome(&mut *session, &instantiate(), "returned");
    assert_outcome(&mut *session, &call("grow", &[]), "returned i32:-1");
}

#[test]
fn an_initial_memory_over_the_cap_is_rejected_at_instantiate() {
    let wasm = wat(r#"(module (memory (export "memory") 4) (func (export "_start")))"#);
    let limits = Limits { memory_bytes: 2 << 16, ..Limits::default() };
    let mut session = session_with(&wasm, limits);
    assert_rejected(&session.step(&run()), "instantiate", "initial memory of 4 pages exceeds the limit of 2 pages");
    assert_rejected(&session.step(&call("_start", &[])), "call", "no instance");
}

const TALKER: &str = r#"
  (data (i32.const 1024) "one\n")
  (data (i32.const 1040) "two\n")
  (data (i32.const 1056) "err!")
  (func (export "one") (call $print (i32.const 1024) (i32.const 4)))
  (func (export "two") (call $print (i32.const 1040) (i32.const 4)) (call $write_to (i32.const 2) (i32.const 1056) (i32.const 4)))"#;

#[test]
fn each_step_returns_only_the_output_written_during_it() {
    let mut session = session(&wasi_module(TALKER));
    // `run` is node's wasi.initialize here (no `_start`), which binds memory for WASI calls.
    let quiet = assert_outcome(&mut *session, &run(), "returned");
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
    let one = assert_outcome(&mut *session, &call("one", &[]), "returned");
    assert_eq!((one.stdout.as_slice(), one.stderr.as_slice()), (&b"one\n"[..], &b""[..]));
    let two = assert_outcome(&mut *session, &call("two", &[]), "returned");
    assert_eq!((two.stdout.as_slice(), two.stderr.as_slice()), (&b"two\n"[..], &b"err!"[..]));
}

#[test]
fn output_beyond_the_cap_is_dropped_per_instance() {
    let limits = Limits { output_bytes: 6, ..Limits::default() };
    let mut session = session_with(&wasi_module(TALKER), limits);
    assert_outcome(&mut *session, &run(), "returned");
    assert_eq!(session.step(&call("one", &[])).stdout, b"one\n");
    let two = session.step(&call("two", &[]));
    assert_eq!((two.stdout.as_slice(), two.stderr.as_slice()), (&b"tw"[..], &b"err!"[..]));
    assert_eq!(session.step(&call("one", &[])).stdout, b"");
}

#[test]
fn a_guest_closing_its_stdout_loses_its_output_but_not_the_worker() {
    let wasm = wasi_module(&format!(
        r#"(func (export "close_stdout") (result i32) (call $fd_close (i32.const 1)))
           {TALKER}"#
    ));
    let module = compile(&wasm);
    for _ in 0..3 {
        let mut session = module.session(Limits::default());
        assert_outcome(&mut *session, &run(), "returned");
        assert_eq!(session.step(&call("one", &[])).stdout, b"one\n");
        assert_outcome(&mut *session, &call("close_stdout", &[]), "returned i32:0");
        let after = assert_outcome(&mut *session, &call("two", &[]), "returned");
        assert_eq!((after.stdout.as_slice(), after.stderr.as_slice()), (&b""[..], &b"err!"[..]));
    }
}
