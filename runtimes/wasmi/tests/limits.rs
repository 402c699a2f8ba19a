//! The trial limits: the step budget (fuel, and the sleeps counted against it), the memory cap,
//! the output cap, and wasmi's call-stack limit on a small host thread. No test here times
//! anything: the budget counts work and requested sleeps, so its ends are asserted as amounts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use execmodel_contract::{Author, BudgetUnit, Limits, Outcome, RejectStage, Step, TrapKind, Value};

const SPIN: &str = r#"(func $spin (loop (br 0)))"#;

fn budget_limits(budget: Duration) -> Limits {
    Limits { budget, ..limits() }
}

#[test]
fn an_infinite_loop_in_a_call_spends_exactly_its_fuel_budget() {
    let budget = Duration::from_millis(300);
    let mut session = session_with(&format!("(module {SPIN} (export \"spin\" (func $spin)))"), budget_limits(budget));
    assert_eq!(session.step(&instantiate()).outcome, Outcome::returned_nothing());
    let result = session.step(&call("spin", &[]));
    assert_eq!(trap_kind(&result), Some(TrapKind::Deadline), "{result:?}");
    assert!(matches!(result.outcome, Outcome::Trapped { by: Author::Harness, .. }), "{result:?}");
    let used = result.budget_use.expect("a call reports its budget use");
    assert_eq!((used.unit, used.limit), (BudgetUnit::Fuel, execmodel_wasmi::FUEL_PER_SECOND * 3 / 10));
    assert!(used.used + 10 >= used.limit, "{used:?}");
}

#[test]
fn a_call_after_a_spent_budget_gets_a_fresh_one() {
    let mut session = session_with(
        &format!("(module {SPIN} (export \"spin\" (func $spin)) (func (export \"one\") (result i32) (i32.const 1)))"),
        budget_limits(Duration::from_millis(100)),
    );
    session.step(&instantiate());
    assert_eq!(trap_kind(&session.step(&call("spin", &[]))), Some(TrapKind::Deadline));
    let one = session.step(&call("one", &[]));
    assert_eq!(one.outcome, Outcome::Returned(vec![Value::I32(1)]));
    assert!(one.budget_use.unwrap().fraction() < 0.001);
}

#[test]
fn an_infinite_loop_in_a_start_section_spends_its_fuel_budget() {
    let mut session =
        session_with(&format!("(module {SPIN} (start $spin))"), budget_limits(Duration::from_millis(200)));
    let result = session.step(&instantiate());
    assert_eq!(trap_kind(&result), Some(TrapKind::Deadline), "{result:?}");
    assert!(matches!(result.outcome, Outcome::Trapped { by: Author::Harness, .. }), "{result:?}");
}

/// Not a check: prints how fast this build burns fuel, to recalibrate `FUEL_PER_SECOND`.
#[test]
#[ignore]
fn measure_fuel_per_second() {
    let budget = Duration::from_secs(2);
    let mut session = session_with(&format!("(module {SPIN} (start $spin))"), budget_limits(budget));
    let started = Instant::now();
    session.step(&instantiate());
    let elapsed = started.elapsed().as_secs_f64();
    let fuel = execmodel_wasmi::FUEL_PER_SECOND as f64 * budget.as_secs_f64();
    println!("loop br 0: {:.0} fuel/s ({fuel:.0} fuel in {elapsed:.3}s)", fuel / elapsed);
}

#[test]
fn a_sleep_longer_than_the_budget_left_ends_the_step_without_sleeping() {
    // poll_oneoff with one relative monotonic-clock subscription of 60 s (libc `sleep(60)`).
    let module = wasi_module_importing(
        r#"(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))"#,
        r#"(func (export "sleep") (result i32)
             (i32.store8 (i32.const 136) (i32.const 0))
             (i32.store (i32.const 144) (i32.const 1))
             (i64.store (i32.const 152) (i64.const 60000000000))
             (i64.store (i32.const 160) (i64.const 0))
             (i32.store16 (i32.const 168) (i32.const 0))
             (call $poll (i32.const 128) (i32.const 256) (i32.const 1) (i32.const 512)))
           (func (export "nap") (result i32)
             (i32.store8 (i32.const 136) (i32.const 0))
             (i32.store (i32.const 144) (i32.const 1))
             (i64.store (i32.const 152) (i64.const 1000000))
             (call $poll (i32.const 128) (i32.const 256) (i32.const 1) (i32.const 512)))"#,
    );
    let mut session = session_with(&module, budget_limits(Duration::from_millis(300)));
    session.step(&instantiate());
    // A short sleep inside the budget is an ordinary call (errno 0).
    assert_eq!(session.step(&call("nap", &[])).outcome, Outcome::Returned(vec![Value::I32(0)]));
    let result = session.step(&call("sleep", &[]));
    assert_eq!(trap_kind(&result), Some(TrapKind::Deadline), "{result:?}");
    assert!(
        matches!(&result.outcome, Outcome::Trapped { message, .. } if message.contains("asked to sleep")),
        "{result:?}"
    );
}

#[test]
fn memory_cannot_grow_past_the_cap() {
    // The test limits cap memory at 4 pages.
    let mut session = instantiated(
        r#"(module (memory (export "memory") 1)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    assert_eq!(session.step(&call("grow", &[Value::I32(3)])).outcome, Outcome::Returned(vec![Value::I32(1)]));
    assert_eq!(session.step(&call("grow", &[Value::I32(1)])).outcome, Outcome::Returned(vec![Value::I32(-1)]));
    assert_eq!(session.step(&Step::MemoryPages).outcome, Outcome::Returned(vec![Value::I32(4)]));
}

#[test]
fn an_initial_memory_past_the_cap_is_rejected_at_instantiate() {
    let mut session = session(r#"(module (memory (export "memory") 5))"#);
    let result = session.step(&instantiate());
    assert!(matches!(result.outcome, Outcome::Rejected { stage: RejectStage::Instantiate, .. }), "{result:?}");
}

#[test]
fn output_past_the_cap_is_dropped_but_the_guest_sees_full_writes() {
    let module = wasi_module(
        r#"(data (i32.const 16) "123456")
           (func (export "print") (result i32)
             (call $write (i32.const 1) (i32.const 16) (i32.const 6))
             (call $write (i32.const 2) (i32.const 16) (i32.const 6))
             (i32.load (i32.const 8)))"#,
    );
    let mut session = session_with(&module, Limits { output_bytes: 10, ..limits() });
    session.step(&instantiate());
    let first = session.step(&call("print", &[]));
    assert_eq!((first.stdout.as_slice(), first.stderr.as_slice()), (&b"123456"[..], &b"123456"[..]));
    let second = session.step(&call("print", &[]));
    assert_eq!(second.outcome, Outcome::Returned(vec![Value::I32(6)]), "fd_write's nwritten");
    assert_eq!((second.stdout.as_slice(), second.stderr.as_slice()), (&b"1234"[..], &b"1234"[..]));
    let third = session.step(&call("print", &[]));
    assert_eq!((third.stdout.len(), third.stderr.len()), (0, 0));
}

/// wasmi keeps wasm frames on its own stacks; unbounded recursion hits wasmi's recursion limit
/// (1000 frames by default) long before a small host stack runs out.
#[test]
fn unbounded_recursion_is_a_stack_overflow_even_on_a_small_host_stack() {
    let module = r#"(module
        (func $recurse (export "recurse") (param i64 i64 i64 i64) (result i64)
          (local i64 i64 i64 i64 i64 i64 i64 i64)
          (i64.add (call $recurse (local.get 0) (local.get 1) (local.get 2) (local.get 3)) (i64.const 1))))"#;
    let outcome = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            let mut session = instantiated(module);
            session.step(&call("recurse", &[Value::I64(1), Value::I64(2), Value::I64(3), Value::I64(4)])).outcome
        })
        .expect("spawn a thread")
        .join()
        .expect("the small-stack thread survives");
    assert!(matches!(outcome, Outcome::Trapped { kind: TrapKind::StackOverflow, .. }), "{outcome:?}");
}
