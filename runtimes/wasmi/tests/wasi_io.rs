//! What the guest sees of its WASI configuration (args, env, stdin, a preopened directory) and
//! how its output is split between steps.

mod common;

use common::*;
use execmodel_contract::{Outcome, Preopen, Step, Value, WasiConfig};

/// Exports that copy what WASI gives the guest to stdout; each returns the last errno.
const PROBE_IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
"#;

const PROBES: &str = r#"
  (data (i32.const 4000) "in.txt")
  (data (i32.const 4016) "out.txt")
  (data (i32.const 4032) "written")
  (data (i32.const 4048) "first\n")
  (data (i32.const 4064) "second\n")
  ;; argv strings land at 1024; the size of the buffer is stored at 260.
  (func (export "args") (result i32)
    (drop (call $args_sizes_get (i32.const 256) (i32.const 260)))
    (drop (call $args_get (i32.const 512) (i32.const 1024)))
    (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 260)))
    (i32.load (i32.const 256)))
  (func (export "env") (result i32)
    (drop (call $environ_sizes_get (i32.const 256) (i32.const 260)))
    (drop (call $environ_get (i32.const 512) (i32.const 1024)))
    (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 260)))
    (i32.load (i32.const 256)))
  ;; Reads up to 100 bytes from `fd` into 2048 and echoes them to stdout.
  (func $echo (param $fd i32) (result i32)
    (local $errno i32)
    (i32.store (i32.const 32) (i32.const 2048))
    (i32.store (i32.const 36) (i32.const 100))
    (local.set $errno (call $fd_read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $write (i32.const 1) (i32.const 2048) (i32.load (i32.const 40)))
    (local.get $errno))
  (func (export "stdin") (result i32) (call $echo (i32.const 0)))
  (func (export "preopen_name") (result i32)
    (local $errno i32)
    (local.set $errno (call $fd_prestat_get (i32.const 3) (i32.const 48)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (local.set $errno (call $fd_prestat_dir_name (i32.const 3) (i32.const 3072) (i32.load (i32.const 52))))
    (call $write (i32.const 1) (i32.const 3072) (i32.load (i32.const 52)))
    (local.get $errno))
  (func (export "read_file") (result i32)
    (local $errno i32)
    ;; rights: fd_read (1 << 1)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 4000) (i32.const 6)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 56)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $echo (i32.load (i32.const 56))))
  (func (export "write_file") (result i32)
    (local $errno i32)
    ;; oflags: creat | trunc; rights: fd_write (1 << 6)
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 4016) (i32.const 7)
      (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 56)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $write (i32.load (i32.const 56)) (i32.const 4032) (i32.const 7))
    (i32.const 0))
  (func (export "first") (call $write (i32.const 1) (i32.const 4048) (i32.const 6)))
  (func (export "second")
    (call $write (i32.const 1) (i32.const 4064) (i32.const 7))
    (call $write (i32.const 2) (i32.const 4064) (i32.const 7)))
"#;

fn probe_session(config: WasiConfig) -> Box<dyn execmodel_contract::Session> {
    let mut session = session(&wasi_module_importing(PROBE_IMPORTS, PROBES));
    assert_eq!(session.step(&Step::Instantiate(config)).outcome, Outcome::returned_nothing());
    session
}

const ERRNO_OK: Outcome = Outcome::Returned(Vec::new());

fn returned_i32(value: i32) -> Outcome {
    Outcome::Returned(vec![Value::I32(value)])
}

#[test]
fn args_include_argv0() {
    let config = WasiConfig { args: vec!["prog.wasm".into(), "a b".into()], ..WasiConfig::default() };
    let result = probe_session(config).step(&call("args", &[]));
    assert_eq!(result.outcome, returned_i32(2), "argc");
    assert_eq!(result.stdout, b"prog.wasm\0a b\0");
}

#[test]
fn env_is_exactly_the_configured_variables() {
    let config = WasiConfig { env: vec![("GREETING".into(), "hi".into()), ("EMPTY".into(), String::new())], ..wasi() };
    let result = probe_session(config).step(&call("env", &[]));
    assert_eq!(result.outcome, returned_i32(2), "environ count");
    assert_eq!(result.stdout, b"GREETING=hi\0EMPTY=\0");
}

#[test]
fn stdin_reads_the_configured_bytes_then_eof() {
    let mut session = probe_session(WasiConfig { stdin: b"input bytes".to_vec(), ..wasi() });
    let first = session.step(&call("stdin", &[]));
    assert_eq!((first.outcome, first.stdout), (returned_i32(0), b"input bytes".to_vec()));
    let eof = session.step(&call("stdin", &[]));
    assert_eq!((eof.outcome, eof.stdout), (returned_i32(0), Vec::new()));
}

#[test]
fn preopened_directory_is_readable_and_writable_under_its_guest_path() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("in.txt"), "hello").expect("seed in.txt");
    let preopen = Preopen { host_path: dir.path().to_path_buf(), guest_path: "/sandbox".into() };
    let mut session = probe_session(WasiConfig { preopen: Some(preopen), ..wasi() });

    let name = session.step(&call("preopen_name", &[]));
    assert_eq!((name.outcome, name.stdout), (returned_i32(0), b"/sandbox".to_vec()));
    let read = session.step(&call("read_file", &[]));
    assert_eq!((read.outcome, read.stdout), (returned_i32(0), b"hello".to_vec()));
    let write = session.step(&call("write_file", &[]));
    assert_eq!(write.outcome, returned_i32(0));
    assert_eq!(std::fs::read(dir.path().join("out.txt")).expect("out.txt was created"), b"written");
}

#[test]
fn without_a_preopen_fd_3_is_not_a_directory() {
    let result = probe_session(wasi()).step(&call("preopen_name", &[]));
    // errno 8: badf
    assert_eq!((result.outcome, result.stdout), (returned_i32(8), Vec::new()));
}

#[test]
fn each_step_reports_only_its_own_output() {
    let mut session = probe_session(wasi());
    let first = session.step(&call("first", &[]));
    assert_eq!((first.outcome, first.stdout, first.stderr), (ERRNO_OK, b"first\n".to_vec(), Vec::new()));
    let second = session.step(&call("second", &[]));
    assert_eq!((second.stdout, second.stderr), (b"second\n".to_vec(), b"second\n".to_vec()));
    let quiet = session.step(&Step::MemoryPages);
    assert_eq!((quiet.stdout, quiet.stderr), (Vec::new(), Vec::new()));
}

#[test]
fn a_new_instance_starts_with_empty_output() {
    let mut session = probe_session(wasi());
    session.step(&call("first", &[]));
    let again = session.step(&Step::Instantiate(wasi()));
    assert_eq!((again.stdout, again.stderr), (Vec::new(), Vec::new()));
    assert_eq!(session.step(&call("first", &[])).stdout, b"first\n");
}
