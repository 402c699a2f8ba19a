//! `_initialize` returns a value (7), against the ABI's `() -> ()`; it sets a counter to 100,
//! which `bump` increments. Built with `-fno-entry -rdynamic`, not the reactor model (whose own
//! `_initialize` would run `main`), so `export fn _initialize` is the only one.
// build: no-entry

var counter: i32 = 0;

export fn _initialize() i32 {
    counter = 100;
    return 7;
}

export fn bump() i32 {
    counter += 1;
    return counter;
}
