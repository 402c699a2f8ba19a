//! A cdylib whose exports fail the ways compiled Rust does: `divide` checks for zero and panics
//! (panic=abort: a message on stderr, then `unreachable`), where C would execute a trapping
//! `i32.div_s`; `load` reads any address (0 is ordinary memory in wasm).
// build: reactor

#[no_mangle]
pub extern "C" fn divide(a: i32, b: i32) -> i32 {
    a / b
}

#[no_mangle]
pub extern "C" fn load(address: i32) -> i32 {
    unsafe { std::ptr::read_volatile(address as usize as *const i32) }
}
