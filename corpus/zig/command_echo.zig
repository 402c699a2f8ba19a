//! Prints its arguments (argv[0] included) and GREETING if set, then returns EXIT_CODE
//! (default 0) from `main`. Zig's own `_start` (no libc) passes main's result to `proc_exit`,
//! 0 included.
const std = @import("std");
const wasi = std.os.wasi;

var arg_ptrs: [64][*:0]u8 = undefined;
var arg_buf: [4096]u8 = undefined;
var env_ptrs: [64][*:0]u8 = undefined;
var env_buf: [4096]u8 = undefined;

fn print(bytes: []const u8) void {
    const iovs = [_]wasi.ciovec_t{.{ .base = bytes.ptr, .len = bytes.len }};
    var written: usize = 0;
    _ = wasi.fd_write(1, &iovs, iovs.len, &written);
}

pub fn main() u8 {
    var argc: usize = 0;
    var argv_size: usize = 0;
    if (wasi.args_sizes_get(&argc, &argv_size) != .SUCCESS) return 70;
    if (argc > arg_ptrs.len or argv_size > arg_buf.len) return 70;
    if (wasi.args_get(&arg_ptrs, &arg_buf) != .SUCCESS) return 70;
    for (arg_ptrs[0..argc], 0..) |arg, index| {
        var digits: [20]u8 = undefined;
        print("argv[");
        print(std.fmt.bufPrint(&digits, "{d}", .{index}) catch unreachable);
        print("]=");
        print(std.mem.span(arg));
        print("\n");
    }

    var envc: usize = 0;
    var env_size: usize = 0;
    if (wasi.environ_sizes_get(&envc, &env_size) != .SUCCESS) return 70;
    if (envc > env_ptrs.len or env_size > env_buf.len) return 70;
    // Like wasi-libc, skip environ_get for an empty environment (node's uvwasi fails that call).
    if (envc > 0 and wasi.environ_get(&env_ptrs, &env_buf) != .SUCCESS) return 70;
    var code: u8 = 0;
    for (env_ptrs[0..envc]) |entry| {
        const pair = std.mem.span(entry);
        if (std.mem.startsWith(u8, pair, "GREETING=")) {
            print(pair);
            print("\n");
        } else if (std.mem.startsWith(u8, pair, "EXIT_CODE=")) {
            code = std.fmt.parseInt(u8, pair["EXIT_CODE=".len..], 10) catch 0;
        }
    }
    return code;
}
