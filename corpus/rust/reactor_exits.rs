//! A reactor (cdylib with its own `_initialize`) whose constructor calls `std::process::exit(N)`
//! when EXIT_IN_INIT=N is set, else sets the counter to 100; `quit(code)` calls
//! `std::process::exit(code)`; `bump` increments.
// build: reactor
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

static COUNTER: AtomicI32 = AtomicI32::new(0);

extern "C" fn start_at_100() {
    if let Some(code) = std::env::var("EXIT_IN_INIT").ok().and_then(|code| code.parse().ok()) {
        std::process::exit(code);
    }
    COUNTER.store(100, Relaxed);
}

#[used]
#[link_section = ".init_array"]
static CONSTRUCTOR: extern "C" fn() = start_at_100;

extern "C" {
    fn __wasm_call_ctors();
}

#[no_mangle]
pub extern "C" fn _initialize() {
    unsafe { __wasm_call_ctors() }
}

#[no_mangle]
pub extern "C" fn bump() -> i32 {
    COUNTER.fetch_add(1, Relaxed) + 1
}

#[no_mangle]
pub extern "C" fn quit(code: i32) {
    std::process::exit(code);
}
