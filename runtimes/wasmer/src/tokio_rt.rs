//! The one Tokio runtime wasmer-wasix runs on.
//!
//! wasmer-wasix looks up `Handle::current()` while building an environment (task manager,
//! host filesystem) and blocks on futures inside syscalls, so every call into it must happen
//! with a runtime entered. One multi-thread runtime serves the whole process; trials only enter it.

use std::sync::OnceLock;

use tokio::runtime::{EnterGuard, Runtime};

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// Enter the shared runtime, building it on first use.
pub fn enter() -> Result<EnterGuard<'static>, String> {
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("execmodel-wasmer-tokio")
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start the Tokio runtime wasmer-wasix needs: {err}"))
    });
    match runtime {
        Ok(runtime) => Ok(runtime.enter()),
        Err(message) => Err(message.clone()),
    }
}
