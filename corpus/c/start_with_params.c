// `_start` takes a parameter, against the ABI's `() -> ()`; it exits with that value. Built
// without wasi-libc's start files (`no-entry`: `-nostartfiles -Wl,--no-entry`), so the only
// `_start` is this function, exported under that name by `export_name`.
// build: no-entry
#include <wasi/api.h>

__attribute__((export_name("_start"))) void start(int code) {
    __wasi_proc_exit(code);
}
