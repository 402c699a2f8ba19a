//! The Rust reactor as stable Rust builds it: a `cdylib` with a constructor in `.init_array`
//! and no `_initialize`. wasm-ld then wraps every export so it runs the constructors before the
//! function and the destructors after it: each `bump` sees a fresh 100 and returns 101.
// build: reactor
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

static COUNTER: AtomicI32 = AtomicI32::new(0);

extern "C" fn start_at_100() {
    COUNTER.store(100, Relaxed);
}

#[used]
#[link_section = ".init_array"]
static CONSTRUCTOR: extern "C" fn() = start_at_100;

#[no_mangle]
pub extern "C" fn bump() -> i32 {
    COUNTER.fetch_add(1, Relaxed) + 1
}
