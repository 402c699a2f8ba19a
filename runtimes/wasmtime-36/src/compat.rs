//! wasmtime 36's spelling of the APIs that changed by the major in runtimes/wasmtime (see its
//! `compat.rs`, which has the same items).

use std::path::Path;

use wasmtime::{AsContextMut, Config, Extern, Linker};
use wasmtime_wasi::{DirPerms, FilePerms, WasiCtxBuilder};

pub use wasmtime_wasi::preview0::add_to_linker_sync as add_p0_to_linker;
pub use wasmtime_wasi::preview1::{add_to_linker_sync as add_p1_to_linker, WasiP1Ctx};

/// wasmtime 36 has no frame limit to set; backtraces only need to stay on.
pub fn keep_backtraces(config: &mut Config) {
    config.wasm_backtrace(true);
}

/// wasmtime 36's `Linker::get` returns an `Option` (a `Result` by 48).
pub fn linker_get<T: 'static>(
    linker: &Linker<T>,
    store: impl AsContextMut<Data = T>,
    module: &str,
    name: &str,
) -> Option<Extern> {
    linker.get(store, module, name)
}

/// wasmtime 36 takes directory and file permissions apart (one `FsPerms` by 48).
pub fn preopen_read_write(builder: &mut WasiCtxBuilder, host: &Path, guest: &str) -> wasmtime::Result<()> {
    builder.preopened_dir(host, guest, DirPerms::all(), FilePerms::all()).map(|_| ())
}
