//! Strings across the memory boundary: `call NAME("text", i32:1) -> string`.
//!
//! A reactor that takes or returns more than scalars exchanges bytes through its exported
//! `memory`, allocated by its own allocator. The convention the corpus follows:
//! - `alloc(len: i32) -> i32` returns a pointer to `len` fresh bytes; `dealloc(ptr: i32, len: i32)`
//!   frees them;
//! - a string argument becomes two arguments, `ptr, len`, of bytes the host wrote after `alloc`;
//! - with `-> string`, the export returns one i64: the result's pointer in the high 32 bits and
//!   its length in the low 32 bits, allocated by the module; the host reads it, then `dealloc`s it;
//! - the host `dealloc`s its own arguments after the call.
//!
//! One scenario step is therefore several contract steps; the first that does not go as the
//! convention says is the step's outcome, so a trap in `alloc` reads as that trap.

use std::fmt;

use execmodel_contract::{Outcome, RejectStage, Session, Step, StepKind, StepResult, Value};

pub const ALLOC: &str = "alloc";
pub const DEALLOC: &str = "dealloc";

#[derive(Debug, Clone, PartialEq)]
pub struct MemoryCall {
    pub export: String,
    pub args: Vec<Argument>,
    pub returns_string: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Argument {
    Value(Value),
    Str(String),
}

impl MemoryCall {
    /// Parses what follows `call ` when it has a string argument or `-> string`.
    pub fn parse(text: &str) -> Result<MemoryCall, String> {
        let (call, returns_string) = match text.rsplit_once("->") {
            Some((call, ret)) if !ret.contains('"') => match ret.trim() {
                "string" => (call.trim(), true),
                other => return Err(format!("`-> {other}`: the only result type a call can name is `-> string`")),
            },
            _ => (text.trim(), false),
        };
        let (export, rest) = call.split_once('(').ok_or_else(|| format!("`{text}`: expected NAME(ARGS)"))?;
        let export = export.trim();
        if export.is_empty() {
            return Err(format!("`{text}`: name the export to call"));
        }
        let inner = rest.strip_suffix(')').ok_or_else(|| format!("`{text}`: missing `)` after the arguments"))?;
        Ok(MemoryCall { export: export.to_string(), args: parse_arguments(inner)?, returns_string })
    }

    /// The contract steps this call is made of, for runtimes that must say whether they can.
    pub fn kinds(&self) -> Vec<StepKind> {
        let strings = self.args.iter().filter(|arg| matches!(arg, Argument::Str(_))).count();
        let mut kinds = Vec::new();
        for _ in 0..strings {
            kinds.extend([StepKind::Call(ALLOC.into()), StepKind::MemoryAccess]);
        }
        kinds.push(StepKind::Call(self.export.clone()));
        if self.returns_string {
            kinds.extend([StepKind::MemoryAccess, StepKind::Call(DEALLOC.into())]);
        }
        kinds.extend((0..strings).map(|_| StepKind::Call(DEALLOC.into())));
        kinds
    }

    /// Performs the call on `session`; output of every part is gathered into one result.
    pub fn perform(&self, session: &mut dyn Session) -> StepResult {
        let mut exchange = Exchange { session, stdout: Vec::new(), stderr: Vec::new() };
        let outcome = self.perform_parts(&mut exchange).unwrap_or_else(|outcome| outcome);
        StepResult::new(outcome).with_output(exchange.stdout, exchange.stderr)
    }

    fn perform_parts(&self, exchange: &mut Exchange) -> Result<Outcome, Outcome> {
        let mut args = Vec::new();
        let mut owned = Vec::new();
        for arg in &self.args {
            match arg {
                Argument::Value(value) => args.push(*value),
                Argument::Str(text) => {
                    let (ptr, len) = exchange.pass_string(text.as_bytes())?;
                    owned.push((ptr, len));
                    args.extend([Value::I32(ptr as i32), Value::I32(len as i32)]);
                }
            }
        }
        let returned = exchange.call(&self.export, args)?;
        let outcome = if self.returns_string {
            let (ptr, len) = match returned.as_slice() {
                [Value::I64(packed)] => ((*packed as u64 >> 32) as u32, *packed as u32),
                other => {
                    return Err(Outcome::reject(
                        RejectStage::Call,
                        format!(
                            "`{}` returned {other:?}; `-> string` expects one i64 (pointer << 32 | length)",
                            self.export
                        ),
                    ))
                }
            };
            let bytes = exchange.read(ptr, len)?;
            exchange.call(DEALLOC, vec![Value::I32(ptr as i32), Value::I32(len as i32)])?;
            Outcome::Bytes(bytes)
        } else {
            Outcome::Returned(returned)
        };
        for (ptr, len) in owned {
            exchange.call(DEALLOC, vec![Value::I32(ptr as i32), Value::I32(len as i32)])?;
        }
        Ok(outcome)
    }
}

struct Exchange<'a> {
    session: &'a mut dyn Session,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Exchange<'_> {
    fn step(&mut self, step: Step) -> Outcome {
        let result = self.session.step(&step);
        self.stdout.extend(result.stdout);
        self.stderr.extend(result.stderr);
        result.outcome
    }

    fn call(&mut self, export: &str, args: Vec<Value>) -> Result<Vec<Value>, Outcome> {
        match self.step(Step::Call { export: export.to_string(), args }) {
            Outcome::Returned(values) => Ok(values),
            other => Err(other),
        }
    }

    /// `alloc`s room for `bytes` and writes them there.
    fn pass_string(&mut self, bytes: &[u8]) -> Result<(u32, u32), Outcome> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| Outcome::reject(RejectStage::Call, "a string argument longer than 4 GiB"))?;
        let ptr = match self.call(ALLOC, vec![Value::I32(len as i32)])?.as_slice() {
            [Value::I32(ptr)] => *ptr as u32,
            other => {
                return Err(Outcome::reject(
                    RejectStage::Call,
                    format!("`{ALLOC}({len})` returned {other:?}; the memory boundary expects one i32 pointer"),
                ))
            }
        };
        match self.step(Step::WriteMemory { offset: ptr, bytes: bytes.to_vec() }) {
            Outcome::Returned(_) => Ok((ptr, len)),
            other => Err(other),
        }
    }

    fn read(&mut self, ptr: u32, len: u32) -> Result<Vec<u8>, Outcome> {
        match self.step(Step::ReadMemory { offset: ptr, len }) {
            Outcome::Bytes(bytes) => Ok(bytes),
            other => Err(other),
        }
    }
}

fn parse_arguments(text: &str) -> Result<Vec<Argument>, String> {
    let mut args = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (arg, after) = if rest.starts_with('"') {
            let (text, after) = parse_string_literal(rest)?;
            (Argument::Str(text), after)
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let value = rest[..end].trim().parse::<Value>().map_err(|err| err.to_string())?;
            (Argument::Value(value), &rest[end..])
        };
        args.push(arg);
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(next) => next.trim_start(),
            None if after.is_empty() => after,
            None => return Err(format!("expected `,` between arguments, found `{after}`")),
        };
    }
    Ok(args)
}

/// A double-quoted string with the escapes Rust's `{:?}` produces (`\"`, `\\`, `\n`, `\t`, `\r`,
/// `\0`, `\u{…}`), so observed strings printed in failure messages can be pasted back.
/// Returns the string and the text after its closing quote.
pub fn parse_string_literal(text: &str) -> Result<(String, &str), String> {
    let body = text.strip_prefix('"').ok_or_else(|| format!("`{text}`: expected a string in double quotes"))?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[index + 1..])),
            '\\' => {
                let escaped = match chars.next().map(|(_, c)| c) {
                    Some('"') => '"',
                    Some('\\') => '\\',
                    Some('\'') => '\'',
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some('r') => '\r',
                    Some('0') => '\0',
                    Some('u') => {
                        let rest = &body[index + 2..];
                        let hex = rest
                            .strip_prefix('{')
                            .and_then(|r| r.split_once('}'))
                            .map(|(hex, _)| hex)
                            .ok_or_else(|| format!("`{text}`: `\\u` needs `{{HEX}}`"))?;
                        for _ in 0..hex.len() + 2 {
                            chars.next();
                        }
                        u32::from_str_radix(hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .ok_or_else(|| format!("`{text}`: `\\u{{{hex}}}` is not a character"))?
                    }
                    other => {
                        return Err(format!(
                            "`{text}`: unknown escape `\\{}`",
                            other.map(String::from).unwrap_or_default()
                        ))
                    }
                };
                out.push(escaped);
            }
            c => out.push(c),
        }
    }
    Err(format!("`{text}`: the string has no closing `\"`"))
}

impl fmt::Display for MemoryCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self
            .args
            .iter()
            .map(|arg| match arg {
                Argument::Value(value) => value.to_string(),
                Argument::Str(text) => format!("{text:?}"),
            })
            .collect();
        write!(f, "call {}({})", self.export, args.join(", "))?;
        if self.returns_string {
            f.write_str(" -> string")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strings_values_and_the_result_type() {
        let call = MemoryCall::parse(r#"greet("a, \"b\"", i32:2, "w\u{f6}rld\n") -> string"#).unwrap();
        assert_eq!(call.export, "greet");
        assert_eq!(
            call.args,
            vec![Argument::Str("a, \"b\"".into()), Argument::Value(Value::I32(2)), Argument::Str("wörld\n".into())]
        );
        assert!(call.returns_string);
        assert_eq!(call.to_string(), r#"call greet("a, \"b\"", i32:2, "wörld\n") -> string"#);
        assert!(!MemoryCall::parse(r#"len("x")"#).unwrap().returns_string);
    }

    #[test]
    fn rejects_malformed_calls() {
        for (text, why) in [
            (r#"greet("open)"#, "no closing"),
            (r#"greet("a" "b")"#, "expected `,`"),
            (r#"greet("a") -> i32"#, "only result type"),
            (r#"greet("\q")"#, "unknown escape"),
            (r#"("a")"#, "name the export"),
        ] {
            let err = MemoryCall::parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        }
    }

    /// A session with 64 bytes of memory, a bump allocator and `upper(ptr, len) -> i64`.
    struct Fake {
        memory: Vec<u8>,
        next: u32,
        freed: Vec<(i32, i32)>,
    }

    impl Session for Fake {
        fn step(&mut self, step: &Step) -> StepResult {
            let outcome = match step {
                Step::Call { export, args } => match (export.as_str(), args.as_slice()) {
                    ("alloc", [Value::I32(len)]) => {
                        let ptr = self.next;
                        self.next += *len as u32;
                        Outcome::Returned(vec![Value::I32(ptr as i32)])
                    }
                    ("dealloc", [Value::I32(ptr), Value::I32(len)]) => {
                        self.freed.push((*ptr, *len));
                        Outcome::Returned(vec![])
                    }
                    ("upper", [Value::I32(ptr), Value::I32(len)]) => {
                        let (ptr, len) = (*ptr as usize, *len as usize);
                        let upper = self.memory[ptr..ptr + len].to_ascii_uppercase();
                        let out = self.next as usize;
                        self.memory[out..out + len].copy_from_slice(&upper);
                        self.next += len as u32;
                        Outcome::Returned(vec![Value::I64(((out as i64) << 32) | len as i64)])
                    }
                    _ => Outcome::reject(RejectStage::Call, "no such export"),
                },
                Step::WriteMemory { offset, bytes } => {
                    let at = *offset as usize;
                    self.memory[at..at + bytes.len()].copy_from_slice(bytes);
                    Outcome::returned_nothing()
                }
                Step::ReadMemory { offset, len } => {
                    Outcome::Bytes(self.memory[*offset as usize..(*offset + *len) as usize].to_vec())
                }
                _ => Outcome::returned_nothing(),
            };
            StepResult::new(outcome)
        }
    }

    #[test]
    fn a_string_goes_in_and_out_and_both_are_freed() {
        let mut fake = Fake { memory: vec![0; 64], next: 8, freed: Vec::new() };
        let call = MemoryCall::parse(r#"upper("abc") -> string"#).unwrap();
        let result = call.perform(&mut fake);
        assert_eq!(result.outcome, Outcome::Bytes(b"ABC".to_vec()));
        assert_eq!(result.outcome.to_string(), r#"returned "ABC""#);
        assert_eq!(fake.freed, vec![(11, 3), (8, 3)]);
    }

    #[test]
    fn the_first_part_that_fails_is_the_outcome() {
        let mut fake = Fake { memory: vec![0; 64], next: 8, freed: Vec::new() };
        let result = MemoryCall::parse(r#"missing("abc")"#).unwrap().perform(&mut fake);
        assert_eq!(result.outcome, Outcome::reject(RejectStage::Call, "no such export"));
        let result = MemoryCall::parse(r#"alloc(i32:1) -> string"#).unwrap().perform(&mut fake);
        assert!(result.outcome.to_string().contains("expects one i64"), "{}", result.outcome);
    }
}

#[cfg(test)]
mod on_runtimes {
    use execmodel_contract::{Outcome, RejectStage, Step, Value, WasiConfig};

    use crate::corpus::registry::RUNTIMES;

    #[test]
    fn every_runtime_reads_and_writes_memory_within_its_bounds() {
        let bytes = wat::parse_str(
            r#"(module (memory (export "memory") 1)
                 (func (export "byte") (param i32) (result i32) local.get 0 i32.load8_u))"#,
        )
        .unwrap();
        let outside = |outcome: &Outcome| matches!(outcome, Outcome::Rejected { stage: RejectStage::Call, message, .. } if message.contains("outside the memory"));
        for entry in RUNTIMES.iter().filter(|entry| entry.embedded || entry.name == "node") {
            let runtime = (entry.make)();
            if runtime.availability().is_err() {
                continue;
            }
            let name = entry.name;
            let mut session = runtime.compile(&bytes).unwrap().session(Default::default());
            let mut step = |step: Step| session.step(&step).outcome;
            assert_eq!(step(Step::Instantiate(WasiConfig::default())), Outcome::returned_nothing(), "{name}");
            let last_two = 65534;
            assert_eq!(
                step(Step::WriteMemory { offset: last_two, bytes: b"hi".to_vec() }),
                Outcome::returned_nothing(),
                "{name}"
            );
            assert_eq!(step(Step::ReadMemory { offset: last_two, len: 2 }), Outcome::Bytes(b"hi".to_vec()), "{name}");
            let guest_sees = step(Step::Call { export: "byte".into(), args: vec![Value::I32(65535)] });
            assert_eq!(guest_sees, Outcome::Returned(vec![Value::I32(i32::from(b'i'))]), "{name}");
            let past_end = step(Step::WriteMemory { offset: 65535, bytes: b"hi".to_vec() });
            assert!(outside(&past_end), "{name}: {past_end:?}");
            let wrapping = step(Step::ReadMemory { offset: u32::MAX, len: 2 });
            assert!(outside(&wrapping), "{name}: {wrapping:?}");
        }
    }
}
