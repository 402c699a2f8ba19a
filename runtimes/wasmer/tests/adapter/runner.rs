//! The adapter's `Run` replays wasmer-wasix's own runner; this checks the replay against the
//! real `WasiRunner::run_wasm` on the same modules.

use execmodel_contract::{Outcome, RejectStage};
use wasmer::{Engine, Module};
use wasmer_types::ModuleHash;
use wasmer_wasix::runners::wasi::{RuntimeOrEngine, WasiRunner};
use wasmer_wasix::Pipe;

use crate::guest::*;
use crate::lifecycle::{both, command, reactor};

/// What the real runner prints to stdout, and its verdict (`Ok` or the error text).
fn real_runner(body: &str) -> (String, Result<(), String>) {
    let engine = Engine::default();
    let module = Module::new(&engine, module(body)).unwrap();
    let (mut ours, theirs) = Pipe::channel();
    let mut runner = WasiRunner::new();
    runner.with_stdout(Box::new(theirs));
    let verdict = runner
        .run_wasm(RuntimeOrEngine::Engine(engine), "guest.wasm", module, ModuleHash::random())
        .map_err(|err| format!("{err:#}"));
    drop(runner);
    let mut printed = Vec::new();
    let mut chunk = [0u8; 256];
    while let Some(n) = ours.try_read(&mut chunk).filter(|&n| n > 0) {
        printed.extend_from_slice(&chunk[..n]);
    }
    (String::from_utf8_lossy(&printed).into_owned(), verdict)
}

fn adapter_run(body: &str) -> (String, Outcome) {
    let mut session = open(body);
    let result = session.step(&run());
    (stdout(&result), result.outcome)
}

#[test]
fn run_matches_the_real_runner_on_a_command_and_on_a_module_exporting_both() {
    for body in [command(), both()] {
        let (printed, verdict) = real_runner(&body);
        assert_eq!(verdict, Ok(()));
        assert_eq!(adapter_run(&body), (printed, returned(&[])));
    }
}

#[test]
fn run_matches_the_real_runner_on_a_reactor() {
    let (printed, verdict) = real_runner(&reactor());
    eprintln!("the real runner on a reactor: stdout {printed:?}, verdict {verdict:?}");
    assert_eq!(printed, "ii");
    let error = verdict.expect_err("the runner refuses a module without _start");
    assert!(error.contains("45"), "{error}");
    let (adapter_printed, outcome) = adapter_run(&reactor());
    assert_eq!(adapter_printed, printed);
    assert!(matches!(outcome, Outcome::Rejected { stage: RejectStage::Run, .. }), "{outcome:?}");
}

#[test]
fn run_matches_the_real_runner_on_exit_codes() {
    let body = r#"(func (export "_start") (call $proc_exit (i32.const 3)))"#;
    let (_, verdict) = real_runner(body);
    let error = verdict.expect_err("exit 3 is an error for the runner");
    assert!(error.contains('3'), "{error}");
    assert_eq!(adapter_run(body).1, Outcome::Exited(3));
}
