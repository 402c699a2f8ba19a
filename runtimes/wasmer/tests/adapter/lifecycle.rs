//! Who calls `_initialize` and `_start`, established by running.
//!
//! `_initialize` adds 1 to a counter and prints "i"; `_start` adds 10 and prints "s"; `get`
//! returns the counter.

use execmodel_contract::{Outcome, RejectStage, Step, TrapKind, Value};

use crate::guest::*;

const COUNTER: &str = r#"
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 64) "is")
  (func $bump (param $by i32) (param $letter i32)
    (global.set $n (i32.add (global.get $n) (local.get $by)))
    (call $print (i32.const 1) (local.get $letter) (i32.const 1)))
  (func (export "get") (result i32) (global.get $n))
"#;
const INITIALIZE: &str = r#"(func (export "_initialize") (call $bump (i32.const 1) (i32.const 64)))"#;
const START: &str = r#"(func (export "_start") (call $bump (i32.const 10) (i32.const 65)))"#;

pub fn reactor() -> String {
    format!("{COUNTER} {INITIALIZE}")
}
pub fn command() -> String {
    format!("{COUNTER} {START}")
}
pub fn both() -> String {
    format!("{COUNTER} {INITIALIZE} {START}")
}

fn get() -> Step {
    call("get", &[])
}

#[test]
fn instantiate_calls_initialize_itself_and_a_second_call_is_not_refused() {
    let mut session = open(&reactor());
    let results = run_steps(&mut *session, &[instantiate(), get(), call("_initialize", &[]), get()]);
    assert_eq!(results[0].outcome, returned(&[]));
    assert_eq!(stdout(&results[0]), "i", "WasiEnvBuilder::instantiate ran _initialize");
    assert_eq!(results[1].outcome, returned(&[Value::I32(1)]));
    assert_eq!(results[2].outcome, returned(&[]));
    assert_eq!(stdout(&results[2]), "i");
    assert_eq!(results[3].outcome, returned(&[Value::I32(2)]));
}

#[test]
fn instantiate_does_not_call_start_and_start_may_be_called_twice() {
    let mut session = open(&command());
    let results = run_steps(&mut *session, &[instantiate(), get(), call("_start", &[]), call("_start", &[]), get()]);
    assert_eq!(results[0].outcome, returned(&[]));
    assert_eq!(stdout(&results[0]), "");
    assert_eq!(results[1].outcome, returned(&[Value::I32(0)]));
    assert_eq!(stdout(&results[2]), "s");
    assert_eq!(results[3].outcome, returned(&[]));
    assert_eq!(results[4].outcome, returned(&[Value::I32(20)]));
}

#[test]
fn a_module_exporting_both_is_instantiated_and_initialized_without_complaint() {
    let mut session = open(&both());
    let results = run_steps(&mut *session, &[instantiate(), get()]);
    assert_eq!(results[0].outcome, returned(&[]));
    assert_eq!(stdout(&results[0]), "i");
    assert_eq!(results[1].outcome, returned(&[Value::I32(1)]));
}

#[test]
fn run_initializes_twice_then_starts() {
    let mut session = open(&both());
    let results = run_steps(&mut *session, &[run(), get()]);
    assert_eq!(results[0].outcome, returned(&[]));
    assert_eq!(stdout(&results[0]), "iis");
    assert_eq!(results[1].outcome, returned(&[Value::I32(12)]));
}

#[test]
fn run_of_a_command_calls_start_once() {
    let mut session = open(&command());
    let results = run_steps(&mut *session, &[run(), get()]);
    assert_eq!(results[0].outcome, returned(&[]));
    assert_eq!(stdout(&results[0]), "s");
    assert_eq!(results[1].outcome, returned(&[Value::I32(10)]));
}

#[test]
fn run_of_a_reactor_initializes_twice_then_refuses_for_want_of_start() {
    let mut session = open(&reactor());
    let results = run_steps(&mut *session, &[run(), get()]);
    match &results[0].outcome {
        Outcome::Rejected { stage: RejectStage::Run, message, .. } => {
            assert!(message.contains("missing _start"), "{message}")
        }
        other => panic!("expected a run rejection, got {other:?}"),
    }
    assert_eq!(stdout(&results[0]), "ii");
    assert_eq!(results[1].outcome, returned(&[Value::I32(2)]), "the instance stays usable");
}

#[test]
fn a_module_without_any_memory_export_is_refused_at_instantiation() {
    let wasm = wat::parse_str(
        r#"(module (global $n (mut i32) (i32.const 0))
             (func (export "_initialize") (global.set $n (i32.const 1)))
             (func (export "get") (result i32) (global.get $n)))"#,
    )
    .unwrap();
    let mut session = open_with(&wasm, limits());
    let outcomes = outcomes_of(&mut *session, &[instantiate(), get()]);
    match &outcomes[0] {
        Outcome::Rejected { stage: RejectStage::Instantiate, message, .. } => {
            assert!(message.contains("No imported or exported memory found"), "{message}")
        }
        other => panic!("expected an instantiation rejection, got {other:?}"),
    }
    assert!(matches!(outcomes[1], Outcome::Rejected { stage: RejectStage::Call, .. }));
}

#[test]
fn any_exported_memory_satisfies_wasix_but_memory_pages_wants_one_named_memory() {
    let mut session = open(&format!(r#"(memory (export "mem") 2) {}"#, reactor()));
    let outcomes = outcomes_of(&mut *session, &[instantiate(), Step::MemoryPages, get()]);
    assert_eq!(outcomes[0], returned(&[]));
    assert!(matches!(outcomes[1], Outcome::Rejected { stage: RejectStage::Call, .. }), "{:?}", outcomes[1]);
    assert_eq!(outcomes[2], returned(&[Value::I32(1)]));
}

#[test]
fn initialize_that_exits_or_traps_during_instantiate_leaves_no_instance() {
    let exits = r#"(func (export "_initialize") (call $proc_exit (i32.const 3))) (func (export "get") (result i32) (i32.const 7))"#;
    // wasmer reports an initialisation failure (ENOEXEC), not an exit: that is what an embedder
    // sees; the guest's proc_exit(3) is kept as detail, and the call was wasmer's own.
    let mut session = open(exits);
    let instantiated = session.step(&instantiate());
    assert!(
        matches!(&instantiated.outcome, Outcome::HostError { message, .. } if message.contains("Initialization function failed")),
        "{:?}",
        instantiated.outcome
    );
    assert_eq!(instantiated.requested_exit, Some(3));
    assert_eq!(instantiated.implicit_calls, ["_initialize"]);
    let outcomes = [instantiated.outcome, session.step(&get()).outcome];
    assert!(matches!(outcomes[1], Outcome::Rejected { stage: RejectStage::Call, .. }), "{:?}", outcomes[1]);

    let traps = r#"(func (export "_initialize") unreachable) (func (export "get") (result i32) (i32.const 7))"#;
    let mut session = open(traps);
    let outcomes = outcomes_of(&mut *session, &[instantiate(), get()]);
    assert!(matches!(outcomes[0], Outcome::Trapped { kind: TrapKind::Unreachable, .. }), "{:?}", outcomes[0]);
    assert!(matches!(outcomes[1], Outcome::Rejected { stage: RejectStage::Call, .. }));
}
