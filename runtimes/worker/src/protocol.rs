//! The line-delimited JSON spoken with a worker (`docs/worker-protocol.md`): requests, replies,
//! values.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use execmodel_contract::{Limits, Value, WasiConfig};
use serde::Deserialize;
use serde_json::{json, Value as Json};

use crate::exports::NumType;

/// The protocol version this crate speaks.
pub const VERSION: u64 = 2;

pub fn hello() -> Json {
    json!({ "op": "hello" })
}

pub fn load(module: &str, wasm: &[u8]) -> Json {
    json!({ "op": "load", "module": module, "wasm": BASE64.encode(wasm) })
}

pub fn open(session: &str, module: &str, limits: &Limits) -> Json {
    json!({
        "op": "open",
        "session": session,
        "module": module,
        "outputBytes": limits.output_bytes,
        "memoryBytes": limits.memory_bytes,
    })
}

pub fn close(session: &str) -> Json {
    json!({ "op": "close", "session": session })
}

pub fn instantiate(session: &str, wasi: &WasiConfig) -> Json {
    step(session, json!({ "do": "instantiate", "wasi": wasi_json(wasi) }))
}

pub fn run(session: &str, wasi: &WasiConfig) -> Json {
    step(session, json!({ "do": "run", "wasi": wasi_json(wasi) }))
}

pub fn call(session: &str, export: &str, args: &[Value], results: &[NumType]) -> Json {
    let args: Vec<Json> = args.iter().map(value_to_wire).collect();
    let results: Vec<&str> = results.iter().map(|ty| ty.name()).collect();
    step(session, json!({ "do": "call", "export": export, "args": args, "results": results }))
}

pub fn memory(session: &str) -> Json {
    step(session, json!({ "do": "memory" }))
}

pub fn write_memory(session: &str, offset: u32, bytes: &[u8]) -> Json {
    step(session, json!({ "do": "write", "offset": offset, "bytes": BASE64.encode(bytes) }))
}

pub fn read_memory(session: &str, offset: u32, length: u32) -> Json {
    step(session, json!({ "do": "read", "offset": offset, "length": length }))
}

/// Base64 from the worker (memory reads), decoded.
pub fn decode_bytes(text: &str) -> Result<Vec<u8>, String> {
    BASE64.decode(text).map_err(|err| format!("bytes from the worker are not base64: {err}"))
}

fn step(session: &str, step: Json) -> Json {
    json!({ "op": "step", "session": session, "step": step })
}

fn wasi_json(wasi: &WasiConfig) -> Json {
    let preopen = wasi
        .preopen
        .as_ref()
        .map(|preopen| json!({ "guest": preopen.guest_path, "host": preopen.host_path.to_string_lossy() }));
    json!({
        "args": wasi.args,
        "env": wasi.env,
        "stdin": BASE64.encode(&wasi.stdin),
        "preopen": preopen,
    })
}

/// One reply line. `ok: false` carries `error`; a step reply carries the rest.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub outcome: Option<WireOutcome>,
    /// Whether the session holds an instance after this step.
    #[serde(default)]
    pub has_instance: bool,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    #[serde(default)]
    pub stdout_dropped: u64,
    #[serde(default)]
    pub stderr_dropped: u64,
    /// Entry points node called by itself (`wasi.start` calling `_start`, …).
    #[serde(default)]
    pub implicit_calls: Vec<String>,
    #[serde(default)]
    pub surfaced: Option<String>,
    #[serde(default)]
    pub requested_exit: Option<i64>,
    /// Sent as the worker's process is ending in the middle of a step (the runtime ended it):
    /// what the step did until then, without an outcome; the process's end is the outcome.
    #[serde(default)]
    pub ending: bool,
    /// Sent, without an outcome, as the runtime enters guest code by itself within a step
    /// (`wasi.start` calling `_start`): the implicit calls so far. The step's own reply supersedes
    /// it; it is all that is known of the step when the harness kills the worker on its budget.
    #[serde(default)]
    pub entered: bool,
    /// `hello`'s answer.
    #[serde(default)]
    pub runtime: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub protocol: Option<u64>,
}

impl Reply {
    /// Said of a step in progress, not its answer (`ending` or `entered`).
    pub fn is_interim(&self) -> bool {
        self.ending || self.entered
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WireOutcome {
    Returned {
        values: Vec<WireValue>,
    },
    /// Bytes read from memory, base64.
    Bytes {
        bytes: String,
    },
    Exited {
        code: i64,
    },
    Trapped {
        trap: String,
        message: String,
        #[serde(default)]
        by: By,
    },
    Rejected {
        stage: String,
        message: String,
        #[serde(default)]
        by: By,
    },
    HostError {
        message: String,
        #[serde(default)]
        by: By,
    },
    Crashed {
        message: String,
    },
    /// Something was thrown; which outcome that is, the adapter decides (see `throws`).
    Threw(Thrown),
}

/// Who wrote a message; a worker that does not say wrote it itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum By {
    Runtime,
    #[default]
    Harness,
}

impl From<By> for execmodel_contract::Author {
    fn from(by: By) -> Self {
        match by {
            By::Runtime => execmodel_contract::Author::Runtime,
            By::Harness => execmodel_contract::Author::Harness,
        }
    }
}

/// A JS exception as the worker saw it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thrown {
    /// `instantiate`, `run` (node's start/initialize) or `call`.
    pub phase: String,
    /// The constructor name: `RuntimeError`, `RangeError`, `TypeError`, `LinkError`, …
    pub name: String,
    /// node's `err.code` (`ERR_INVALID_ARG_TYPE`, …) when present.
    pub code: Option<String>,
    pub message: String,
    /// The WASI function the exception came out of, if it came out of one.
    pub from_import: Option<String>,
}

/// A value as its raw bit pattern in decimal, so NaNs and i64 survive JSON.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WireValue {
    #[serde(rename = "type")]
    pub ty: String,
    pub bits: String,
}

pub fn value_to_wire(value: &Value) -> Json {
    let (ty, bits) = match *value {
        Value::I32(v) => ("i32", u64::from(v as u32)),
        Value::I64(v) => ("i64", v as u64),
        Value::F32(v) => ("f32", u64::from(v.to_bits())),
        Value::F64(v) => ("f64", v.to_bits()),
    };
    json!({ "type": ty, "bits": bits.to_string() })
}

pub fn value_from_wire(wire: &WireValue) -> Result<Value, String> {
    let bits: u64 = wire.bits.parse().map_err(|_| format!("value bits {:?} are not a number", wire.bits))?;
    let narrow = || u32::try_from(bits).map_err(|_| format!("{} bits {bits} do not fit 32 bits", wire.ty));
    Ok(match wire.ty.as_str() {
        "i32" => Value::I32(narrow()? as i32),
        "i64" => Value::I64(bits as i64),
        "f32" => Value::F32(f32::from_bits(narrow()?)),
        "f64" => Value::F64(f64::from_bits(bits)),
        other => return Err(format!("unknown value type {other:?}")),
    })
}

pub fn decode_output(base64: &str) -> Result<Vec<u8>, String> {
    BASE64.decode(base64).map_err(|err| format!("captured output is not base64: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_bits() {
        for value in [Value::I32(-1), Value::I64(i64::MIN), Value::F32(-1.5), Value::F64(f64::INFINITY)] {
            let wire: WireValue = serde_json::from_value(value_to_wire(&value)).unwrap();
            assert_eq!(value_from_wire(&wire), Ok(value));
        }
        let nan = Value::F64(f64::from_bits(0x7ff8_0000_0000_0001));
        let wire: WireValue = serde_json::from_value(value_to_wire(&nan)).unwrap();
        let Ok(Value::F64(back)) = value_from_wire(&wire) else { panic!() };
        assert_eq!(back.to_bits(), 0x7ff8_0000_0000_0001);
    }

    #[test]
    fn i32_bits_are_unsigned() {
        assert_eq!(value_to_wire(&Value::I32(-1))["bits"], "4294967295");
        let wide = WireValue { ty: "i32".into(), bits: "4294967296".into() };
        assert!(value_from_wire(&wide).is_err());
    }

    #[test]
    fn outcomes_parse_by_kind() {
        let reply: Reply = serde_json::from_str(
            r#"{"id":1,"ok":true,"outcome":{"kind":"threw","phase":"call","name":"RuntimeError",
                "code":null,"message":"unreachable","fromImport":null},"stdout":"aGk=","stderr":""}"#,
        )
        .unwrap();
        let Some(WireOutcome::Threw(thrown)) = reply.outcome else { panic!("{reply:?}") };
        assert_eq!((thrown.phase.as_str(), thrown.name.as_str()), ("call", "RuntimeError"));
        assert_eq!(decode_output(&reply.stdout), Ok(b"hi".to_vec()));
    }
}
