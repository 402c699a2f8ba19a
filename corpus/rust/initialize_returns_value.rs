//! `_initialize` returns a value (7), against the ABI's `() -> ()`; it sets a counter to 100,
//! which `bump` increments. A `cdylib` links no start file, so `#[no_mangle] extern "C" fn
//! _initialize` is the only `_initialize`.
// build: no-entry
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

static COUNTER: AtomicI32 = AtomicI32::new(0);

#[no_mangle]
pub extern "C" fn _initialize() -> i32 {
    COUNTER.store(100, Relaxed);
    7
}

#[no_mangle]
pub extern "C" fn bump() -> i32 {
    COUNTER.fetch_add(1, Relaxed) + 1
}
