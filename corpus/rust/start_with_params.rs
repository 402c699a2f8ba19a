//! `_start` takes a parameter, against the ABI's `() -> ()`; it exits with that value. A
//! `cdylib` links no start file, so `#[no_mangle] extern "C" fn _start` is the only `_start`.
// build: no-entry

#[link(wasm_import_module = "wasi_snapshot_preview1")]
extern "C" {
    fn proc_exit(code: i32) -> !;
}

#[no_mangle]
pub extern "C" fn _start(code: i32) {
    unsafe { proc_exit(code) }
}
