//! `_initialize` is exported as a global, not a function; `bump` counts from 0. A `cdylib`
//! exports a `#[no_mangle] pub static` as an immutable i32 global holding the static's address.
// build: no-entry
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

#[no_mangle]
pub static _initialize: i32 = 0;

static COUNTER: AtomicI32 = AtomicI32::new(0);

#[no_mangle]
pub extern "C" fn bump() -> i32 {
    COUNTER.fetch_add(1, Relaxed) + 1
}
