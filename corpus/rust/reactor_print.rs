//! A cdylib printing through std: `say()` prints `said` without a newline, `flush()` flushes
//! stdout. Rust's stdout is line-buffered whatever fd 1 is, and nothing flushes it when a
//! reactor's call returns, so the text shows only when flushed.
// build: reactor
use std::io::Write;

#[no_mangle]
pub extern "C" fn say() {
    print!("said");
}

#[no_mangle]
pub extern "C" fn flush() {
    let _ = std::io::stdout().flush();
}
