//! `_start` takes a parameter, against the ABI's `() -> ()`; it exits with that value. Built
//! with `-fno-entry -rdynamic`: Zig's start code adds no `_start`, so `export fn _start` is the
//! only one.
// build: no-entry
const std = @import("std");

export fn _start(code: i32) void {
    std.os.wasi.proc_exit(@bitCast(code));
}
