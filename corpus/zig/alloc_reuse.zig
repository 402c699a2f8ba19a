//! A reactor exercising `std.heap.wasm_allocator` across calls: `churn(n)` allocates and frees
//! 64 KiB n times; `leak(n)` allocates 64 KiB n times without freeing, returning 1 if every
//! allocation succeeded and 0 once one fails. Built with `-fno-entry`: no `main`, no `_initialize`.
// build: no-entry
const std = @import("std");

const allocator = std.heap.wasm_allocator;
const block_size = 64 * 1024;

export fn churn(times: i32) void {
    var i: i32 = 0;
    while (i < times) : (i += 1) {
        const block = allocator.alloc(u8, block_size) catch @trap();
        @memset(block, @truncate(@as(u32, @bitCast(i))));
        std.mem.doNotOptimizeAway(block.ptr);
        allocator.free(block);
    }
}

export fn leak(times: i32) i32 {
    var i: i32 = 0;
    while (i < times) : (i += 1) {
        const block = allocator.alloc(u8, block_size) catch return 0;
        @memset(block, @truncate(@as(u32, @bitCast(i))));
        std.mem.doNotOptimizeAway(block.ptr);
    }
    return 1;
}
