//! `_start` is exported as a global, not a function: with `-fno-entry -rdynamic`, `export const`
//! makes the linker export the data symbol as an immutable i32 global holding its address.
// build: no-entry

export const _start: i32 = 0;
