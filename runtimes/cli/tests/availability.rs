//! Availability, versions and which scenarios a CLI can express.

use std::process::Command;

use execmodel_contract::StepKind;

const ABSENT: &str = r#"
[absent]
program = "execmodel-no-such-program"
about = "nothing"
docs = "https://example.org"
checked = "never"
version = { args = ["--version"] }
dir = ["--dir", "{host}::{guest}"]
env = ["--env", "{key}={value}"]
argv0 = "module-name"
report = { stream = "stderr", starts = "Error: " }
"#;

#[test]
fn a_program_absent_from_path_is_unavailable_with_the_reason() {
    let runtime = execmodel_cli::runtime_from_toml("absent", ABSENT, "absent.toml").unwrap();
    assert_eq!(runtime.availability().unwrap_err().0, "execmodel-no-such-program not found on PATH");
    assert!(runtime.version().starts_with("unknown ("), "{}", runtime.version());
    assert!(runtime.compile(b"\0asm\x01\0\0\0").is_err());
}

#[test]
fn a_malformed_table_is_refused_with_its_line() {
    let broken = ABSENT.replace("argv0 = \"module-name\"", "argv0 = \"module-name\"\nretries = 3");
    let err = execmodel_cli::runtime_from_toml("absent", &broken, "broken.toml").err().expect("refused");
    assert_eq!(err.line, Some(11), "{err}");
    assert!(err.to_string().starts_with("broken.toml line 11: unknown field `retries`"), "{err}");
}

#[test]
fn a_cli_expresses_a_single_run_or_one_invoked_call() {
    let node = execmodel_cli::runtime("node-wasi");
    let call = |name: &str| StepKind::Call(name.to_string());
    assert_eq!(node.expressible(&[StepKind::Run]), Ok(()));
    assert_eq!(node.expressible(&[StepKind::Instantiate, call("add")]), Ok(()));
    assert_eq!(node.expressible(&[StepKind::Instantiate, call("_start")]), Ok(()));

    let refused = [
        (vec![StepKind::Instantiate, call("_initialize"), call("add")], "needs `call add` after `initialize`"),
        (vec![StepKind::Run, call("add")], "needs `call add` after `run`; node runs a module only as a whole"),
        (vec![StepKind::Run, StepKind::MemoryPages], "needs `memory` after `run`"),
        (vec![StepKind::Instantiate], "cannot instantiate a module without running it"),
        (vec![StepKind::Instantiate, StepKind::MemoryPages], "needs `memory` after `instantiate`"),
    ];
    for (steps, why) in refused {
        let err = node.expressible(&steps).expect_err("not expressible");
        assert!(err.contains(why), "{steps:?}: {err}");
    }
    // A CLI without an invoke option runs modules only.
    let wazero = execmodel_cli::runtime("wazero-cli");
    let err = wazero.expressible(&[StepKind::Instantiate, call("_initialize")]).unwrap_err();
    assert!(err.contains("needs `initialize` after `instantiate`; wazero has no option to invoke"), "{err}");
}

#[test]
fn every_table_is_described() {
    for name in execmodel_cli::NAMES {
        let info = execmodel_cli::info(name).unwrap_or_else(|| panic!("{name}"));
        assert!(info.docs.starts_with("https://"), "{name}");
        assert!(!info.checked.is_empty(), "{name}");
    }
    assert!(execmodel_cli::info("wazero-cli").unwrap().invoke.is_none());
    assert!(execmodel_cli::info("wasmtime-cli").unwrap().invoke.unwrap().contains("_initialize"));
}

#[test]
fn every_runtime_under_test_reports_its_version() {
    let extra = std::env::var("EXECMODEL_CLI_TEST_RUNTIMES").unwrap_or_default();
    let names = std::iter::once("node-wasi").chain(extra.split(',').map(str::trim).filter(|n| !n.is_empty()));
    for name in names {
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        let expected = match name {
            "node-wasi" => {
                let output = Command::new("node").arg("--version").output().expect("node on PATH");
                String::from_utf8_lossy(&output.stdout).trim().trim_start_matches('v').to_string()
            }
            // The version .ci/install-cli-runtimes installs.
            "wasmtime-cli" => "48.0.0".to_string(),
            "wazero-cli" => "1.12.0".to_string(),
            other => panic!("no expected version for {other}"),
        };
        assert_eq!(execmodel_cli::runtime(name).version(), expected, "{name}");
    }
}
