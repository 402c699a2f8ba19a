//! execmodel adapter for node's `node:wasi` (V8), driven out of process through the worker
//! protocol (`execmodel-worker`, `docs/worker-protocol.md`).
//!
//! The adapter starts `node --no-warnings worker.mjs` (`worker/worker.mjs`, embedded and written
//! to a scratch directory): `load` compiles a module with `new WebAssembly.Module` once per worker,
//! `open`/`close` bracket a session, `step` performs one [`Step`](execmodel_contract::Step) and
//! answers with a typed outcome and the output captured during it.
//!
//! # Steps
//! - **Instantiate**: `new WASI({version, args, env, preopens, returnOnExit: true, stdin, stdout,
//!   stderr})` with file descriptors of scratch files (node:wasi takes only fds for stdio; output
//!   is read back after each step), then `new WebAssembly.Instance`, and nothing else. node:wasi
//!   binds linear memory only inside `wasi.start`/`wasi.initialize` (node 20 has no
//!   `finalizeBindings`), so a WASI call from an export called straight after instantiation
//!   throws `ERR_WASI_NOT_STARTED` (node's own `test/wasi/test-wasi-not-started.js`): that is a
//!   `host-error`, node's answer to such a sequence. `version` is `unstable` for a module that
//!   imports `wasi_unstable` (node serves one snapshot per instance), else `preview1`.
//! - **Run**: node's own policy (<https://nodejs.org/docs/latest-v20.x/api/wasi.html>):
//!   `wasi.start(instance)` when the module exports `_start`, else `wasi.initialize(instance)`
//!   (<https://github.com/nodejs/node/blob/v20.20.2/lib/wasi.js#L122-L163>); the entry point node
//!   then calls is reported as an implicit call. Their refusals (`ERR_INVALID_ARG_TYPE` for both
//!   exported or no `memory`, `ERR_WASI_ALREADY_STARTED`) come before any guest code and are
//!   `Rejected{Run}`; the instance stays and later `Call`s act on it.
//! - **Calls** pass the arguments as given: JavaScript fills a missing one with `undefined` and
//!   ignores extra ones, and what V8 does then is node's answer.
//! - **proc_exit**: with `returnOnExit` node stores the code and throws a private symbol
//!   (`kExitCode`, <https://github.com/nodejs/node/blob/v20.20.2/lib/wasi.js#L172-L179>);
//!   `wasi.start` catches it and returns the code, a direct export call (and `wasi.initialize`)
//!   lets it escape. The worker maps that symbol to `Exited(code)`, reading the code node stored,
//!   and says in the step's `surfaced` which of these it was. The code is the guest's i32 as a JS
//!   number, so 256 stays 256 and -1 stays -1.
//! - **Traps**: see [`classify`].
//!
//! # Limits
//! - Deadline: the adapter waits `deadline + 500 ms` for a guest step's reply, then kills the
//!   worker: `Trapped{Deadline}` by the harness. The session's instance is gone.
//! - Memory: the module's declared maximum is lowered to the cap before compiling (see
//!   [`memory_cap`]), so `memory.grow` past it returns -1.
//! - Output: the worker returns at most `output_bytes` per stream per instance, and writes each
//!   reply whole however large (stdout is a non-blocking pipe: it loops on partial writes).
//!
//! A worker that dies mid-step is `crashed` (written by the harness, with its status and stderr).

pub mod classify;
pub mod memory_cap;
mod packages;
mod program;
mod runtime;

use std::sync::Arc;

pub use program::MIN_NODE_MAJOR;
pub use runtime::{worker_command, NodeRuntime, Wasi, NODE_RELEASES};

/// `node` from `PATH`.
pub fn runtime() -> Arc<dyn execmodel_contract::Runtime> {
    Arc::new(NodeRuntime::new())
}

/// `node` from `PATH` with a JavaScript WASI polyfill in place of `node:wasi`.
pub fn polyfill_runtime(wasi: Wasi) -> Arc<dyn execmodel_contract::Runtime> {
    Arc::new(NodeRuntime::with_polyfill(wasi))
}

/// node release `major` (one of [`NODE_RELEASES`]), installed from npm.
pub fn release_runtime(major: u32) -> Arc<dyn execmodel_contract::Runtime> {
    Arc::new(NodeRuntime::release(major))
}

/// Bun, installed from npm, with its own `node:wasi`.
pub fn bun_runtime() -> Arc<dyn execmodel_contract::Runtime> {
    Arc::new(NodeRuntime::bun())
}

/// How the adapter starts a worker of another JavaScript column (installing its packages first).
pub fn column_command(runtime: &str) -> Result<execmodel_worker::WorkerCommand, String> {
    runtime::column_command(runtime)
}
