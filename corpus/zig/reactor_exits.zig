//! A reactor whose `_initialize` (Zig runs `main` there) calls `std.process.exit(N)` when
//! EXIT_IN_INIT=N is set, else sets the counter to 100; `quit(code)` calls
//! `std.process.exit(code)`; `bump` increments.
// build: reactor
const std = @import("std");
const wasi = std.os.wasi;

var counter: i32 = 0;

fn exitInInit() ?u8 {
    var ptrs: [32][*:0]u8 = undefined;
    var buf: [2048]u8 = undefined;
    var count: usize = 0;
    var size: usize = 0;
    if (wasi.environ_sizes_get(&count, &size) != .SUCCESS) return null;
    if (count == 0 or count > ptrs.len or size > buf.len) return null;
    if (wasi.environ_get(&ptrs, &buf) != .SUCCESS) return null;
    for (ptrs[0..count]) |entry| {
        const pair = std.mem.span(entry);
        const prefix = "EXIT_IN_INIT=";
        if (std.mem.startsWith(u8, pair, prefix)) return std.fmt.parseInt(u8, pair[prefix.len..], 10) catch null;
    }
    return null;
}

pub fn main() void {
    if (exitInInit()) |code| std.process.exit(code);
    counter = 100;
}

export fn bump() i32 {
    counter += 1;
    return counter;
}

export fn quit(code: i32) void {
    std.process.exit(@truncate(@as(u32, @bitCast(code))));
}
