//! Calls, values, traps, link errors.

mod common;

use common::*;
use execmodel_contract::Value;

const TRAPS: &str = r#"
  (table 1 funcref)
  (func (export "unreachable") unreachable)
  (func (export "load_oob") (result i32) (i32.load (i32.const 70000)))
  (func $recurse (export "recurse") (call $recurse))
  (func (export "divide_by_zero") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
  (func (export "indirect_oob") (call_indirect (i32.const 5)))
  (func (export "indirect_null") (call_indirect (i32.const 0)))
  (func (export "ok") (result i32) (i32.const 1))"#;

#[test]
fn traps_are_classified_and_the_instance_survives_them() {
    let mut session = session(&wasi_module(TRAPS));
    assert_outcome(&mut *session, &instantiate(), "returned");
    for (export, expected) in [
        ("unreachable", "trapped unreachable"),
        ("load_oob", "trapped out-of-bounds"),
        ("recurse", "trapped stack-overflow"),
        ("divide_by_zero", "trapped other"),
        ("indirect_oob", "trapped out-of-bounds"),
        ("indirect_null", "trapped other"),
    ] {
        assert_outcome(&mut *session, &call(export, &[]), expected);
        assert_outcome(&mut *session, &call("ok", &[]), "returned i32:1");
    }
}

#[test]
fn values_of_every_type_cross_both_ways() {
    let wasm = wasi_module(
        r#"(func (export "echo") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
             local.get 3 local.get 2 local.get 1 local.get 0)
           (func (export "nothing"))"#,
    );
    let mut session = session(&wasm);
    assert_outcome(&mut *session, &instantiate(), "returned");
    let args = [Value::I32(-7), Value::I64(i64::MIN), Value::F32(1.5), Value::F64(-0.25)];
    assert_outcome(&mut *session, &call("echo", &args), "returned f64:-0.25 f32:1.5 i64:-9223372036854775808 i32:-7");
    assert_outcome(&mut *session, &call("nothing", &[]), "returned");
}

#[test]
fn calls_that_cannot_be_made_are_rejected_at_call() {
    let wasm = wasi_module(r#"(func (export "take") (param i32) (result i32) (local.get 0))"#);
    let mut session = session(&wasm);
    assert_rejected(&session.step(&call("take", &[Value::I32(1)])), "call", "no instance");
    assert_outcome(&mut *session, &instantiate(), "returned");
    assert_rejected(&session.step(&call("missing", &[])), "call", "no export named `missing`");
    // JavaScript passes `undefined` for a missing argument (ToInt32: 0) and converts what it
    // is given: no refusal of the harness's own stands in for node's answer.
    assert_outcome(&mut *session, &call("take", &[]), "returned i32:0");
    assert_outcome(&mut *session, &call("take", &[Value::F64(1.0)]), "returned i32:1");
    assert_rejected(&session.step(&call("memory", &[])), "call", "not a function");
    assert_outcome(&mut *session, &call("take", &[Value::I32(3)]), "returned i32:3");
}

#[test]
fn memory_reports_pages_or_rejects_without_a_memory_export() {
    let mut session = session(&wasi_module(r#"(func (export "grow") (result i32) (memory.grow (i32.const 2)))"#));
    assert_outcome(&mut *session, &instantiate(), "returned");
    assert_outcome(&mut *session, &execmodel_contract::Step::MemoryPages, "returned i32:1");
    assert_outcome(&mut *session, &call("grow", &[]), "returned i32:1");
    assert_outcome(&mut *session, &execmodel_contract::Step::MemoryPages, "returned i32:3");
    let mut bare = common::session(&wat("(module)"));
    assert_outcome(&mut *bare, &instantiate(), "returned");
    assert_rejected(&bare.step(&execmodel_contract::Step::MemoryPages), "call", "no memory");
}

#[test]
fn unresolvable_imports_are_rejected_at_link() {
    let unknown_wasi =
        wat(r#"(module (import "wasi_snapshot_preview1" "no_such_call" (func)) (memory (export "memory") 1))"#);
    let result = session(&unknown_wasi).step(&instantiate());
    assert_rejected(&result, "link", "LinkError");
    let other_namespace = wat(r#"(module (import "env" "f" (func)) (memory (export "memory") 1))"#);
    let result = session(&other_namespace).step(&run());
    assert_rejected(&result, "link", "Import #0");
    let wrong_type = wat(r#"(module (import "wasi_snapshot_preview1" "proc_exit" (global i32)))"#);
    assert_rejected(&session(&wrong_type).step(&instantiate()), "link", "LinkError");
}

#[test]
fn a_module_v8_refuses_is_a_compile_error() {
    let mut invalid = wat(r#"(module (func (result i32) (i32.const 1)))"#);
    // Turn `i32.const 1` (0x41 0x01) into `i64.const 1`: well-formed, ill-typed.
    let at = invalid.iter().rposition(|byte| *byte == 0x41).unwrap();
    invalid[at] = 0x42;
    let error = match execmodel_contract::Runtime::compile(node(), &invalid) {
        Ok(_) => panic!("an ill-typed module compiled"),
        Err(error) => error.to_string(),
    };
    assert!(error.contains("does not compile on node") && error.contains("CompileError"), "{error}");
}
