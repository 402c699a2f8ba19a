//! wasmtime and wasmer both install signal handlers to turn faults into traps. These tests prove
//! that out-of-bounds accesses and stack overflows are still classified correctly on every
//! in-process runtime while the others are live in the same process, interleaved and in parallel.

use std::sync::Arc;

use execmodel_contract::{CompiledModule, Limits, Outcome, Step, TrapKind, WasiConfig};

use super::RUNTIMES;

const FAULTS: &str = r#"(module
  (memory (export "memory") 1)
  (func $recurse (export "recurse") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add call $recurse)
  (func (export "load_far") (result i32) i32.const 0x7fff0000 i32.load)
  (func (export "fine") (result i32) i32.const 7))"#;

fn compiled_on_every_embedded_runtime() -> Vec<(&'static str, Arc<dyn CompiledModule>)> {
    let bytes = wat::parse_str(FAULTS).expect("valid WAT");
    RUNTIMES
        .iter()
        .filter(|entry| entry.embedded)
        .map(|entry| {
            let compiled = (entry.make)().compile(&bytes).unwrap_or_else(|err| panic!("{}: {err}", entry.name));
            (entry.name, compiled)
        })
        .collect()
}

fn call(compiled: &dyn CompiledModule, export: &str, args: Vec<execmodel_contract::Value>) -> Outcome {
    let mut session = compiled.session(Limits::default());
    let instantiated = session.step(&Step::Instantiate(WasiConfig::default())).outcome;
    assert_eq!(instantiated, Outcome::returned_nothing());
    session.step(&Step::Call { export: export.into(), args }).outcome
}

fn check_all_faults(name: &str, compiled: &dyn CompiledModule) {
    use execmodel_contract::Value::I32;
    let kind = |outcome: Outcome| match outcome {
        Outcome::Trapped { kind, .. } => Some(kind),
        _ => None,
    };
    assert_eq!(kind(call(compiled, "load_far", vec![])), Some(TrapKind::OutOfBounds), "{name}: out-of-bounds load");
    assert_eq!(kind(call(compiled, "recurse", vec![I32(0)])), Some(TrapKind::StackOverflow), "{name}: stack overflow");
    assert_eq!(call(compiled, "fine", vec![]), Outcome::Returned(vec![I32(7)]), "{name}: after faults");
}

#[test]
fn faults_are_classified_when_runtimes_are_interleaved() {
    let runtimes = compiled_on_every_embedded_runtime();
    for _round in 0..3 {
        for (name, compiled) in &runtimes {
            check_all_faults(name, compiled.as_ref());
        }
    }
}

#[test]
fn faults_are_classified_when_runtimes_run_in_parallel() {
    let runtimes = compiled_on_every_embedded_runtime();
    std::thread::scope(|scope| {
        for worker in 0..2 * runtimes.len() {
            let runtimes = &runtimes;
            // Each thread starts on a different runtime, so different runtimes fault at once.
            std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, move || {
                    for round in 0..4 {
                        let (name, compiled) = &runtimes[(worker + round) % runtimes.len()];
                        check_all_faults(name, compiled.as_ref());
                    }
                })
                .expect("spawn");
        }
    });
}
