//! `main` prints `main` and defers printing `deferred`; it either returns 0, or (argv[1] =
//! `exit`) calls `std.process.exit(0)` three calls deep, which skips the deferred line.
const std = @import("std");
const wasi = std.os.wasi;

fn print(bytes: []const u8) void {
    const iovs = [_]wasi.ciovec_t{.{ .base = bytes.ptr, .len = bytes.len }};
    var written: usize = 0;
    _ = wasi.fd_write(1, &iovs, iovs.len, &written);
}

fn exitFrom(depth: u32) void {
    if (depth == 0) std.process.exit(0);
    exitFrom(depth - 1);
    print("unreachable: exit returned\n");
}

fn secondArgIsExit() bool {
    var ptrs: [8][*:0]u8 = undefined;
    var buf: [512]u8 = undefined;
    var argc: usize = 0;
    var size: usize = 0;
    if (wasi.args_sizes_get(&argc, &size) != .SUCCESS) return false;
    if (argc < 2 or argc > ptrs.len or size > buf.len) return false;
    if (wasi.args_get(&ptrs, &buf) != .SUCCESS) return false;
    return std.mem.eql(u8, std.mem.span(ptrs[1]), "exit");
}

pub fn main() void {
    defer print("deferred\n");
    print("main\n");
    if (secondArgIsExit()) exitFrom(3);
}
