//! A counter set to 100 by a constructor in `.init_array`; `bump` returns the incremented value.
//! Stable Rust links a `cdylib` without a reactor start file, so `_initialize` is written here:
//! it runs the constructors through `__wasm_call_ctors`, as wasi-libc's crt1-reactor.c does.
// build: reactor
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

static COUNTER: AtomicI32 = AtomicI32::new(0);

extern "C" fn start_at_100() {
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
