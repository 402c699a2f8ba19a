// `_start` is exported as a global, not a function. clang accepts `export_name` only on
// functions, so the assembler's `.export_name` marks the data symbol `_start` exported; wasm-ld
// exports a data symbol as an immutable i32 global holding its address (the name given is
// ignored for data: the symbol's own name is used). Built with `no-entry`: no start files.
// build: no-entry

const int _start = 0;
__asm__(".export_name _start, _start");
