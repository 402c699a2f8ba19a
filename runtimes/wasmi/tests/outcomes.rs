//! Each outcome mapping, proved by running: returned values, `proc_exit` codes, trap kinds,
//! rejected calls and link errors.

mod common;

use common::*;
use execmodel_contract::{Outcome, RejectStage, Step, TrapKind, Value};

#[test]
fn returns_each_value_type() {
    let mut session = instantiated(
        r#"(module
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "wide") (param i64) (result i64 f32 f64)
            (local.get 0) (f32.const 1.5) (f64.const -0.25))
          (func (export "nothing")))"#,
    );
    let add = session.step(&call("add", &[Value::I32(2), Value::I32(-5)]));
    assert_eq!(add.outcome, Outcome::Returned(vec![Value::I32(-3)]));
    let wide = session.step(&call("wide", &[Value::I64(9_000_000_000)]));
    assert_eq!(wide.outcome, Outcome::Returned(vec![Value::I64(9_000_000_000), Value::F32(1.5), Value::F64(-0.25)]));
    assert_eq!(session.step(&call("nothing", &[])).outcome, Outcome::returned_nothing());
}

#[test]
fn proc_exit_below_126_is_an_exit() {
    let module = wasi_module(r#"(func (export "exit") (param i32) (call $proc_exit (local.get 0)))"#);
    for code in [0, 1, 3, 125] {
        let mut session = instantiated(&module);
        let result = session.step(&call("exit", &[Value::I32(code)]));
        assert_eq!(result.outcome, Outcome::Exited(i64::from(code)), "proc_exit({code})");
    }
}

/// wasi-common 36 refuses statuses >= 126 (as u32, so -1 too) with a plain error instead of an
/// exit: the guest's call fails like any failing host call.
#[test]
fn proc_exit_at_or_above_126_or_negative_is_a_trap() {
    let module = wasi_module(r#"(func (export "exit") (param i32) (call $proc_exit (local.get 0)))"#);
    for code in [126, 255, 256, 1000, -1] {
        let mut session = instantiated(&module);
        let result = session.step(&call("exit", &[Value::I32(code)]));
        match &result.outcome {
            Outcome::HostError { message, .. } => {
                assert!(message.contains("invalid exit status outside of [0..126)"), "proc_exit({code}): {message}")
            }
            other => panic!("proc_exit({code}): expected a trap, got {other:?}"),
        }
    }
}

#[test]
fn proc_exit_in_a_start_section_is_an_exit_of_instantiate() {
    let module = wasi_module(r#"(func $main (call $proc_exit (i32.const 7))) (start $main)"#);
    let mut session = session(&module);
    assert_eq!(session.step(&instantiate()).outcome, Outcome::Exited(7));
    // wasmi returns no instance when the start function fails, so nothing is left to call.
    let after = session.step(&call("memory", &[]));
    assert!(matches!(after.outcome, Outcome::Rejected { stage: RejectStage::Call, .. }), "{after:?}");
}

#[test]
fn traps_are_classified_by_kind() {
    let mut session = instantiated(
        r#"(module
          (memory (export "memory") 1)
          (func (export "unreachable") unreachable)
          (func (export "load_oob") (result i32) (i32.load (i32.const 65536)))
          (func $recurse (export "recurse") (call $recurse))
          (func (export "div0") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
          (table 1 funcref)
          (func (export "table_oob") (call_indirect (i32.const 5))))"#,
    );
    let cases = [
        ("unreachable", vec![], TrapKind::Unreachable),
        ("load_oob", vec![], TrapKind::OutOfBounds),
        ("recurse", vec![], TrapKind::StackOverflow),
        ("div0", vec![Value::I32(0)], TrapKind::Other),
        ("table_oob", vec![], TrapKind::OutOfBounds),
    ];
    for (export, args, kind) in cases {
        let result = session.step(&call(export, &args));
        assert_eq!(trap_kind(&result), Some(kind), "{export}: {result:?}");
    }
    // After traps the instance is kept and still answers.
    let again = session.step(&call("div0", &[Value::I32(1)]));
    assert_eq!(again.outcome, Outcome::Returned(vec![Value::I32(1)]));
}

#[test]
fn a_trapping_start_section_is_a_trap_of_instantiate() {
    let mut session = session(r#"(module (func $main unreachable) (start $main))"#);
    let result = session.step(&instantiate());
    assert_eq!(trap_kind(&result), Some(TrapKind::Unreachable), "{result:?}");
}

#[test]
fn bad_calls_are_rejected_at_call() {
    let mut fresh = session(r#"(module (func (export "f")))"#);
    let before = fresh.step(&call("f", &[]));
    assert!(matches!(before.outcome, Outcome::Rejected { stage: RejectStage::Call, .. }), "{before:?}");

    let mut session = instantiated(
        r#"(module (global (export "g") i32 (i32.const 1))
                   (func (export "f") (param i32) (result i32) (local.get 0)))"#,
    );
    let cases = [
        call("missing", &[]),
        call("g", &[]),
        call("f", &[]),
        call("f", &[Value::I64(1)]),
        call("f", &[Value::I32(1), Value::I32(2)]),
        Step::MemoryPages,
    ];
    for step in cases {
        let result = session.step(&step);
        assert!(
            matches!(result.outcome, Outcome::Rejected { stage: RejectStage::Call, .. }),
            "{}: {result:?}",
            step.describe()
        );
    }
}

#[test]
fn unknown_imports_are_link_errors() {
    for import in [
        r#"(import "wasi_snapshot_preview1" "no_such_function" (func))"#,
        r#"(import "env" "host" (func))"#,
        // Known name, wrong signature.
        r#"(import "wasi_snapshot_preview1" "proc_exit" (func (param i64)))"#,
    ] {
        let mut session = session(&format!("(module {import})"));
        let result = session.step(&instantiate());
        assert!(matches!(result.outcome, Outcome::Rejected { stage: RejectStage::Link, .. }), "{import}: {result:?}");
    }
}

#[test]
fn a_data_segment_out_of_bounds_is_rejected_at_instantiate() {
    let mut session = session(r#"(module (memory 1) (data (i32.const 65535) "ab"))"#);
    let result = session.step(&instantiate());
    assert!(matches!(result.outcome, Outcome::Rejected { stage: RejectStage::Instantiate, .. }), "{result:?}");
}

#[test]
fn memory_pages_reports_the_exported_memory() {
    let mut session = instantiated(
        r#"(module (memory (export "memory") 2)
                   (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#,
    );
    assert_eq!(session.step(&Step::MemoryPages).outcome, Outcome::Returned(vec![Value::I32(2)]));
    assert_eq!(session.step(&call("grow", &[])).outcome, Outcome::Returned(vec![Value::I32(2)]));
    assert_eq!(session.step(&Step::MemoryPages).outcome, Outcome::Returned(vec![Value::I32(3)]));
}

#[test]
fn invalid_wasm_is_a_compile_error() {
    let result = execmodel_wasmi::runtime().compile(b"\0asm\x01\0\0\0\x01");
    assert!(matches!(result, Err(execmodel_contract::AdapterError::Compile { .. })));
}

#[test]
fn one_compiled_module_serves_parallel_sessions() {
    let wasm = wat::parse_str(r#"(module (func (export "id") (param i32) (result i32) (local.get 0)))"#).unwrap();
    let module = execmodel_wasmi::runtime().compile(&wasm).unwrap();
    std::thread::scope(|scope| {
        for n in 0..4 {
            let module = &module;
            scope.spawn(move || {
                let mut session = module.session(limits());
                assert_eq!(session.step(&instantiate()).outcome, Outcome::returned_nothing());
                assert_eq!(session.step(&call("id", &[Value::I32(n)])).outcome, Outcome::Returned(vec![Value::I32(n)]));
            });
        }
    });
}
