//! `instantiate` + `call NAME(ARGS)` through the CLI's invoke option.

mod common;

use common::*;
use execmodel_contract::{Outcome, RejectStage, TrapKind, Value};

/// A reactor whose `_initialize` sets a base that `add` includes.
fn reactor() -> Vec<u8> {
    module(
        r#"(global $base (mut i32) (i32.const 0))
           (data (i32.const 100) "called\n")
           (func (export "_initialize") (global.set $base (i32.const 40)))
           (func (export "add") (param i32 i32) (result i32)
             (call $write (i32.const 1) (i32.const 100) (i32.const 7))
             (i32.add (global.get $base) (i32.add (local.get 0) (local.get 1))))
           (func (export "wide") (param i64 f64) (result i64 f64) (local.get 0) (local.get 1))
           (func (export "nothing"))
           (func (export "quit") (call $proc_exit (i32.const 7)))
           (func (export "crash") unreachable)"#,
    )
}

#[test]
fn invoke_runs_initialize_then_the_export_and_reads_its_results() {
    for runtime in runtimes_that_invoke() {
        let (instantiated, called) = invoke(&runtime, &reactor(), "add", &[Value::I32(1), Value::I32(2)]);
        assert_eq!(instantiated.outcome, Outcome::Returned(vec![]), "{}", runtime.name());
        assert_eq!(
            called.outcome,
            Outcome::Returned(vec![Value::I32(43)]),
            "{}: {}",
            runtime.name(),
            text(&called.stderr)
        );
        assert_eq!(text(&called.stdout), "called\n", "{}: printed results are not guest output", runtime.name());
        assert!(called.stderr.is_empty(), "{}: {}", runtime.name(), text(&called.stderr));
    }
}

#[test]
fn invoke_passes_and_reads_wide_values() {
    for runtime in runtimes_that_invoke() {
        let (_, called) = invoke(&runtime, &reactor(), "wide", &[Value::I64(-9_000_000_000), Value::F64(1.5)]);
        assert_eq!(
            called.outcome,
            Outcome::Returned(vec![Value::I64(-9_000_000_000), Value::F64(1.5)]),
            "{}",
            runtime.name()
        );
        let (_, nothing) = invoke(&runtime, &reactor(), "nothing", &[]);
        assert_eq!(nothing.outcome, Outcome::Returned(vec![]), "{}", runtime.name());
    }
}

#[test]
fn an_invoked_export_can_exit_or_trap() {
    for runtime in runtimes_that_invoke() {
        let (_, quit) = invoke(&runtime, &reactor(), "quit", &[]);
        assert_eq!(quit.outcome, Outcome::Exited(7), "{}", runtime.name());
        let (_, crash) = invoke(&runtime, &reactor(), "crash", &[]);
        assert!(
            matches!(crash.outcome, Outcome::Trapped { kind: TrapKind::Unreachable, .. }),
            "{}: {:?}",
            runtime.name(),
            crash.outcome
        );
    }
}

#[test]
fn invoking_a_missing_export_is_a_call_rejection() {
    for runtime in runtimes_that_invoke() {
        let (_, called) = invoke(&runtime, &reactor(), "absent", &[]);
        assert!(
            matches!(called.outcome, Outcome::Rejected { stage: RejectStage::Call, .. }),
            "{}: {:?}",
            runtime.name(),
            called.outcome
        );
    }
}
