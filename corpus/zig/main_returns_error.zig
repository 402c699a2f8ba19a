//! `main` returns an error: Zig's start code logs it to stderr and exits with status 1.
const wasi = @import("std").os.wasi;

pub fn main() !void {
    const line = "main\n";
    const iovs = [_]wasi.ciovec_t{.{ .base = line, .len = line.len }};
    var written: usize = 0;
    _ = wasi.fd_write(1, &iovs, iovs.len, &written);
    return error.DeliberateFailure;
}
