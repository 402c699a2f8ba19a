//! A command importing `fd_frobnicate` from wasi_snapshot_preview1, which preview1 does not
//! define: linking must fail before `main` runs.

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn fd_frobnicate(fd: i32) -> i32;
}

fn main() {
    std::process::exit(unsafe { fd_frobnicate(1) });
}
