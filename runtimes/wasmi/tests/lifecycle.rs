//! wasmi's lifecycle behaviour: `instantiate` calls nothing, `Run` is the ABI reading (wasmi has
//! no policy of its own), second calls are plain calls, and a module without a `memory` export
//! instantiates but fails at its first WASI call.

mod common;

use common::*;
use execmodel_contract::{Outcome, RejectStage, Step, TrapKind, Value};

/// A counter: `_initialize` sets it to 10, `bump` adds one and returns it. A start section
/// writes "S", `_start` writes "M"; `ENTRY` is replaced by the entry exports under test.
const COUNTER: &str = r#"
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 16) "SM")
  (func $start_section (call $write (i32.const 1) (i32.const 16) (i32.const 1)))
  (start $start_section)
  (func $init (global.set $n (i32.const 10)))
  (func $main (call $write (i32.const 1) (i32.const 17) (i32.const 1)))
  (func (export "bump") (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (global.get $n))
  ENTRY
"#;

fn counter(entry: &str) -> String {
    wasi_module(&COUNTER.replace("ENTRY", entry))
}

const EXPORT_START: &str = r#"(export "_start" (func $main))"#;
const EXPORT_INITIALIZE: &str = r#"(export "_initialize" (func $init))"#;

fn bump(session: &mut Box<dyn execmodel_contract::Session>) -> Outcome {
    session.step(&call("bump", &[])).outcome
}

fn i32s(value: i32) -> Outcome {
    Outcome::Returned(vec![Value::I32(value)])
}

#[test]
fn instantiate_runs_only_the_start_section() {
    let mut session = session(&counter(&format!("{EXPORT_START} {EXPORT_INITIALIZE}")));
    let result = session.step(&instantiate());
    assert_eq!((result.outcome, result.stdout), (Outcome::returned_nothing(), b"S".to_vec()));
    assert_eq!(bump(&mut session), i32s(1), "_initialize was not called");
}

#[test]
fn run_calls_start_of_a_command_after_the_start_section() {
    let mut session = session(&counter(EXPORT_START));
    let result = session.step(&run());
    assert_eq!((result.outcome, result.stdout), (Outcome::returned_nothing(), b"SM".to_vec()));
    // Later calls act on the same instance; wasmi does not refuse a second `_start`.
    assert_eq!(bump(&mut session), i32s(1));
    assert_eq!(bump(&mut session), i32s(2));
    let again = session.step(&call("_start", &[]));
    assert_eq!((again.outcome, again.stdout), (Outcome::returned_nothing(), b"M".to_vec()));
}

#[test]
fn run_calls_initialize_of_a_reactor_once_and_keeps_its_state() {
    let mut session = session(&counter(EXPORT_INITIALIZE));
    let result = session.step(&run());
    assert_eq!((result.outcome, result.stdout), (Outcome::returned_nothing(), b"S".to_vec()));
    assert_eq!(bump(&mut session), i32s(11));
    assert_eq!(bump(&mut session), i32s(12));
    // A second `_initialize` is a plain call too: it resets the counter.
    assert_eq!(session.step(&call("_initialize", &[])).outcome, Outcome::returned_nothing());
    assert_eq!(bump(&mut session), i32s(11));
}

#[test]
fn run_of_a_module_with_neither_only_instantiates() {
    let mut session = session(&counter(""));
    let result = session.step(&run());
    assert_eq!((result.outcome, result.stdout), (Outcome::returned_nothing(), b"S".to_vec()));
    assert_eq!(bump(&mut session), i32s(1));
}

#[test]
fn run_refuses_a_module_exporting_both_before_any_code_runs() {
    let mut session = session(&counter(&format!("{EXPORT_START} {EXPORT_INITIALIZE}")));
    let result = session.step(&run());
    match &result.outcome {
        Outcome::Rejected { stage: RejectStage::Run, message, .. } => {
            assert!(message.contains("exports both _start and _initialize"), "{message}")
        }
        other => panic!("expected a run rejection, got {other:?}"),
    }
    assert!(result.stdout.is_empty(), "the start section must not have run");
    let after = session.step(&call("bump", &[]));
    assert!(matches!(after.outcome, Outcome::Rejected { stage: RejectStage::Call, .. }), "{after:?}");
}

#[test]
fn run_refuses_an_entry_point_that_is_not_a_nullary_function() {
    for entry in [
        r#"(func (export "_start") (param i32))"#,
        r#"(func (export "_initialize") (result i32) (i32.const 0))"#,
        r#"(global (export "_start") i32 (i32.const 0))"#,
    ] {
        let mut session = session(&counter(entry));
        let result = session.step(&run());
        assert!(matches!(result.outcome, Outcome::Rejected { stage: RejectStage::Run, .. }), "{entry}: {result:?}");
        assert!(result.stdout.is_empty(), "{entry}: nothing may run");
    }
}

#[test]
fn run_reports_the_exit_of_start() {
    for code in [0, 3] {
        let module = wasi_module(&format!(r#"(func (export "_start") (call $proc_exit (i32.const {code})))"#));
        let mut session = session(&module);
        assert_eq!(session.step(&run()).outcome, Outcome::Exited(code), "exit {code}");
        // The instance is kept after the exit, and wasmi lets `_start` be called again.
        assert_eq!(session.step(&Step::MemoryPages).outcome, i32s(1));
        assert_eq!(session.step(&call("_start", &[])).outcome, Outcome::Exited(code), "second exit {code}");
    }
}

#[test]
fn run_reports_a_trap_in_initialize() {
    let module = wasi_module(r#"(func (export "_initialize") unreachable)"#);
    let result = session(&module).step(&run());
    assert_eq!(trap_kind(&result), Some(TrapKind::Unreachable), "{result:?}");
}

/// wasmi_wasi looks up the caller's `memory` export on every WASI call, before the call itself:
/// instantiation succeeds, and the first WASI call of any kind — `proc_exit` included — fails.
#[test]
fn without_a_memory_export_instantiation_succeeds_and_every_wasi_call_is_a_host_error() {
    let module = r#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
        (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
        (memory 1)
        (func (export "exit") (call $proc_exit (i32.const 0)))
        (func (export "yield") (result i32) (call $sched_yield))
        (func (export "_start")))"#;
    let mut session = session(module);
    assert_eq!(session.step(&instantiate()).outcome, Outcome::returned_nothing());
    assert!(matches!(session.step(&Step::MemoryPages).outcome, Outcome::Rejected { stage: RejectStage::Call, .. }));
    for export in ["exit", "yield"] {
        match session.step(&call(export, &[])).outcome {
            Outcome::HostError { message, .. } => {
                assert!(message.contains("missing required WASI memory export"), "{export}: {message}")
            }
            other => panic!("{export}: expected a trap, got {other:?}"),
        }
    }
    // `Run` is the harness's ABI reading, which refuses a WASI module without a `memory` export.
    let refused = session.step(&run()).outcome;
    assert!(
        matches!(&refused, Outcome::Rejected { stage: RejectStage::Run, message, .. } if message.contains("exports no `memory`")),
        "{refused:?}"
    );
}
