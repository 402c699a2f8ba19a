//! The fixed script of requests every worker program must answer as `docs/worker-protocol.md`
//! says. Each adapter crate runs it against its own worker from a test:
//! `execmodel_worker::conformance::check(&command, |wat| wat::parse_str(wat).unwrap())`.
//!
//! It checks the protocol, not the runtime: replies are whole and typed, values keep their bits,
//! memory access is bounded, guest output is captured per step, a bad request is refused without
//! ending the worker. What a runtime does with a lifecycle question is the corpus's to record.

use std::time::Duration;

use execmodel_contract::{Limits, Value, WasiConfig};
use serde_json::json;

use crate::backend::WorkerCommand;
use crate::exports::NumType;
use crate::process::{Failure, Worker};
use crate::protocol::{self, Reply, WireOutcome};

const TIMEOUT: Duration = Duration::from_secs(30);

/// A reactor without `_initialize` (so every runtime's `run` binds WASI and calls nothing):
/// `leave` writes `hi\n` and exits 3; `shut` closes the guest's fds 0 and 1; `add64`, `same` for values; `boom` traps; `flood` writes
/// 256 KiB ending in a newline (line-buffered WASI polyfills pass whole lines only); 17 pages of
/// memory. The iovec sits at 16, not 0: a polyfill may refuse a null iovec pointer.
const MODULE: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (memory (export "memory") 17)
  (data (i32.const 64) "hi\n")
  (data (i32.const 327679) "\n")
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
  (func (export "leave") (call $write (i32.const 64) (i32.const 3)) (call $proc_exit (i32.const 3)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "same") (param f64 f32) (result f64 f32) (local.get 0) (local.get 1))
  (func (export "boom") unreachable)
  (func (export "shut") (drop (call $fd_close (i32.const 0))) (drop (call $fd_close (i32.const 1))))
  (func (export "flood") (call $write (i32.const 65536) (i32.const 262144))))"#;

/// What a runtime itself cannot do, which the script then accepts instead (each column that
/// declares one says why in its own test).
#[derive(Debug, Clone, Copy, Default)]
pub struct Limitations {
    /// The JavaScript engine canonicalises NaNs crossing into JS (JavaScriptCore).
    pub canonical_nans: bool,
    /// `proc_exit` ends the worker's process with the guest's code (Bun's `node:wasi`).
    pub exit_ends_the_process: bool,
}

/// Runs the script; the error names the request and what was wrong with its reply.
pub fn check(command: &WorkerCommand, wat_to_wasm: impl Fn(&str) -> Vec<u8>) -> Result<(), String> {
    check_with(command, wat_to_wasm, Limitations::default())
}

/// [`check`] for a runtime with known [`Limitations`].
pub fn check_with(
    command: &WorkerCommand,
    wat_to_wasm: impl Fn(&str) -> Vec<u8>,
    limits_of_runtime: Limitations,
) -> Result<(), String> {
    let mut worker = Worker::spawn(command)?;
    let hello = request(&mut worker, protocol::hello(), "hello")?;
    if hello.protocol != Some(protocol::VERSION) || hello.runtime.is_none() || hello.version.is_none() {
        return Err(format!("hello: expected runtime, version and protocol {}, got {hello:?}", protocol::VERSION));
    }
    match worker.request(json!({ "op": "no-such-op" }), TIMEOUT) {
        Err(Failure::Refused(_)) => {}
        other => return Err(format!("an unknown op must be refused with ok:false, got {other:?}")),
    }
    match worker.request(protocol::load("garbage", b"not wasm"), TIMEOUT) {
        Err(Failure::Refused(_)) => {}
        other => return Err(format!("a module that does not compile must be refused with ok:false, got {other:?}")),
    }
    request(&mut worker, protocol::load("m", &wat_to_wasm(MODULE)), "load")?;
    let limits = Limits { output_bytes: 1 << 20, ..Limits::default() };
    request(&mut worker, protocol::open("s", "m", &limits), "open")?;
    let wasi = WasiConfig { args: vec!["m.wasm".into()], ..WasiConfig::default() };

    let ran = step(&mut worker, protocol::run("s", &wasi), "run")?;
    expect(&ran, "run", |o| matches!(o, WireOutcome::Returned { values } if values.is_empty()))?;
    if !ran.has_instance || !ran.implicit_calls.is_empty() {
        return Err(format!(
            "run of a reactor without `_initialize`: expected an instance and no implicit calls, got {ran:?}"
        ));
    }

    // Bits survive: u64::MAX + 2 wraps to 1; a NaN payload and an f32 come back unchanged.
    let add = protocol::call("s", "add64", &[Value::I64(-1), Value::I64(2)], &[NumType::I64]);
    let added = step(&mut worker, add, "call add64")?;
    expect(
        &added,
        "call add64",
        |o| matches!(o, WireOutcome::Returned { values } if values.len() == 1 && values[0].ty == "i64" && values[0].bits == "1"),
    )?;
    let nan = f64::from_bits(0x7ff8_0000_0000_0001);
    let same = protocol::call("s", "same", &[Value::F64(nan), Value::F32(-1.5)], &[NumType::F64, NumType::F32]);
    let echoed = step(&mut worker, same, "call same")?;
    let nan_bits: u64 = if limits_of_runtime.canonical_nans { 0x7ff8_0000_0000_0000 } else { 0x7ff8_0000_0000_0001 };
    let want = [nan_bits.to_string(), u64::from((-1.5f32).to_bits()).to_string()];
    expect(
        &echoed,
        "call same",
        |o| matches!(o, WireOutcome::Returned { values } if values.iter().map(|v| v.bits.clone()).eq(want.iter().cloned())),
    )?;

    let trapped = step(&mut worker, protocol::call("s", "boom", &[], &[]), "call boom")?;
    expect(&trapped, "call boom", |o| match o {
        WireOutcome::Trapped { trap, .. } => trap == "unreachable",
        WireOutcome::Threw(_) => true,
        _ => false,
    })?;
    let missing = step(&mut worker, protocol::call("s", "nope", &[], &[]), "call nope")?;
    expect(&missing, "call nope", |o| matches!(o, WireOutcome::Rejected { stage, .. } if stage == "call"))?;

    // Host memory access, bounded by the live size; a reply of more than a pipe's buffer.
    let written = step(&mut worker, protocol::write_memory("s", 100_000, b"conformance"), "write")?;
    expect(&written, "write", |o| matches!(o, WireOutcome::Returned { .. }))?;
    let size = 17 * 65536;
    let read = step(&mut worker, protocol::read_memory("s", 0, size), "read of the whole memory")?;
    match &read.outcome {
        Some(WireOutcome::Bytes { bytes }) => match protocol::decode_bytes(bytes) {
            Ok(bytes) if bytes.len() == size as usize && &bytes[100_000..100_011] == b"conformance" => {}
            Ok(bytes) => {
                return Err(format!("read: expected {size} bytes with the written ones at 100000, got {}", bytes.len()))
            }
            Err(err) => return Err(format!("read: {err}")),
        },
        other => return Err(format!("read: expected bytes, got {other:?}")),
    }
    let outside = step(&mut worker, protocol::read_memory("s", size - 1, 2), "read past the end")?;
    let message = format!("memory access of 2 bytes at {} is outside the memory ({size} bytes)", size - 1);
    expect(
        &outside,
        "read past the end",
        |o| matches!(o, WireOutcome::Rejected { stage, message: m, .. } if stage == "call" && *m == message),
    )?;

    let flood = step(&mut worker, protocol::call("s", "flood", &[], &[]), "call flood")?;
    match protocol::decode_output(&flood.stdout) {
        Ok(stdout) if stdout.len() == 262_144 => {}
        Ok(stdout) => return Err(format!("call flood: expected 262144 bytes of stdout, got {}", stdout.len())),
        Err(err) => return Err(format!("call flood: {err}")),
    }

    // The guest's descriptors are the guest's: closing its stdin and stdout (which some
    // runtimes map to the host process's own) must not end the exchange. A session of its own,
    // so that "s" keeps its stdout.
    request(&mut worker, protocol::open("t", "m", &limits), "open of a second session")?;
    step(&mut worker, protocol::run("t", &wasi), "run of the second session")?;
    step(&mut worker, protocol::call("t", "shut", &[], &[]), "call shut")?;
    request(&mut worker, protocol::memory("s"), "a request after the guest closed its fds 0 and 1")?;
    request(&mut worker, protocol::close("t"), "close of the second session")?;

    // Last: an exit may close the instance.
    if limits_of_runtime.exit_ends_the_process {
        // What the step wrote before the runtime ended the process still arrives (an `ending`
        // reply from the worker's exit hook).
        return match worker.request(protocol::call("s", "leave", &[], &[]), TIMEOUT) {
            Err(Failure::Died(end)) if end.starts_with("exited with status 3;") => {
                match worker.take_last_words().map(|words| protocol::decode_output(&words.stdout)) {
                    Some(Ok(stdout)) if stdout == b"hi\n" => Ok(()),
                    other => Err(format!(
                        "call leave: the ending reply must carry the step's stdout \"hi\\n\", got {other:?}"
                    )),
                }
            }
            other => Err(format!("call leave: expected the process to exit with status 3, got {other:?}")),
        };
    }
    let left = step(&mut worker, protocol::call("s", "leave", &[], &[]), "call leave")?;
    expect(&left, "call leave", |o| matches!(o, WireOutcome::Exited { code: 3 }))?;
    if protocol::decode_output(&left.stdout).as_deref() != Ok(b"hi\n") {
        return Err(format!("call leave: stdout must be the step's own output, \"hi\\n\", got {:?}", left.stdout));
    }

    request(&mut worker, protocol::close("s"), "close")?;
    request(&mut worker, protocol::close("never-opened"), "close of an unknown session")?;
    match worker.request(protocol::call("s", "leave", &[], &[]), TIMEOUT) {
        Err(Failure::Refused(_)) => Ok(()),
        other => Err(format!("a step on a closed session must be refused with ok:false, got {other:?}")),
    }
}

fn request(worker: &mut Worker, request: serde_json::Value, what: &str) -> Result<Reply, String> {
    worker.request(request, TIMEOUT).map_err(|failure| format!("{what}: {failure:?}"))
}

fn step(worker: &mut Worker, request: serde_json::Value, what: &str) -> Result<Reply, String> {
    let reply = self::request(worker, request, what)?;
    if reply.outcome.is_none() {
        return Err(format!("{what}: a step reply needs an outcome, got {reply:?}"));
    }
    Ok(reply)
}

fn expect(reply: &Reply, what: &str, fits: impl Fn(&WireOutcome) -> bool) -> Result<(), String> {
    match &reply.outcome {
        Some(outcome) if fits(outcome) => Ok(()),
        other => Err(format!("{what}: unexpected outcome {other:?}")),
    }
}
