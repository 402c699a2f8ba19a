//! Output capture per step, the output cap, args, env, stdin and the preopened directory.

use execmodel_contract::{Limits, Preopen, Step, Value, WasiConfig};

use crate::guest::*;

const SPEAK: &str = r#"
  (data (i32.const 64) "hello\n")
  (data (i32.const 80) "warn\n")
  (func (export "hello") (call $print (i32.const 1) (i32.const 64) (i32.const 6)))
  (func (export "warn") (call $print (i32.const 2) (i32.const 80) (i32.const 5)))
  (func (export "_initialize") (call $print (i32.const 1) (i32.const 64) (i32.const 6)))
"#;

#[test]
fn each_step_reports_only_its_own_output() {
    let mut session = open(SPEAK);
    let results = run_steps(&mut *session, &[instantiate(), call("hello", &[]), call("warn", &[]), call("hello", &[])]);
    let streams: Vec<(&[u8], &[u8])> = results.iter().map(|r| (&r.stdout[..], &r.stderr[..])).collect();
    assert_eq!(streams, [(&b"hello\n"[..], &b""[..]), (b"hello\n", b""), (b"", b"warn\n"), (b"hello\n", b"")]);
}

#[test]
fn output_past_the_cap_is_dropped() {
    let limits = Limits { output_bytes: 8, ..limits() };
    let mut session = open_with(&module(SPEAK), limits);
    let results = run_steps(&mut *session, &[instantiate(), call("hello", &[]), call("hello", &[]), call("warn", &[])]);
    assert_eq!(stdout(&results[0]), "hello\n");
    assert_eq!(stdout(&results[1]), "he");
    assert_eq!(stdout(&results[2]), "");
    assert_eq!(results[3].stderr, b"warn\n", "each stream has its own cap");
}

const SHOW_IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
"#;
const SHOW: &str = r#"
  (func (export "args")
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (call $print (i32.const 1) (i32.const 4096) (i32.load (i32.const 20))))
  (func (export "environ")
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $environ_get (i32.const 1024) (i32.const 4096)))
    (call $print (i32.const 1) (i32.const 4096) (i32.load (i32.const 20))))
  (func (export "stdin") (result i32)
    (i32.store (i32.const 16) (i32.const 4096))
    (i32.store (i32.const 20) (i32.const 1024))
    (drop (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24)))
    (call $print (i32.const 1) (i32.const 4096) (i32.load (i32.const 24)))
    (i32.load (i32.const 24)))
"#;

#[test]
fn args_env_and_stdin_reach_the_guest() {
    let config = WasiConfig {
        args: vec!["prog".to_string(), "a b".to_string()],
        env: vec![("A".to_string(), "1".to_string()), ("B".to_string(), "two".to_string())],
        stdin: b"from stdin".to_vec(),
        preopen: None,
    };
    let mut session = open_with(&module_with(SHOW_IMPORTS, SHOW), limits());
    let results = run_steps(
        &mut *session,
        &[Step::Instantiate(config), call("args", &[]), call("environ", &[]), call("stdin", &[]), call("stdin", &[])],
    );
    assert_eq!(stdout(&results[1]), "prog\0a b\0");
    assert_eq!(stdout(&results[2]), "A=1\0B=two\0");
    assert_eq!(results[3].outcome, returned(&[Value::I32(10)]));
    assert_eq!(stdout(&results[3]), "from stdin");
    assert_eq!(results[4].outcome, returned(&[Value::I32(0)]), "then end of file");
}

const FILES_IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
"#;
const FILES: &str = r#"
  (data (i32.const 64) "in.txt")
  (data (i32.const 80) "out.txt")
  (data (i32.const 96) "written")
  ;; Prints the preopen name of $fd; returns the errno.
  (func (export "prestat") (param $fd i32) (result i32)
    (local $err i32)
    (local.set $err (call $prestat_get (local.get $fd) (i32.const 128)))
    (if (local.get $err) (then (return (local.get $err))))
    (local.set $err (call $prestat_dir_name (local.get $fd) (i32.const 2048) (i32.load (i32.const 132))))
    (if (local.get $err) (then (return (local.get $err))))
    (call $print (i32.const 1) (i32.const 2048) (i32.load (i32.const 132)))
    (i32.const 0))
  ;; Prints in.txt under directory $dir; returns the errno.
  (func (export "cat") (param $dir i32) (result i32)
    (local $err i32)
    (local.set $err (call $path_open (local.get $dir) (i32.const 0) (i32.const 64) (i32.const 6)
      (i32.const 0) (i64.const 66) (i64.const 66) (i32.const 0) (i32.const 136)))
    (if (local.get $err) (then (return (local.get $err))))
    (i32.store (i32.const 16) (i32.const 4096))
    (i32.store (i32.const 20) (i32.const 1024))
    (local.set $err (call $fd_read (i32.load (i32.const 136)) (i32.const 16) (i32.const 1) (i32.const 24)))
    (if (local.get $err) (then (return (local.get $err))))
    (call $print (i32.const 1) (i32.const 4096) (i32.load (i32.const 24)))
    (call $fd_close (i32.load (i32.const 136))))
  ;; Creates out.txt under directory $dir holding "written"; returns the errno.
  (func (export "write") (param $dir i32) (result i32)
    (local $err i32)
    (local.set $err (call $path_open (local.get $dir) (i32.const 0) (i32.const 80) (i32.const 7)
      (i32.const 9) (i64.const 66) (i64.const 66) (i32.const 0) (i32.const 136)))
    (if (local.get $err) (then (return (local.get $err))))
    (i32.store (i32.const 16) (i32.const 96))
    (i32.store (i32.const 20) (i32.const 7))
    (local.set $err (call $fd_write (i32.load (i32.const 136)) (i32.const 16) (i32.const 1) (i32.const 24)))
    (if (local.get $err) (then (return (local.get $err))))
    (call $fd_close (i32.load (i32.const 136))))
"#;

#[test]
fn the_preopened_host_directory_is_readable_and_writable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "seeded").unwrap();
    let config = WasiConfig {
        preopen: Some(Preopen { host_path: dir.path().to_path_buf(), guest_path: "/sandbox".to_string() }),
        ..config()
    };
    let mut session = open_with(&module_with(FILES_IMPORTS, FILES), limits());
    let results = run_steps(
        &mut *session,
        &[
            Step::Instantiate(config),
            call("prestat", &[Value::I32(3)]),
            call("prestat", &[Value::I32(4)]),
            call("prestat", &[Value::I32(5)]),
            call("cat", &[Value::I32(4)]),
            call("write", &[Value::I32(4)]),
        ],
    );
    // wasix always preopens its virtual root as fd 3 ("/"), then the mapped directory, whose
    // name loses its leading '/'.
    assert_eq!((&results[1].outcome, stdout(&results[1]).as_str()), (&returned(&[Value::I32(0)]), "/"));
    assert_eq!((&results[2].outcome, stdout(&results[2]).as_str()), (&returned(&[Value::I32(0)]), "sandbox"));
    assert_eq!(results[3].outcome, returned(&[Value::I32(8)]), "fd 5 is not a preopen (EBADF)");
    assert_eq!((&results[4].outcome, stdout(&results[4]).as_str()), (&returned(&[Value::I32(0)]), "seeded"));
    assert_eq!(results[5].outcome, returned(&[Value::I32(0)]));
    drop(session);
    assert_eq!(std::fs::read_to_string(dir.path().join("out.txt")).unwrap(), "written");
}

#[test]
fn without_a_preopen_only_the_virtual_root_exists() {
    let mut session = open_with(&module_with(FILES_IMPORTS, FILES), limits());
    let outcomes = outcomes_of(
        &mut *session,
        &[instantiate(), call("prestat", &[Value::I32(3)]), call("prestat", &[Value::I32(4)])],
    );
    assert_eq!(outcomes[1..], [returned(&[Value::I32(0)]), returned(&[Value::I32(8)])]);
}
