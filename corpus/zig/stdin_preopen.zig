//! Echoes stdin, reads `in.txt` from the directory preopened at /sandbox, writes `out.txt` there
//! and reads it back, through std.os.wasi calls. Each result is one line of stdout; a failure
//! names the call and its errno, and main returns 1.
const std = @import("std");
const wasi = std.os.wasi;

fn print(bytes: []const u8) void {
    const iovs = [_]wasi.ciovec_t{.{ .base = bytes.ptr, .len = bytes.len }};
    var written: usize = 0;
    _ = wasi.fd_write(1, &iovs, iovs.len, &written);
}

fn fail(call: []const u8, errno: wasi.errno_t) u8 {
    print(call);
    print(" failed: ");
    print(@tagName(errno));
    print("\n");
    return 1;
}

/// Reads until end of file or until `buf` is full.
fn readAll(fd: wasi.fd_t, buf: []u8) !usize {
    var total: usize = 0;
    while (total < buf.len) {
        const iovs = [_]wasi.iovec_t{.{ .base = buf[total..].ptr, .len = buf.len - total }};
        var n: usize = 0;
        const errno = wasi.fd_read(fd, &iovs, iovs.len, &n);
        if (errno != .SUCCESS) return error.ReadFailed;
        if (n == 0) break;
        total += n;
    }
    return total;
}

/// The descriptor of the preopened directory named `name`: preopens are numbered from 3.
fn findPreopen(name: []const u8) ?wasi.fd_t {
    var fd: wasi.fd_t = 3;
    while (fd < 64) : (fd += 1) {
        var prestat: wasi.prestat_t = undefined;
        if (wasi.fd_prestat_get(fd, &prestat) != .SUCCESS) return null;
        var path: [256]u8 = undefined;
        const len = prestat.u.dir.pr_name_len;
        if (len > path.len) continue;
        if (wasi.fd_prestat_dir_name(fd, &path, len) != .SUCCESS) continue;
        if (std.mem.eql(u8, std.mem.trimEnd(u8, path[0..len], "\x00"), name)) return fd;
    }
    return null;
}

fn open(dir: wasi.fd_t, path: []const u8, oflags: wasi.oflags_t, rights: wasi.rights_t, fd: *wasi.fd_t) wasi.errno_t {
    return wasi.path_open(dir, .{}, path.ptr, path.len, oflags, rights, .{}, .{}, fd);
}

fn showFile(dir: wasi.fd_t, label: []const u8, path: []const u8) u8 {
    var fd: wasi.fd_t = undefined;
    const errno = open(dir, path, .{}, .{ .FD_READ = true }, &fd);
    if (errno != .SUCCESS) return fail("path_open", errno);
    defer _ = wasi.fd_close(fd);
    var buf: [256]u8 = undefined;
    const len = readAll(fd, &buf) catch return fail("fd_read", .IO);
    print(label);
    print(": ");
    print(buf[0..len]);
    print("\n");
    return 0;
}

pub fn main() u8 {
    var input: [256]u8 = undefined;
    const len = readAll(0, &input) catch return fail("fd_read stdin", .IO);
    print("stdin: ");
    print(input[0..len]);
    print("\n");

    const dir = findPreopen("/sandbox") orelse return fail("finding /sandbox", .NOENT);
    if (showFile(dir, "in.txt", "in.txt") != 0) return 1;

    var out: wasi.fd_t = undefined;
    const errno = open(dir, "out.txt", .{ .CREAT = true, .TRUNC = true }, .{ .FD_WRITE = true }, &out);
    if (errno != .SUCCESS) return fail("path_open out.txt", errno);
    const text = "written by the guest";
    const iovs = [_]wasi.ciovec_t{.{ .base = text, .len = text.len }};
    var written: usize = 0;
    const write_errno = wasi.fd_write(out, &iovs, iovs.len, &written);
    _ = wasi.fd_close(out);
    if (write_errno != .SUCCESS) return fail("fd_write out.txt", write_errno);
    return showFile(dir, "out.txt", "out.txt");
}
