//! CLIs that take argv[0] from the module's file name: the adapter names a copy of the module
//! after argv[0]. Proven with node-wasi-run.mjs run without `--argv0`, where it passes the last
//! component of the module path (as wazero does).

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::*;
use execmodel_contract::{Outcome, Runtime, Step};

fn node_wasi_with_argv0_mode(mode: &str) -> std::sync::Arc<dyn Runtime> {
    let toml = format!(
        r#"
[node-by-name]
program = "node"
script = "node-wasi-run.mjs"
about = "node-wasi without --argv0"
docs = "https://nodejs.org/api/wasi.html"
checked = "by these tests"
leading = ["{{script}}"]
version = {{ args = ["--version"] }}
dir = ["--dir", "{{host}}::{{guest}}"]
env = ["--env", "{{key}}={{value}}"]
argv0 = "{mode}"
report = {{ stream = "stderr", starts = 'node-wasi-run: ' }}
"#
    );
    execmodel_cli::runtime_from_toml("node-by-name", &toml, "argv0 test table").unwrap()
}

fn printing_args() -> Vec<u8> {
    command(
        r#"(drop (call $args_sizes_get (i32.const 1000) (i32.const 1004)))
           (drop (call $args_get (i32.const 2000) (i32.const 3000)))
           (call $write (i32.const 1) (i32.const 3000) (i32.load (i32.const 1004)))"#,
    )
}

#[test]
fn argv0_reaches_the_guest_through_the_module_file_name() {
    let runtime = node_wasi_with_argv0_mode("module-name");
    let compiled = runtime.compile(&printing_args()).unwrap();
    for argv0 in ["prog", "m.wasm", "prog"] {
        let result = compiled.session(limits()).step(&Step::Run(wasi(&[argv0, "x"])));
        assert_eq!(result.outcome, Outcome::Returned(vec![]), "{}", text(&result.stderr));
        assert_eq!(text(&result.stdout), format!("{argv0}\0x\0"));
    }
}

#[test]
fn a_module_path_argv0_may_have_directories() {
    // The CLI reads the module at the relative path argv[0] from its working directory.
    let runtime = node_wasi_with_argv0_mode("module-path");
    let result = run(&runtime, &printing_args(), wasi(&["bin/prog"]), limits());
    assert_eq!(result.outcome, Outcome::Returned(vec![]), "{}", text(&result.stderr));
    assert_eq!(text(&result.stdout), "prog\0", "node-wasi-run passes the last component");
}

#[test]
fn an_argv0_that_cannot_be_a_file_name_is_an_adapter_error() {
    let by_name = node_wasi_with_argv0_mode("module-name");
    let by_path = node_wasi_with_argv0_mode("module-path");
    for (runtime, argv0) in
        [(&by_name, "bin/prog"), (&by_path, "/abs/prog"), (&by_path, "../up"), (&by_name, "-x"), (&by_name, "")]
    {
        let compiled = runtime.compile(&printing_args()).unwrap();
        let mut session = compiled.session(limits());
        let panic = catch_unwind(AssertUnwindSafe(|| session.step(&Step::Run(wasi(&[argv0]))))).expect_err(argv0);
        let message = execmodel_contract::panic_message(&*panic);
        assert!(message.contains("cannot be one"), "{argv0}: {message}");
    }
}
