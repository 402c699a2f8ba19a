//! `_initialize` is exported as a global, not a function; `bump` counts from 0. With
//! `-fno-entry -rdynamic`, `export const` makes the linker export the data symbol as an
//! immutable i32 global holding its address.
// build: no-entry

export const _initialize: i32 = 0;

var counter: i32 = 0;

export fn bump() i32 {
    counter += 1;
    return counter;
}
