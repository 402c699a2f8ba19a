//! A command that also exports `bump`; `main` sets the counter to 100 and returns (Zig's
//! `_start` then calls proc_exit(0)). Zig has no constructors and wasm-ld adds no wrappers:
//! `bump` without `_start` counts from 0, after `_start` from 100.
// build: command-with-exports

var counter: i32 = 0;

pub fn main() void {
    counter = 100;
}

export fn bump() i32 {
    counter += 1;
    return counter;
}
