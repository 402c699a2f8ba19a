//! `_start` is exported as a global, not a function: a `cdylib` exports a `#[no_mangle] pub
//! static` as an immutable i32 global holding the static's address.
// build: no-entry

#[no_mangle]
pub static _start: i32 = 0;
