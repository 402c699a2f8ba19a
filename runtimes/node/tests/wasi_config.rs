//! args, env, stdin and a preopened directory reach the guest.

mod common;

use common::*;
use execmodel_contract::{Preopen, Step, WasiConfig};

#[test]
fn args_and_env_reach_the_guest() {
    let wasm = wasi_module(
        r#"(func (export "_start")
             (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
             (drop (call $args_get (i32.const 4096) (i32.const 8192)))
             (call $print (i32.const 8192) (i32.load (i32.const 20)))
             (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
             (drop (call $environ_get (i32.const 4096) (i32.const 8192)))
             (call $write_to (i32.const 2) (i32.const 8192) (i32.load (i32.const 20))))"#,
    );
    let config = WasiConfig {
        args: vec!["prog".into(), "a b".into()],
        env: vec![("GREETING".into(), "hi".into()), ("EMPTY".into(), String::new())],
        ..WasiConfig::default()
    };
    let result = assert_outcome(&mut *session(&wasm), &Step::Run(config), "returned");
    assert_eq!(result.stdout, b"prog\0a b\0");
    assert_eq!(result.stderr, b"GREETING=hi\0EMPTY=\0");
}

const ECHO_STDIN: &str = r#"
  (func (export "_start")
    (i32.store (i32.const 32) (i32.const 8192))
    (i32.store (i32.const 36) (i32.const 100))
    (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
    (call $print (i32.const 8192) (i32.load (i32.const 40))))"#;

#[test]
fn stdin_bytes_reach_the_guest() {
    let config = WasiConfig { args: vec!["x".into()], stdin: b"input bytes".to_vec(), ..WasiConfig::default() };
    let result = assert_outcome(&mut *session(&wasi_module(ECHO_STDIN)), &Step::Run(config), "returned");
    assert_eq!(result.stdout, b"input bytes");
    let empty = assert_outcome(&mut *session(&wasi_module(ECHO_STDIN)), &run(), "returned");
    assert_eq!(empty.stdout, b"");
}

#[test]
fn a_preopened_directory_is_visible_at_its_guest_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.txt"), "hello from the host").unwrap();
    // fd 3: print its preopen name to stderr, open in.txt through it (right: fd_read only; uvwasi
    // answers ENOTCAPABLE to rights beyond the preopen's) and echo the file to stdout.
    let wasm = wasi_module(
        r#"(data (i32.const 1024) "in.txt")
           (func (export "open_it") (result i32)
             (local $errno i32)
             (drop (call $fd_prestat_get (i32.const 3) (i32.const 56)))
             (drop (call $fd_prestat_dir_name (i32.const 3) (i32.const 8192) (i32.load (i32.const 60))))
             (call $write_to (i32.const 2) (i32.const 8192) (i32.load (i32.const 60)))
             (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 1024) (i32.const 6)
               (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 48)))
             (if (local.get $errno) (then (return (local.get $errno))))
             (i32.store (i32.const 32) (i32.const 12288))
             (i32.store (i32.const 36) (i32.const 100))
             (drop (call $fd_read (i32.load (i32.const 48)) (i32.const 32) (i32.const 1) (i32.const 40)))
             (call $print (i32.const 12288) (i32.load (i32.const 40)))
             (i32.const 0))"#,
    );
    let config = WasiConfig {
        args: vec!["x".into()],
        preopen: Some(Preopen { host_path: dir.path().to_path_buf(), guest_path: "/sandbox".into() }),
        ..WasiConfig::default()
    };
    let mut session = session(&wasm);
    // node's own `run` (wasi.initialize: the module has no `_start`) binds memory for WASI.
    assert_outcome(&mut *session, &Step::Run(config), "returned");
    let result = assert_outcome(&mut *session, &call("open_it", &[]), "returned i32:0");
    assert_eq!(result.stderr, b"/sandbox");
    assert_eq!(result.stdout, b"hello from the host");
}
