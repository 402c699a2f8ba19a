// A reactor with no `_initialize`: built with `no-entry` (`-nostartfiles -Wl,--no-entry`), so
// wasi-libc's crt1-reactor.o, which defines `_initialize`, is not linked. `bump` counts from 100,
// kept in initialised data (no constructor), so it is callable at once and keeps its state
// between calls. `exit_with` calls `proc_exit`, so the module imports WASI, as a reactor does.
// build: no-entry
#include <wasi/api.h>

static int counter = 100;

__attribute__((export_name("bump"))) int bump(void) {
    return ++counter;
}

__attribute__((export_name("exit_with"))) void exit_with(int code) {
    __wasi_proc_exit(code);
}
