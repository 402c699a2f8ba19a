//! The few wasmtime APIs that changed between the majors this adapter is built against. The
//! rest of `src/` is shared with runtimes/wasmtime-36, whose own `compat.rs` has the same items.

use std::num::NonZeroUsize;
use std::path::Path;

use wasmtime::{AsContextMut, Config, Extern, Linker};
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

pub use wasmtime_wasi::p0::add_to_linker_sync as add_p0_to_linker;
pub use wasmtime_wasi::p1::{add_to_linker_sync as add_p1_to_linker, WasiP1Ctx};

/// `classify` tells "guest code was running" by the backtrace wasmtime attaches, so backtraces
/// are required, whatever the default becomes.
pub fn keep_backtraces(config: &mut Config) {
    config.wasm_backtrace_max_frames(NonZeroUsize::new(20));
}

pub fn linker_get<T: 'static>(
    linker: &Linker<T>,
    store: impl AsContextMut<Data = T>,
    module: &str,
    name: &str,
) -> Option<Extern> {
    linker.get(store, module, name).ok()
}

pub fn preopen_read_write(builder: &mut WasiCtxBuilder, host: &Path, guest: &str) -> wasmtime::Result<()> {
    builder.preopened_dir(host, guest, FsPerms::ReadWrite).map(|_| ())
}
