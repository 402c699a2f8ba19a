//! execmodel adapter for node's `node:wasi` (V8), driven out of process.
//!
//! The adapter starts `node --no-warnings worker.mjs` (the script is embedded and written to a
//! scratch directory) and speaks line-delimited JSON with it: `load` compiles a module with
//! `new WebAssembly.Module` once per worker, `open`/`close` bracket a session, `step` performs one
//! [`Step`](execmodel_contract::Step) and answers with a typed outcome and the output captured
//! during it. Workers are pooled; each session holds one for its whole life (see [`pool`]).
//!
//! # Steps
//! - **Instantiate**: `new WASI({version: 'preview1', args, env, preopens, returnOnExit: true,
//!   stdin, stdout, stderr})` with file descriptors of scratch files (node:wasi takes only fds for
//!   stdio; output is read back after each step), then `new WebAssembly.Instance`. node:wasi binds
//!   linear memory only in `wasi.start`/`wasi.initialize` — node 20 has no `finalizeBindings`, and
//!   a WASI call before that throws `Error: wasi.start() has not been called` — so after
//!   instantiating, the adapter binds the exported `memory` through the public
//!   `wasi.initialize({exports: {memory}})`, which calls no guest code. A module without a
//!   `memory` export stays unbound (its WASI calls then trap as `other`), and so does a wasm
//!   `start` section: it runs inside `new WebAssembly.Instance`, before any binding is possible.
//!   Later `start`/`initialize` steps call the exports directly, not through node's policy.
//! - **Run**: node's own policy (<https://nodejs.org/docs/latest-v20.x/api/wasi.html>):
//!   instantiate as above without the binding, then `wasi.start(instance)` when the module exports
//!   `_start`, else `wasi.initialize(instance)`
//!   (<https://github.com/nodejs/node/blob/v20.20.2/lib/wasi.js#L122-L163>). Their refusals
//!   (`ERR_INVALID_ARG_TYPE` for both exported or no `memory`, `ERR_WASI_ALREADY_STARTED`) come
//!   before any guest code and are `Rejected{Run}`; the instance stays and later `Call`s act on it
//!   (directly: node has no guard against a second `_start` or `_initialize` called as an export).
//! - **proc_exit**: with `returnOnExit` node stores the code and throws a private symbol
//!   (`kExitCode`, <https://github.com/nodejs/node/blob/v20.20.2/lib/wasi.js#L172-L179>);
//!   `wasi.start` catches it and returns the code, a direct export call (and `wasi.initialize`)
//!   lets it escape. The worker maps that symbol to `Exited(code)` in every
//!   case, reading the code node stored. The code is the guest's i32 as a JS number, so 256 stays
//!   256 and -1 stays -1.
//! - **Traps**: see [`throws`]. Errors thrown out of a WASI function are `trapped other`.
//!
//! # Limits
//! - Deadline: the adapter waits `deadline + 500 ms` for a guest step's reply, then kills the
//!   worker: `Trapped{Deadline}`. The session's instance is gone; later steps are `Rejected{Call}`.
//! - Memory: the module's declared maximum is lowered to the cap before compiling (see
//!   [`memory_cap`]), so `memory.grow` past it returns -1.
//! - Output: the worker returns at most `output_bytes` per stream per instance.
//!
//! A worker that dies mid-step has no contract error to report through `Session::step`; the step
//! becomes `Rejected{stage of the step, "node worker died: <status; stderr>"}`.

pub mod exports;
pub mod memory_cap;
pub mod pool;
mod program;
mod protocol;
mod runtime;
mod session;
pub mod throws;
mod worker;

use std::sync::Arc;

pub use program::MIN_NODE_MAJOR;
pub use runtime::{NodeModule, NodeRuntime};

/// `node` from `PATH`.
pub fn runtime() -> Arc<dyn execmodel_contract::Runtime> {
    Arc::new(NodeRuntime::new())
}
