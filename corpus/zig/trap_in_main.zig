//! `main` prints a line, then executes `@trap()` (wasm `unreachable`): a trap, not an exit.
//! (`unreachable` itself is undefined behaviour in ReleaseSmall, so it may not trap.)
const wasi = @import("std").os.wasi;

pub fn main() void {
    const line = "before trap\n";
    const iovs = [_]wasi.ciovec_t{.{ .base = line, .len = line.len }};
    var written: usize = 0;
    _ = wasi.fd_write(1, &iovs, iovs.len, &written);
    @trap();
}
