//! Strings across the memory boundary, with the module's own allocator: `alloc`/`dealloc` hand
//! out and take back bytes of `std.heap.wasm_allocator`; `greet(ptr, len)` returns
//! "hello, NAME #N" (N counts calls) as `ptr << 32 | len` in memory the host frees with
//! `dealloc`; `chars(ptr, len)` counts the Unicode scalar values of its UTF-8 argument (-1 if it
//! is not UTF-8). Built with `-mexec-model=reactor`: `_initialize` runs `main`, which does nothing.
// build: reactor
const std = @import("std");

const allocator = std.heap.wasm_allocator;
var calls: i32 = 0;

pub fn main() void {}

export fn alloc(len: usize) ?[*]u8 {
    const bytes = allocator.alloc(u8, @max(len, 1)) catch return null;
    return bytes.ptr;
}

export fn dealloc(ptr: [*]u8, len: usize) void {
    allocator.free(ptr[0..@max(len, 1)]);
}

export fn greet(ptr: [*]const u8, len: usize) u64 {
    calls += 1;
    const text = std.fmt.allocPrint(allocator, "hello, {s} #{d}", .{ ptr[0..len], calls }) catch @trap();
    return (@as(u64, @intFromPtr(text.ptr)) << 32) | text.len;
}

export fn chars(ptr: [*]const u8, len: usize) i32 {
    const count = std.unicode.utf8CountCodepoints(ptr[0..len]) catch return -1;
    return @intCast(count);
}
