// `_initialize` is exported as a global, not a function; `bump` counts from 0. clang accepts
// `export_name` only on functions, so the assembler's `.export_name` marks the data symbol
// `_initialize` exported; wasm-ld exports it as an immutable i32 global holding its address.
// Built with `no-entry` (`-nostartfiles -Wl,--no-entry`): no wasi-libc start file.
// build: no-entry

const int _initialize = 0;
__asm__(".export_name _initialize, _initialize");

static int counter;

__attribute__((export_name("bump"))) int bump(void) {
    return ++counter;
}
