//! A command (`main` prints `main`; Zig's `_start` then calls proc_exit(0)) that also exports a
//! function named `_initialize` (prints `initialize`): both entry points, which the ABI calls an
//! error.
// build: command-with-exports
const wasi = @import("std").os.wasi;

fn print(bytes: []const u8) void {
    const iovs = [_]wasi.ciovec_t{.{ .base = bytes.ptr, .len = bytes.len }};
    var written: usize = 0;
    _ = wasi.fd_write(1, &iovs, iovs.len, &written);
}

export fn _initialize() void {
    print("initialize\n");
}

pub fn main() void {
    print("main\n");
}
