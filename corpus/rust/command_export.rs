//! A command that also exports `bump`, a counter a constructor in `.init_array` sets to 100.
//! Rust's `_start` calls `__wasm_call_ctors` itself, so wasm-ld adds no wrappers: `bump` called
//! without `_start` counts from 0; after `_start` it continues from 100.
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

fn main() {
    println!("main sees {}", COUNTER.load(Relaxed));
}
