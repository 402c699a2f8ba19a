//! Whatever a worker writes back, decoding it is a refusal or a step result — never a panic of
//! the harness. Reply lines are generated from a fixed seed: well-formed replies with fields of
//! the wrong type, edge numbers, bad base64 and unknown kinds, and lines cut short.

use execmodel_contract::{RejectStage, TrapKind, Unavailable};
use serde_json::{json, Map, Value as Json};

use crate::backend::{Backend, WorkerCommand};
use crate::process::{decode_reply, Failure};
use crate::session::step_result;

const SEED: u64 = 0x7265_706c;
const ID: u64 = 7;

struct NoWorker;

impl Backend for NoWorker {
    fn name(&self) -> &'static str {
        "test"
    }
    fn probe(&self) -> Result<String, Unavailable> {
        Ok("0".to_string())
    }
    fn command(&self) -> Result<WorkerCommand, String> {
        Err("no worker in this test".to_string())
    }
}

const KINDS: &[&str] =
    &["returned", "bytes", "exited", "trapped", "rejected", "host-error", "crashed", "threw", "Returned", "", "other"];
const FIELDS: &[&str] = &[
    "ok",
    "error",
    "outcome",
    "hasInstance",
    "stdout",
    "stderr",
    "stdoutDropped",
    "stderrDropped",
    "implicitCalls",
    "surfaced",
    "requestedExit",
    "runtime",
    "version",
    "protocol",
];
const OUTCOME_FIELDS: &[&str] =
    &["values", "bytes", "code", "trap", "message", "by", "stage", "phase", "name", "fromImport"];

struct Replies {
    rng: fastrand::Rng,
}

impl Replies {
    fn string(&mut self) -> String {
        let mut edges: Vec<String> = [
            "",
            "aGk=",
            "not base64!",
            "=",
            "AAAA",
            "é",
            "\u{0}",
            "-1",
            "18446744073709551616",
            "4294967296",
            "i32",
            "i64",
            "f32",
            "f64",
            "v128",
            "runtime",
            "harness",
            "Runtime",
            "call",
            "RuntimeError",
            "unreachable",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        edges.extend(TrapKind::ALL.iter().map(|kind| kind.as_str().to_string()));
        edges.extend(RejectStage::ALL.iter().map(|stage| stage.as_str().to_string()));
        edges.push("QUFB".repeat(self.rng.usize(0..3000)));
        self.rng.choice(edges).unwrap()
    }

    fn number(&mut self) -> Json {
        match self.rng.u8(0..7) {
            0 => json!(u64::MAX),
            1 => json!(i64::MIN),
            2 => json!(-1),
            3 => json!(1.5e308),
            4 => json!(0),
            5 => json!(self.rng.i64(..)),
            _ => json!(self.rng.u64(..).to_string()),
        }
    }

    fn any(&mut self, depth: u8) -> Json {
        match self.rng.u8(0..if depth > 2 { 4 } else { 6 }) {
            0 => Json::Null,
            1 => json!(self.rng.bool()),
            2 => self.number(),
            3 => json!(self.string()),
            4 => Json::Array((0..self.rng.usize(0..4)).map(|_| self.any(depth + 1)).collect()),
            _ => {
                let mut object = Map::new();
                for _ in 0..self.rng.usize(0..4) {
                    let key = if self.rng.bool() {
                        self.rng.choice(OUTCOME_FIELDS).unwrap().to_string()
                    } else {
                        self.string()
                    };
                    object.insert(key, self.any(depth + 1));
                }
                Json::Object(object)
            }
        }
    }

    fn value(&mut self) -> Json {
        json!({ "type": self.string(), "bits": if self.rng.bool() { self.number() } else { json!(self.string()) } })
    }

    /// An outcome of a known kind with the fields it needs, or (hostile) any kind and fields.
    fn outcome(&mut self, hostile: bool) -> Json {
        let kind = *self.rng.choice(KINDS).unwrap();
        let mut outcome = Map::new();
        outcome.insert("kind".into(), json!(kind));
        let needed: &[&str] = match kind {
            "returned" => &["values"],
            "bytes" => &["bytes"],
            "exited" => &["code"],
            "trapped" => &["trap", "message", "by"],
            "rejected" => &["stage", "message", "by"],
            "host-error" => &["message", "by"],
            "crashed" => &["message"],
            "threw" => &["phase", "name", "code", "message", "fromImport"],
            _ => OUTCOME_FIELDS,
        };
        for field in if hostile { OUTCOME_FIELDS } else { needed } {
            if hostile && self.rng.bool() {
                continue;
            }
            let value = match *field {
                _ if hostile && self.rng.bool() => self.any(1),
                "values" => Json::Array((0..self.rng.usize(0..3)).map(|_| self.value()).collect()),
                "code" if kind == "exited" => self.number(),
                "code" | "fromImport" if self.rng.bool() => Json::Null,
                "by" => json!(*self.rng.choice(["runtime", "harness"]).unwrap()),
                _ => json!(self.string()),
            };
            outcome.insert(field.to_string(), value);
        }
        Json::Object(outcome)
    }

    /// Mostly replies a worker could send, with values at their edges; a third hostile ones.
    fn line(&mut self) -> String {
        let hostile = self.rng.u8(0..3) == 0;
        let mut reply = Map::new();
        reply.insert("id".into(), if hostile && self.rng.bool() { self.number() } else { json!(ID) });
        reply.insert("ok".into(), json!(!hostile || self.rng.bool()));
        for field in &FIELDS[1..] {
            if self.rng.u8(0..3) == 0 {
                continue;
            }
            let value = match *field {
                _ if hostile && self.rng.u8(0..3) == 0 => self.any(1),
                "hasInstance" => json!(self.rng.bool()),
                "outcome" => self.outcome(hostile),
                "stdoutDropped" | "stderrDropped" | "protocol" => json!(self.rng.u64(..)),
                "requestedExit" => json!(self.rng.i64(..)),
                "implicitCalls" => Json::Array((0..self.rng.usize(0..3)).map(|_| json!(self.string())).collect()),
                "stdout" | "stderr" => json!(*self.rng.choice(["", "aGk=", "not base64!", "AAAA", "=="]).unwrap()),
                _ => json!(self.string()),
            };
            reply.insert(field.to_string(), value);
        }
        let mut line = Json::Object(reply).to_string();
        if hostile && self.rng.u8(0..4) == 0 {
            let mut cut = self.rng.usize(..=line.len());
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
        }
        line
    }
}

#[test]
fn any_reply_line_is_a_refusal_or_a_step_result_never_a_panic() {
    let mut replies = Replies { rng: fastrand::Rng::with_seed(SEED) };
    let (mut decoded, mut refused, mut failures) = (0, 0, Vec::new());
    for iteration in 0..20_000 {
        let line = replies.line();
        let stage = RejectStage::ALL[iteration % RejectStage::ALL.len()];
        let result = std::panic::catch_unwind(|| match decode_reply(&line, ID) {
            Ok(reply) => {
                step_result(&NoWorker, reply, stage);
                (1, 0)
            }
            Err(Failure::Refused(_)) => (0, 1),
            Err(other) => panic!("decoding gave {other:?}, which only a live process can"),
        });
        match result {
            Ok((ok, no)) => {
                decoded += ok;
                refused += no;
            }
            Err(panic) => failures.push(format!(
                "seed {SEED}, iteration {iteration}: {}\nline: {line}",
                execmodel_contract::panic_message(&*panic)
            )),
        }
    }
    assert!(failures.is_empty(), "{} panics:\n{}", failures.len(), failures.join("\n\n"));
    // Both paths must be exercised, or the generator has drifted from the protocol.
    assert!(decoded > 2000 && refused > 2000, "{decoded} decoded, {refused} refused");
}
