//! A command importing `fd_frobnicate` from wasi_snapshot_preview1, which preview1 does not
//! define: linking must fail before `main` runs.

extern "wasi_snapshot_preview1" fn fd_frobnicate(fd: i32) i32;

pub fn main() u8 {
    return @truncate(@as(u32, @bitCast(fd_frobnicate(1))));
}
