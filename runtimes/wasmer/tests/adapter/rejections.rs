//! Link errors and calls that cannot be made.

use execmodel_contract::{Outcome, RejectStage, Step, Value};

use crate::guest::*;

fn rejected_at(outcome: &Outcome, stage: RejectStage) -> bool {
    matches!(outcome, Outcome::Rejected { stage: s, .. } if *s == stage)
}

#[test]
fn an_import_preview1_lacks_is_a_link_error() {
    for import in
        [r#"(import "wasi_snapshot_preview1" "no_such_function" (func))"#, r#"(import "env" "host_thing" (func))"#]
    {
        let wasm = wat::parse_str(format!(r#"(module {import} (memory (export "memory") 1))"#)).unwrap();
        let mut session = open_with(&wasm, limits());
        let outcome = session.step(&instantiate()).outcome;
        assert!(rejected_at(&outcome, RejectStage::Link), "{import}: {outcome:?}");
    }
}

#[test]
fn a_preview1_import_with_the_wrong_signature_is_a_link_error() {
    let wasm = wat::parse_str(
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i64))) (memory (export "memory") 1))"#,
    )
    .unwrap();
    let outcome = open_with(&wasm, limits()).step(&instantiate()).outcome;
    assert!(rejected_at(&outcome, RejectStage::Link), "{outcome:?}");
}

#[test]
fn calls_that_cannot_be_made_are_rejected() {
    let body = r#"
      (global (export "counter") i32 (i32.const 0))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    "#;
    let mut session = open(body);
    assert!(rejected_at(&session.step(&call("add", &[Value::I32(1), Value::I32(2)])).outcome, RejectStage::Call));
    assert!(rejected_at(&session.step(&Step::MemoryPages).outcome, RejectStage::Call));
    assert_eq!(session.step(&instantiate()).outcome, returned(&[]));
    assert!(rejected_at(&session.step(&call("missing", &[])).outcome, RejectStage::Call));
    assert!(rejected_at(&session.step(&call("counter", &[])).outcome, RejectStage::Call));
    assert!(rejected_at(&session.step(&call("add", &[Value::I32(1)])).outcome, RejectStage::Call));
    assert!(rejected_at(&session.step(&call("add", &[Value::I32(1), Value::I64(2)])).outcome, RejectStage::Call));
    assert_eq!(session.step(&call("add", &[Value::I32(1), Value::I32(2)])).outcome, returned(&[Value::I32(3)]));
    assert_eq!(session.step(&Step::MemoryPages).outcome, returned(&[Value::I32(1)]));
}

#[test]
fn values_of_every_number_type_cross_the_boundary() {
    let body =
        r#"(func (export "echo") (param i64 f32 f64) (result f64 f32 i64) (local.get 2) (local.get 1) (local.get 0))"#;
    let mut session = open(body);
    session.step(&instantiate());
    let outcome = session.step(&call("echo", &[Value::I64(-5), Value::F32(1.5), Value::F64(-0.25)])).outcome;
    assert_eq!(outcome, returned(&[Value::F64(-0.25), Value::F32(1.5), Value::I64(-5)]));
}
