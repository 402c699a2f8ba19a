use std::fmt;

use crate::value::Value;

/// The typed result of one step. Never inferred from a process exit status alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The step completed; for calls, the values the export returned.
    Returned(Vec<Value>),
    /// Bytes the host read out of the guest's memory (`ReadMemory`, or a string the harness
    /// received through the module's allocator). Written `returned "text"`.
    Bytes(Vec<u8>),
    /// The guest called `proc_exit` with this code (as the runtime reports it).
    Exited(i64),
    /// The guest trapped. `message` is the runtime's own text, kept for diagnosis only.
    Trapped { kind: TrapKind, message: String },
    /// The runtime refused before guest code ran (or the export to call does not exist).
    Rejected { stage: RejectStage, message: String },
}

/// Traps normalised across runtimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrapKind {
    Unreachable,
    OutOfBounds,
    StackOverflow,
    /// The trial's deadline (epoch, fuel, or a killed worker) ended the step.
    Deadline,
    /// A runtime-side guard, e.g. a second `_start` refused by the runtime itself.
    Other,
}

/// Where a rejection happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectStage {
    /// Imports could not be resolved.
    Link,
    /// Instantiation failed for another reason (e.g. missing `memory` export required by WASI).
    Instantiate,
    /// The export to call is missing, has the wrong type, or there is no instance yet.
    Call,
    /// The runtime's own run policy refused the module (e.g. both `_start` and `_initialize`).
    Run,
}

impl TrapKind {
    pub const ALL: [TrapKind; 5] = [
        TrapKind::Unreachable,
        TrapKind::OutOfBounds,
        TrapKind::StackOverflow,
        TrapKind::Deadline,
        TrapKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::OutOfBounds => "out-of-bounds",
            TrapKind::StackOverflow => "stack-overflow",
            TrapKind::Deadline => "deadline",
            TrapKind::Other => "other",
        }
    }
}

impl RejectStage {
    pub const ALL: [RejectStage; 4] =
        [RejectStage::Link, RejectStage::Instantiate, RejectStage::Call, RejectStage::Run];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectStage::Link => "link",
            RejectStage::Instantiate => "instantiate",
            RejectStage::Call => "call",
            RejectStage::Run => "run",
        }
    }
}

impl Outcome {
    pub fn trap(kind: TrapKind, message: impl Into<String>) -> Self {
        Outcome::Trapped { kind, message: message.into() }
    }

    pub fn reject(stage: RejectStage, message: impl Into<String>) -> Self {
        Outcome::Rejected { stage, message: message.into() }
    }

    pub fn returned_nothing() -> Self {
        Outcome::Returned(Vec::new())
    }
}

/// The same syntax the expectation files use: `returned i32:1`, `exited 3`,
/// `trapped unreachable`, `rejected run: cannot be both`.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(values) => {
                f.write_str("returned")?;
                for value in values {
                    write!(f, " {value}")?;
                }
                Ok(())
            }
            Outcome::Bytes(bytes) => write!(f, "returned {:?}", String::from_utf8_lossy(bytes)),
            Outcome::Exited(code) => write!(f, "exited {code}"),
            Outcome::Trapped { kind, .. } => write!(f, "trapped {}", kind.as_str()),
            Outcome::Rejected { stage, message } => {
                write!(f, "rejected {}: {}", stage.as_str(), first_line(message))
            }
        }
    }
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}
