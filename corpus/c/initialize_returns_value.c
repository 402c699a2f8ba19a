// `_initialize` returns a value (7), against the ABI's `() -> ()`; it sets a counter to 100,
// which `bump` increments. Built with `no-entry` (`-nostartfiles -Wl,--no-entry`): no
// wasi-libc start file, so the only `_initialize` is this function, exported by `export_name`.
// build: no-entry

static int counter;

__attribute__((export_name("_initialize"))) int initialize(void) {
    counter = 100;
    return 7;
}

__attribute__((export_name("bump"))) int bump(void) {
    return ++counter;
}
