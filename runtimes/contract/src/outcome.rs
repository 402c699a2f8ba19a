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
    /// The guest trapped. `message` is kept for diagnosis only; `by` says who wrote it.
    Trapped { kind: TrapKind, message: String, by: Author },
    /// The runtime refused before guest code ran (or the export to call does not exist).
    Rejected { stage: RejectStage, message: String, by: Author },
    /// The runtime or its WASI implementation reported an error that is not a guest trap: an exit
    /// status it will not represent, a required export missing at a WASI call, a host function
    /// refusing to run. Written `host-error: TEXT`.
    HostError { message: String, by: Author },
    /// The runtime itself failed: it panicked, or its process ended. Not the guest's doing.
    /// Written `crashed: TEXT`.
    Crashed { message: String, by: Author },
}

/// Who wrote an outcome's message: the runtime (its own error text, never reworded) or the
/// harness (an adapter's check, a deadline it enforced, a worker it lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Author {
    Runtime,
    Harness,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Runtime => "runtime",
            Author::Harness => "harness",
        }
    }
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
    /// The runtime refused to compile the module (e.g. a proposal it does not enable): no step
    /// of the trial can run.
    Compile,
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
    pub const ALL: [TrapKind; 5] =
        [TrapKind::Unreachable, TrapKind::OutOfBounds, TrapKind::StackOverflow, TrapKind::Deadline, TrapKind::Other];

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
    pub const ALL: [RejectStage; 5] =
        [RejectStage::Compile, RejectStage::Link, RejectStage::Instantiate, RejectStage::Call, RejectStage::Run];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectStage::Compile => "compile",
            RejectStage::Link => "link",
            RejectStage::Instantiate => "instantiate",
            RejectStage::Call => "call",
            RejectStage::Run => "run",
        }
    }
}

impl Outcome {
    /// A trap as the runtime reported it, with its own text.
    pub fn trap(kind: TrapKind, message: impl Into<String>) -> Self {
        Outcome::Trapped { kind, message: message.into(), by: Author::Runtime }
    }

    /// A trap the harness observed and described itself (e.g. a deadline it enforced).
    pub fn harness_trap(kind: TrapKind, message: impl Into<String>) -> Self {
        Outcome::Trapped { kind, message: message.into(), by: Author::Harness }
    }

    /// A refusal by the runtime, with its own text.
    pub fn reject(stage: RejectStage, message: impl Into<String>) -> Self {
        Outcome::Rejected { stage, message: message.into(), by: Author::Runtime }
    }

    /// A refusal by the adapter's own check, before the runtime was asked (no such export,
    /// no instance yet, arguments of the wrong type).
    pub fn harness_reject(stage: RejectStage, message: impl Into<String>) -> Self {
        Outcome::Rejected { stage, message: message.into(), by: Author::Harness }
    }

    pub fn host_error(message: impl Into<String>) -> Self {
        Outcome::HostError { message: message.into(), by: Author::Runtime }
    }

    /// The runtime failed; `by` is `Runtime` for its own panic text, `Harness` when the harness
    /// describes what it saw (a worker process that ended with a status).
    pub fn crashed(message: impl Into<String>, by: Author) -> Self {
        Outcome::Crashed { message: message.into(), by }
    }

    /// The outcome's message and who wrote it; `None` for outcomes that carry none.
    pub fn message(&self) -> Option<(&str, Author)> {
        match self {
            Outcome::Trapped { message, by, .. }
            | Outcome::Rejected { message, by, .. }
            | Outcome::HostError { message, by }
            | Outcome::Crashed { message, by } => Some((message, *by)),
            _ => None,
        }
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
            Outcome::Rejected { stage, message, .. } => {
                write!(f, "rejected {}: {}", stage.as_str(), first_line(message))
            }
            Outcome::HostError { message, .. } => write!(f, "host-error: {}", first_line(message)),
            Outcome::Crashed { message, .. } => write!(f, "crashed: {}", first_line(message)),
        }
    }
}

/// The first line of a message, as the matrix shows it (reports keep the whole text).
pub fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}
