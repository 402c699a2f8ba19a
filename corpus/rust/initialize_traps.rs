//! A reactor (cdylib with its own `_initialize`) whose constructor panics; with `panic=abort`
//! that is a message on stderr and a wasm `unreachable`. `bump` counts from 0.
// build: reactor
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

static COUNTER: AtomicI32 = AtomicI32::new(0);

extern "C" fn fail() {
    panic!("constructor failed");
}

#[used]
#[link_section = ".init_array"]
static CONSTRUCTOR: extern "C" fn() = fail;

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
