//! Exit codes, trap kinds, the deadline and the memory cap.

use std::time::{Duration, Instant};

use execmodel_contract::{Author, BudgetUnit, Limits, Outcome, RejectStage, Step, TrapKind, Value};

use crate::guest::*;

const EXIT: &str = r#"
  (func (export "exit") (param i32) (call $proc_exit (local.get 0)))
  (func (export "alive") (result i32) (i32.const 42))
"#;

#[test]
fn proc_exit_codes_as_wasix_reports_them() {
    // wasix's ExitCode keeps `code % 256` (Rust remainder, sign kept) in a u16.
    let cases = [(0, 0), (1, 1), (3, 3), (255, 255), (256, 0), (1000, 232), (-1, 65535)];
    for (code, reported) in cases {
        let mut session = open(EXIT);
        let results = run_steps(&mut *session, &[instantiate(), call("exit", &[Value::I32(code)]), call("alive", &[])]);
        assert_eq!(results[1].outcome, Outcome::Exited(reported), "proc_exit({code})");
        assert_eq!(results[2].outcome, returned(&[Value::I32(42)]), "the instance is usable after proc_exit({code})");
        // The guest's own argument is kept where wasix reported another code, and only there.
        let requested = (i64::from(code) != reported).then_some(i64::from(code));
        assert_eq!(results[1].requested_exit, requested, "proc_exit({code})");
        assert_eq!(results[2].requested_exit, None, "a later step does not repeat proc_exit({code})");
    }
}

fn trap_kind(body: &str, export: &str) -> TrapKind {
    let mut session = open(body);
    match &outcomes_of(&mut *session, &[instantiate(), call(export, &[])])[1] {
        Outcome::Trapped { kind, .. } => *kind,
        other => panic!("`{export}` did not trap: {other:?}"),
    }
}

#[test]
fn traps_are_classified() {
    let body = r#"
      (type $void (func))
      (table 1 funcref)
      (elem (i32.const 0) $unreachable)
      (func $unreachable (export "unreachable") unreachable)
      (func (export "load_out_of_bounds") (drop (i32.load (i32.const 0x20000))))
      (func $recurse (export "recurse") (call $recurse))
      (func (export "divide_by_zero") (drop (i32.div_s (i32.const 1) (i32.const 0))))
      (func (export "table_out_of_bounds") (call_indirect (type $void) (i32.const 5)))
      (func (export "signature_mismatch") (drop (call_indirect (result i32) (i32.const 0))))
    "#;
    assert_eq!(trap_kind(body, "unreachable"), TrapKind::Unreachable);
    assert_eq!(trap_kind(body, "load_out_of_bounds"), TrapKind::OutOfBounds);
    assert_eq!(trap_kind(body, "recurse"), TrapKind::StackOverflow);
    assert_eq!(trap_kind(body, "divide_by_zero"), TrapKind::Other);
    assert_eq!(trap_kind(body, "table_out_of_bounds"), TrapKind::OutOfBounds);
    assert_eq!(trap_kind(body, "signature_mismatch"), TrapKind::Other);
}

#[test]
fn the_instance_survives_a_trap() {
    let body = r#"(func (export "unreachable") unreachable) (func (export "alive") (result i32) (i32.const 42))"#;
    let mut session = open(body);
    let outcomes = outcomes_of(&mut *session, &[instantiate(), call("unreachable", &[]), call("alive", &[])]);
    assert_eq!(outcomes[2], returned(&[Value::I32(42)]));
}

const SPIN: &str = r#"
  (func $spin (export "spin") (loop (br 0)))
  (func (export "alive") (result i32) (i32.const 42))
"#;

fn short_budget(budget: Duration) -> Limits {
    Limits { budget, ..limits() }
}

#[test]
fn an_endless_loop_spends_its_points_and_the_next_step_has_a_fresh_budget() {
    let budget = Duration::from_millis(500);
    let mut session = open_with(&module(SPIN), short_budget(budget));
    assert_eq!(session.step(&instantiate()).outcome, returned(&[]));
    let spun = session.step(&call("spin", &[]));
    assert!(matches!(spun.outcome, Outcome::Trapped { kind: TrapKind::Deadline, by: Author::Harness, .. }), "{spun:?}");
    let used = spun.budget_use.expect("a call reports its budget use");
    assert_eq!(
        (used.unit, used.used, used.limit),
        (BudgetUnit::MeteringPoints, used.limit, execmodel_wasmer::POINTS_PER_SECOND / 2)
    );
    let alive = session.step(&call("alive", &[]));
    assert_eq!(alive.outcome, returned(&[Value::I32(42)]));
    assert!(alive.budget_use.unwrap().fraction() < 0.001);
    let outcome = session.step(&call("spin", &[])).outcome;
    assert!(matches!(outcome, Outcome::Trapped { kind: TrapKind::Deadline, .. }), "{outcome:?}");
}

#[test]
fn the_budget_also_bounds_the_start_section_and_initialize() {
    let limits = short_budget(Duration::from_millis(200));
    for body in [format!("{SPIN} (start $spin)"), format!(r#"{SPIN} (export "_initialize" (func $spin))"#)] {
        let mut session = open_with(&module(&body), limits);
        let outcome = session.step(&instantiate()).outcome;
        assert!(matches!(outcome, Outcome::Trapped { kind: TrapKind::Deadline, .. }), "{body}: {outcome:?}");
    }
    // A real `unreachable` in the start section is not mistaken for the budget's end.
    let mut session = open_with(&module("(func $trap unreachable) (start $trap)"), limits);
    let outcome = session.step(&instantiate()).outcome;
    assert!(matches!(outcome, Outcome::Trapped { kind: TrapKind::Unreachable, .. }), "{outcome:?}");
}

const GROW: &str = r#"(func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))"#;

#[test]
fn memory_cannot_grow_past_the_cap() {
    let limits = Limits { memory_bytes: 4 * 65536, ..limits() };
    let mut session = open_with(&module(GROW), limits);
    let outcomes = outcomes_of(
        &mut *session,
        &[
            instantiate(),
            call("grow", &[Value::I32(2)]),
            call("grow", &[Value::I32(2)]),
            call("grow", &[Value::I32(1)]),
            Step::MemoryPages,
        ],
    );
    assert_eq!(outcomes[1], returned(&[Value::I32(1)]));
    assert_eq!(outcomes[2], returned(&[Value::I32(-1)]));
    assert_eq!(outcomes[3], returned(&[Value::I32(3)]));
    assert_eq!(outcomes[4], returned(&[Value::I32(4)]));
}

#[test]
fn a_declared_maximum_below_the_cap_still_holds_and_one_above_is_lowered() {
    let mut session = open(&format!(r#"(memory (export "memory") 1 2) {GROW}"#));
    let outcomes =
        outcomes_of(&mut *session, &[instantiate(), call("grow", &[Value::I32(1)]), call("grow", &[Value::I32(1)])]);
    assert_eq!(outcomes[1..], [returned(&[Value::I32(1)]), returned(&[Value::I32(-1)])]);

    let limits = Limits { memory_bytes: 2 * 65536, ..limits() };
    let mut session = open_with(&module(&format!(r#"(memory (export "memory") 1 100) {GROW}"#)), limits);
    let outcomes = outcomes_of(&mut *session, &[instantiate(), call("grow", &[Value::I32(2)])]);
    assert_eq!(outcomes[1], returned(&[Value::I32(-1)]));
}

#[test]
fn an_initial_memory_above_the_cap_is_refused_at_instantiation() {
    let limits = Limits { memory_bytes: 4 * 65536, ..limits() };
    let mut session = open_with(&module(r#"(memory (export "memory") 8)"#), limits);
    let outcome = session.step(&instantiate()).outcome;
    assert!(matches!(outcome, Outcome::Rejected { stage: RejectStage::Instantiate, .. }), "{outcome:?}");
}

/// Prints how many points per second a `loop br 0` spends here, against the fixed rate the
/// adapter assumes: `cargo test -p execmodel-wasmer -- --ignored --nocapture measure_metering_rate`.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_metering_rate() {
    let budget = Duration::from_secs(2);
    let mut session = open_with(&module(SPIN), short_budget(budget));
    session.step(&instantiate());
    for _ in 0..3 {
        let began = Instant::now();
        let points = session.step(&call("spin", &[])).budget_use.unwrap().used as f64;
        let took = began.elapsed();
        eprintln!(
            "{points:e} points in {took:?}: {:e} points per second (the adapter assumes {:e})",
            points / took.as_secs_f64(),
            execmodel_wasmer::POINTS_PER_SECOND as f64
        );
    }
}
