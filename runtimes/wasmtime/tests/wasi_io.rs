//! Output capture per step and its cap, and the WASI context: args, env, stdin, preopen.

mod common;

use std::time::Duration;

use common::*;
use execmodel_contract::{Limits, Preopen, Step, TrapKind, WasiConfig};

const PRINTERS: &str = r#"
  (data (i32.const 1024) "hello\n")
  (data (i32.const 1040) "oops")
  (func (export "hello") (call $write (i32.const 1) (i32.const 1024) (i32.const 6)))
  (func (export "oops") (call $write (i32.const 2) (i32.const 1040) (i32.const 4)))
  (func (export "flood") (loop (call $write (i32.const 1) (i32.const 1024) (i32.const 4096)) (br 0)))"#;

#[test]
fn each_step_reports_only_its_own_output() {
    let mut session = instantiated(&wasi_module("", PRINTERS));
    let first = session.step(&call("hello", &[]));
    assert_eq!((first.stdout.as_slice(), first.stderr.as_slice()), (&b"hello\n"[..], &b""[..]));
    let second = session.step(&call("oops", &[]));
    assert_eq!((second.stdout.as_slice(), second.stderr.as_slice()), (&b""[..], &b"oops"[..]));
    let third = session.step(&call("hello", &[]));
    assert_eq!(third.stdout, b"hello\n");
}

#[test]
fn output_past_the_cap_is_dropped_without_failing_the_guest() {
    let limits = Limits { output_bytes: 8, ..limits() };
    let mut session = compile(&wasi_module("", PRINTERS)).session(limits);
    session.step(&Step::Instantiate(wasi()));
    let first = session.step(&call("hello", &[]));
    assert_eq!(first.outcome, returned(&[]));
    assert_eq!(first.stdout, b"hello\n");
    let second = session.step(&call("hello", &[]));
    assert_eq!(second.outcome, returned(&[]));
    assert_eq!(second.stdout, b"he");
    assert_eq!(session.step(&call("hello", &[])).stdout, b"");
    // The cap is per stream.
    assert_eq!(session.step(&call("oops", &[])).stderr, b"oops");
}

#[test]
fn a_flood_of_output_ends_at_the_budget_with_the_capped_bytes() {
    // Fuel counts the guest's instructions, not the host's writes: a small budget keeps the
    // number of writes (and so the test's time) small.
    let limits = Limits { budget: Duration::from_millis(10), output_bytes: 1000, ..limits() };
    let mut session = compile(&wasi_module("", PRINTERS)).session(limits);
    session.step(&Step::Instantiate(wasi()));
    let result = session.step(&call("flood", &[]));
    assert_trapped(&result, TrapKind::Deadline);
    assert_eq!(result.stdout.len(), 1000);
    assert!(result.stdout.starts_with(b"hello\n"));
}

/// `$dump_list (sizes_get get)`: writes the NUL-separated strings of argv or environ to stdout.
const LIST_DUMPERS: &str = r#"
  (func $dump (param $sizes_get i32) (param $get i32)
    (drop (call_indirect (type $sizes) (i32.const 16) (i32.const 20) (local.get $sizes_get)))
    (drop (call_indirect (type $get) (i32.const 4096) (i32.const 8192) (local.get $get)))
    (call $write (i32.const 1) (i32.const 8192) (i32.load (i32.const 20))))
  (type $sizes (func (param i32 i32) (result i32)))
  (type $get (func (param i32 i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $args_sizes_get $args_get $environ_sizes_get $environ_get)
  (func (export "args") (call $dump (i32.const 0) (i32.const 1)))
  (func (export "env") (call $dump (i32.const 2) (i32.const 3)))"#;

const LIST_IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))"#;

#[test]
fn args_and_env_reach_the_guest() {
    let mut session = session(&wasi_module(LIST_IMPORTS, LIST_DUMPERS));
    let config = WasiConfig {
        args: vec!["prog.wasm".into(), "a b".into()],
        env: vec![("GREETING".into(), "hi".into()), ("EMPTY".into(), String::new())],
        ..WasiConfig::default()
    };
    assert_eq!(session.step(&Step::Instantiate(config)).outcome, returned(&[]));
    assert_eq!(session.step(&call("args", &[])).stdout, b"prog.wasm\0a b\0");
    assert_eq!(session.step(&call("env", &[])).stdout, b"GREETING=hi\0EMPTY=\0");
}

const ECHO: &str = r#"
  ;; reads up to 256 bytes from $fd into 2048 and writes what it read to stdout
  (func $echo (param $fd i32)
    (i32.store (i32.const 32) (i32.const 2048))
    (i32.store (i32.const 36) (i32.const 256))
    (drop (call $fd_read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $write (i32.const 1) (i32.const 2048) (i32.load (i32.const 40))))
  (func (export "echo_stdin") (call $echo (i32.const 0)))
  (data (i32.const 3000) "in.txt")
  ;; opens in.txt under preopen fd 3 and echoes it; returns the errno of path_open
  (func (export "echo_file") (result i32) (local $errno i32)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 3000) (i32.const 6)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 44)))
    (if (i32.eqz (local.get $errno)) (then (call $echo (i32.load (i32.const 44)))))
    (local.get $errno))
  ;; writes the guest path of preopen fd 3
  (func (export "preopen_name")
    (drop (call $fd_prestat_get (i32.const 3) (i32.const 48)))
    (drop (call $fd_prestat_dir_name (i32.const 3) (i32.const 3100) (i32.load (i32.const 52))))
    (call $write (i32.const 1) (i32.const 3100) (i32.load (i32.const 52))))"#;

const ECHO_IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))"#;

#[test]
fn stdin_bytes_reach_the_guest() {
    let mut session = session(&wasi_module(ECHO_IMPORTS, ECHO));
    let config = WasiConfig { stdin: b"input bytes".to_vec(), ..wasi() };
    session.step(&Step::Instantiate(config));
    assert_eq!(session.step(&call("echo_stdin", &[])).stdout, b"input bytes");
    assert_eq!(session.step(&call("echo_stdin", &[])).stdout, b"");
}

#[test]
fn the_preopened_directory_is_readable_under_its_guest_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("in.txt"), "hello file").expect("seed file");
    let mut session = session(&wasi_module(ECHO_IMPORTS, ECHO));
    let preopen = Preopen { host_path: dir.path().to_path_buf(), guest_path: "/sandbox".into() };
    session.step(&Step::Instantiate(WasiConfig { preopen: Some(preopen), ..wasi() }));
    assert_eq!(session.step(&call("preopen_name", &[])).stdout, b"/sandbox");
    let opened = session.step(&call("echo_file", &[]));
    assert_eq!(opened.outcome, returned(&[execmodel_contract::Value::I32(0)]));
    assert_eq!(opened.stdout, b"hello file");
}

#[test]
fn without_a_preopen_there_is_no_fd_3() {
    let mut session = instantiated(&wasi_module(ECHO_IMPORTS, ECHO));
    // errno 8 is `badf`.
    assert_eq!(session.step(&call("echo_file", &[])).outcome, returned(&[execmodel_contract::Value::I32(8)]));
}

#[test]
fn a_missing_host_directory_is_an_instantiate_rejection() {
    let preopen = Preopen { host_path: "/nonexistent/execmodel".into(), guest_path: "/sandbox".into() };
    let result =
        session(&wasi_module("", "")).step(&Step::Instantiate(WasiConfig { preopen: Some(preopen), ..wasi() }));
    assert_rejected(&result, execmodel_contract::RejectStage::Instantiate, "cannot preopen");
}
