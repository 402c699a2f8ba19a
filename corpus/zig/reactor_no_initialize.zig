//! A reactor with no `_initialize`: built with `-fno-entry -rdynamic` (no `main`, no start
//! code). `bump` counts from 100, kept in initialised data, so it is callable at once and keeps
//! its state between calls. `exit_with` calls `proc_exit`, so the module imports WASI, as a
//! reactor does.
// build: no-entry
const std = @import("std");

var counter: i32 = 100;

export fn bump() i32 {
    counter += 1;
    return counter;
}

export fn exit_with(code: u32) noreturn {
    std.os.wasi.proc_exit(code);
}
