//! Strings across the memory boundary, with the module's own allocator: `alloc`/`dealloc` hand
//! out and take back bytes of Rust's global allocator; `greet(ptr, len)` returns
//! "hello, NAME #N" (N counts calls) as `ptr << 32 | len` in memory the host frees with
//! `dealloc`; `chars(ptr, len)` counts the Unicode scalar values of its UTF-8 argument (-1 if it
//! is not UTF-8). `_initialize` runs the constructors, as in reactor_counter.rs.
// build: reactor
use std::alloc::Layout;
use std::sync::atomic::{AtomicI32, Ordering::Relaxed};

static CALLS: AtomicI32 = AtomicI32::new(0);

extern "C" {
    fn __wasm_call_ctors();
}

#[no_mangle]
pub extern "C" fn _initialize() {
    unsafe { __wasm_call_ctors() }
}

fn layout(len: usize) -> Layout {
    Layout::from_size_align(len.max(1), 1).expect("a byte layout")
}

#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    unsafe { std::alloc::alloc(layout(len)) }
}

#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    std::alloc::dealloc(ptr, layout(len))
}

unsafe fn argument<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    std::slice::from_raw_parts(ptr, len)
}

#[no_mangle]
pub unsafe extern "C" fn greet(ptr: *const u8, len: usize) -> u64 {
    let name = String::from_utf8_lossy(argument(ptr, len));
    let call = CALLS.fetch_add(1, Relaxed) + 1;
    let text = format!("hello, {name} #{call}");
    let out = alloc(text.len());
    std::ptr::copy_nonoverlapping(text.as_ptr(), out, text.len());
    ((out as u64) << 32) | text.len() as u64
}

#[no_mangle]
pub unsafe extern "C" fn chars(ptr: *const u8, len: usize) -> i32 {
    match std::str::from_utf8(argument(ptr, len)) {
        Ok(text) => text.chars().count() as i32,
        Err(_) => -1,
    }
}
