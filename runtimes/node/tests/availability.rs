//! Finding node, its version, and a worker that dies.

use std::path::{Path, PathBuf};
use std::process::Command;

use execmodel_contract::{Limits, Outcome, Runtime, Step, WasiConfig};
use execmodel_node::NodeRuntime;

/// Written by a `sh` child, never through a file descriptor of this process: a test on another
/// thread that forks while this process holds the script open for writing would hand that
/// descriptor to its child until exec, and running the script then fails with ETXTBSY.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("sh")
        .args(["-c", "printf '%s' \"$1\" > \"$2\" && chmod 755 \"$2\"", "sh"])
        .arg(format!("#!/bin/sh\n{body}\n"))
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success(), "writing {}", path.display());
    path
}

#[test]
fn the_version_is_what_node_prints() {
    let printed = Command::new("node").arg("--version").output().unwrap().stdout;
    let runtime = NodeRuntime::new();
    assert_eq!(runtime.availability(), Ok(()));
    assert_eq!(runtime.version(), String::from_utf8_lossy(&printed).trim());
    assert!(runtime.version().starts_with('v'));
    assert_eq!(runtime.name(), "node");
}

#[test]
fn a_missing_node_makes_the_runtime_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = NodeRuntime::with_program(dir.path().join("node"));
    let why = runtime.availability().unwrap_err();
    assert!(why.0.ends_with("node not found"), "{why}");
    assert_eq!(runtime.version(), "unavailable");
    assert!(runtime.compile(b"\0asm\x01\0\0\0").is_err());
    let bare = NodeRuntime::with_program("execmodel-no-such-node");
    assert_eq!(bare.availability().unwrap_err().0, "execmodel-no-such-node not found on PATH");
}

#[test]
fn an_old_node_makes_the_runtime_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let old = script(dir.path(), "node", "echo v18.19.1");
    let why = NodeRuntime::with_program(old).availability().unwrap_err();
    assert_eq!(why.0, "node v18.19.1 found, need ≥ 20");
}

#[test]
fn a_worker_that_dies_mid_step_is_a_crash_with_its_stderr() {
    // A stand-in node that accepts the module and the session, then dies on the first step.
    let dir = tempfile::tempdir().unwrap();
    let fake = script(
        dir.path(),
        "node",
        r#"if [ "$1" = --version ]; then echo v20.0.0; exit 0; fi
read load; echo '{"id":1,"ok":true}'
read open; echo '{"id":2,"ok":true}'
read step; echo 'simulated crash' >&2; exit 3"#,
    );
    let runtime = NodeRuntime::with_program(fake);
    let module = runtime.compile(&wat::parse_str("(module)").unwrap()).unwrap();
    let mut session = module.session(Limits::default());
    let result = session.step(&Step::Run(WasiConfig::default()));
    // node's process ending mid-step is node failing, written up by the harness.
    match &result.outcome {
        Outcome::Crashed { message, by } => {
            assert_eq!(*by, execmodel_contract::Author::Harness);
            assert!(
                message.starts_with("the node worker's host process exited with status 3;")
                    && message.contains("simulated crash"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let after = session.step(&Step::MemoryPages).outcome;
    assert!(
        matches!(&after, Outcome::Rejected { message, .. } if message.contains("the node worker's host process exited")),
        "{after:?}"
    );
}
