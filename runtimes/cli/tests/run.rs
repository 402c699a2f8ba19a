//! `run` through each CLI under test: exit statuses, trap kinds, the deadline, output capture and
//! the WASI configuration reaching the guest.

mod common;

use std::time::Duration;

use common::*;
use execmodel_contract::{Limits, Outcome, RejectStage, Step, TrapKind, WasiConfig};

#[test]
fn a_returning_start_and_exit_codes() {
    for runtime in runtimes_under_test() {
        let name = runtime.name();
        let returned = run(&runtime, &command(""), wasi(&["m.wasm"]), limits());
        assert_eq!(returned.outcome, Outcome::Returned(vec![]), "{name}");
        for code in [3, 1, 255] {
            let exited =
                run(&runtime, &command(&format!("(call $proc_exit (i32.const {code}))")), wasi(&["m"]), limits());
            let expected = match (name, code) {
                // wasmtime-wasi refuses statuses >= 126: the CLI reports an error.
                ("wasmtime-cli", 255) => None,
                _ => Some(Outcome::Exited(code)),
            };
            match expected {
                Some(outcome) => assert_eq!(exited.outcome, outcome, "{name} proc_exit({code})"),
                None => assert!(
                    matches!(exited.outcome, Outcome::Trapped { kind: TrapKind::Other, .. }),
                    "{name} proc_exit({code}): {:?}",
                    exited.outcome
                ),
            }
            assert!(
                exited.stderr.is_empty(),
                "{name}: the CLI's report is not the guest's output: {}",
                text(&exited.stderr)
            );
        }
    }
}

#[test]
fn exit_statuses_are_the_guest_code_modulo_256() {
    for runtime in runtimes_under_test().into_iter().filter(|r| r.name() == "node-wasi") {
        // A process status cannot tell proc_exit(0) or proc_exit(256) from a return.
        let zero = run(&runtime, &command("(call $proc_exit (i32.const 0))"), wasi(&["m"]), limits());
        assert_eq!(zero.outcome, Outcome::Returned(vec![]));
        let wrapped = run(&runtime, &command("(call $proc_exit (i32.const 256))"), wasi(&["m"]), limits());
        assert_eq!(wrapped.outcome, Outcome::Returned(vec![]));
        let negative = run(&runtime, &command("(call $proc_exit (i32.const -1))"), wasi(&["m"]), limits());
        assert_eq!(negative.outcome, Outcome::Exited(255));
    }
}

#[test]
fn traps_are_classified() {
    let cases = [
        ("unreachable", TrapKind::Unreachable),
        ("(drop (i32.load (i32.const 70000)))", TrapKind::OutOfBounds),
        ("(call $recurse)", TrapKind::StackOverflow),
        ("(drop (i32.div_s (i32.const 1) (i32.const 0)))", TrapKind::Other),
    ];
    for runtime in runtimes_under_test() {
        for (body, kind) in cases {
            let wasm = module(&format!(
                r#"(func $recurse (call $recurse))
                   (func (export "_start") (call $write (i32.const 2) (i32.const 100) (i32.const 5)) {body})
                   (data (i32.const 100) "guest")"#
            ));
            let result = run(&runtime, &wasm, wasi(&["m"]), limits());
            match &result.outcome {
                Outcome::Trapped { kind: observed, message, .. } => {
                    assert_eq!(*observed, kind, "{}: `{body}`: {message}", runtime.name());
                    assert!(!message.is_empty());
                }
                other => panic!("{}: `{body}` gave {other:?}, stderr {}", runtime.name(), text(&result.stderr)),
            }
            assert_eq!(text(&result.stderr), "guest", "{}: only the guest's stderr is kept", runtime.name());
        }
    }
}

#[test]
fn an_infinite_loop_ends_when_its_cpu_budget_is_spent() {
    for runtime in runtimes_under_test() {
        let wasm = command(r#"(call $write (i32.const 1) (i32.const 100) (i32.const 4)) (loop (br 0))"#);
        let wasm = [wasm.as_slice()].concat();
        let limits = Limits { budget: Duration::from_millis(1500), ..Limits::default() };
        let compiled = runtime.compile(&wasm).expect("compile");
        let result = compiled.session(limits).step(&Step::Run(wasi(&["m"])));
        assert!(
            matches!(result.outcome, Outcome::Trapped { kind: TrapKind::Deadline, .. }),
            "{}: {:?}",
            runtime.name(),
            result.outcome
        );
        let used = result.budget_use.expect("a run reports its budget use");
        assert!(used.used >= used.limit, "{}: {used:?}", runtime.name());
    }
}

#[test]
fn output_is_captured_and_capped() {
    let wasm = module(
        r#"(data (i32.const 100) "hello\n") (data (i32.const 200) "oops")
           (func (export "_start")
             (call $write (i32.const 1) (i32.const 100) (i32.const 6))
             (call $write (i32.const 2) (i32.const 200) (i32.const 4)))"#,
    );
    for runtime in runtimes_under_test() {
        let result = run(&runtime, &wasm, wasi(&["m"]), limits());
        assert_eq!(
            (text(&result.stdout), text(&result.stderr)),
            ("hello\n".into(), "oops".into()),
            "{}",
            runtime.name()
        );
        let capped = run(&runtime, &wasm, wasi(&["m"]), Limits { output_bytes: 3, ..limits() });
        assert_eq!((text(&capped.stdout), text(&capped.stderr)), ("hel".into(), "oop".into()), "{}", runtime.name());
        assert_eq!(capped.outcome, Outcome::Returned(vec![]));
    }
}

#[test]
fn a_trap_after_more_output_than_the_cap_is_still_classified() {
    let wasm = module(
        r#"(func (export "_start") (local $i i32)
             (loop
               (call $write (i32.const 2) (i32.const 1000) (i32.const 4096))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if 0 (i32.lt_u (local.get $i) (i32.const 64))))
             unreachable)"#,
    );
    for runtime in runtimes_under_test() {
        let result = run(&runtime, &wasm, wasi(&["m"]), Limits { output_bytes: 100, ..limits() });
        assert!(
            matches!(result.outcome, Outcome::Trapped { kind: TrapKind::Unreachable, .. }),
            "{}: {:?}",
            runtime.name(),
            result.outcome
        );
        assert_eq!(result.stderr, vec![0u8; 100]);
    }
}

/// Prints argv (NUL-separated, as args_get lays it out), then the environment the same way.
fn printing_args_and_env() -> Vec<u8> {
    command(
        r#"(drop (call $args_sizes_get (i32.const 1000) (i32.const 1004)))
           (drop (call $args_get (i32.const 2000) (i32.const 3000)))
           (call $write (i32.const 1) (i32.const 3000) (i32.load (i32.const 1004)))
           (drop (call $environ_sizes_get (i32.const 1000) (i32.const 1004)))
           (drop (call $environ_get (i32.const 2000) (i32.const 5000)))
           (call $write (i32.const 2) (i32.const 5000) (i32.load (i32.const 1004)))"#,
    )
}

#[test]
fn args_including_argv0_and_env_reach_the_guest() {
    for runtime in runtimes_under_test() {
        let mut config = wasi(&["prog", "a b", "-x", "--flag"]);
        config.env = vec![("GREETING".into(), "hi there".into())];
        let result = run(&runtime, &printing_args_and_env(), config, limits());
        assert_eq!(result.outcome, Outcome::Returned(vec![]), "{}: {}", runtime.name(), text(&result.stderr));
        assert_eq!(text(&result.stdout), "prog\0a b\0-x\0--flag\0", "{}", runtime.name());
        assert_eq!(text(&result.stderr), "GREETING=hi there\0", "{}: the host environment stays out", runtime.name());
    }
}

#[test]
fn stdin_reaches_the_guest() {
    let wasm = command(
        r#"(i32.store (i32.const 1000) (i32.const 2000)) (i32.store (i32.const 1004) (i32.const 100))
           (drop (call $fd_read (i32.const 0) (i32.const 1000) (i32.const 1) (i32.const 1008)))
           (call $write (i32.const 1) (i32.const 2000) (i32.load (i32.const 1008)))"#,
    );
    for runtime in runtimes_under_test() {
        let config = WasiConfig { stdin: b"from stdin".to_vec(), ..wasi(&["m"]) };
        let result = run(&runtime, &wasm, config, limits());
        assert_eq!(text(&result.stdout), "from stdin", "{}", runtime.name());
    }
}

#[test]
fn a_preopened_directory_is_mapped_at_its_guest_path() {
    // Prints the name of preopen fd 3, then the contents of in.txt opened relative to it.
    let wasm = module(
        r#"(data (i32.const 5000) "in.txt")
           (func (export "_start")
             (drop (call $fd_prestat_dir_name (i32.const 3) (i32.const 4000) (i32.const 8)))
             (call $write (i32.const 1) (i32.const 4000) (i32.const 8))
             (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 5000) (i32.const 6) (i32.const 0)
                   (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 5100))
               (then (call $proc_exit (i32.const 9))))
             (i32.store (i32.const 5200) (i32.const 6000)) (i32.store (i32.const 5204) (i32.const 100))
             (drop (call $fd_read (i32.load (i32.const 5100)) (i32.const 5200) (i32.const 1) (i32.const 5300)))
             (call $write (i32.const 1) (i32.const 6000) (i32.load (i32.const 5300))))"#,
    );
    for runtime in runtimes_under_test() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.txt"), "seeded").unwrap();
        let config = WasiConfig { preopen: preopen(dir.path(), "/sandbox"), ..wasi(&["m"]) };
        let result = run(&runtime, &wasm, config, limits());
        assert_eq!(result.outcome, Outcome::Returned(vec![]), "{}: {}", runtime.name(), text(&result.stderr));
        assert_eq!(text(&result.stdout), "/sandboxseeded", "{}", runtime.name());
    }
}

#[test]
fn an_import_preview1_lacks_is_a_link_rejection() {
    let wasm = wat::parse_str(
        r#"(module (import "wasi_snapshot_preview1" "no_such_function" (func))
                   (memory (export "memory") 1) (func (export "_start")))"#,
    )
    .unwrap();
    for runtime in runtimes_under_test() {
        let result = run(&runtime, &wasm, wasi(&["m"]), limits());
        assert!(
            matches!(result.outcome, Outcome::Rejected { stage: RejectStage::Link, .. }),
            "{}: {:?}",
            runtime.name(),
            result.outcome
        );
    }
}

#[test]
fn each_runs_policy_for_a_module_exporting_both_entry_points() {
    let wasm = module(
        r#"(data (i32.const 100) "I") (data (i32.const 101) "S")
           (func (export "_initialize") (call $write (i32.const 1) (i32.const 100) (i32.const 1)))
           (func (export "_start") (call $write (i32.const 1) (i32.const 101) (i32.const 1)))"#,
    );
    for runtime in runtimes_under_test() {
        let result = run(&runtime, &wasm, wasi(&["m"]), limits());
        match runtime.name() {
            // node:wasi's start() refuses a module that also exports `_initialize`.
            "node-wasi" => assert!(
                matches!(result.outcome, Outcome::Rejected { stage: RejectStage::Run, .. }),
                "{:?}",
                result.outcome
            ),
            // `wasmtime run` calls `_initialize`, then `_start`.
            "wasmtime-cli" => {
                assert_eq!((result.outcome, text(&result.stdout)), (Outcome::Returned(vec![]), "IS".to_string()))
            }
            // `wazero run` instantiates with the default start functions: `_start` only.
            "wazero-cli" => {
                assert_eq!((result.outcome, text(&result.stdout)), (Outcome::Returned(vec![]), "S".to_string()))
            }
            other => panic!("no expectation for {other}"),
        }
    }
}

#[test]
fn only_one_step_runs_per_session() {
    for runtime in runtimes_under_test() {
        let compiled = runtime.compile(&command("")).unwrap();
        let mut session = compiled.session(limits());
        assert_eq!(session.step(&Step::Run(wasi(&["m"]))).outcome, Outcome::Returned(vec![]));
        let again = session.step(&Step::Run(wasi(&["m"])));
        assert!(matches!(again.outcome, Outcome::Rejected { stage: RejectStage::Call, .. }), "{:?}", again.outcome);
    }
}

#[test]
fn memory_growth_is_capped_where_the_cli_can_cap_it() {
    // Grows by 2 pages past a 2-page cap (1 page initial); exits 1 when memory.grow fails.
    let wasm =
        command("(if (i32.eq (memory.grow (i32.const 2)) (i32.const -1)) (then (call $proc_exit (i32.const 1))))");
    for runtime in runtimes_under_test() {
        let capped = Limits { memory_bytes: 2 * 65536, ..limits() };
        let result = run(&runtime, &wasm, wasi(&["m"]), capped);
        let caps = execmodel_cli::info(runtime.name()).unwrap().caps_memory;
        // node has no option for it: V8's own limit applies and the growth succeeds.
        let expected = if caps { Outcome::Exited(1) } else { Outcome::Returned(vec![]) };
        assert_eq!(result.outcome, expected, "{}: {}", runtime.name(), text(&result.stderr));
    }
}
