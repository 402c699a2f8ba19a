//! The worker protocol: runtimes that live in another language (node, wazero, Chicory, Bun, the
//! JavaScript WASI polyfills), each driven through a long-lived worker process that speaks
//! line-delimited JSON (`docs/worker-protocol.md`).
//!
//! This crate is the Rust side, shared by every such runtime: it spawns workers and keeps a pool
//! of them (a session holds one for its whole life, so killing one when a step spends its budget
//! ends only that trial's instance), replaces a worker that died, holds each guest step to the
//! trial's budget of CPU time of the worker process and kills the worker when it is spent
//! (`trapped deadline`, written by the harness; workers keep no clock of their own), carries
//! typed values, memory reads and writes, and replies of any size, and turns replies into
//! outcomes. A runtime is a [`Backend`]: how to find its worker program and start it, and the few
//! answers only its language gives.

mod backend;
mod build;
pub mod conformance;
pub mod exports;
mod hello;
pub mod jvm;
mod pool;
mod process;
pub mod protocol;
#[cfg(test)]
mod reply_robustness_tests;
mod runtime;
mod session;

pub use backend::{Backend, Prepared, WorkerCommand};
pub use build::WorkerBuild;
pub use hello::ask_version;
pub use protocol::Thrown;
pub use runtime::{WorkerModule, WorkerRuntime};
