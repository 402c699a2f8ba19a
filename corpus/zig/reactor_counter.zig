//! A counter set to 100 at initialisation; `bump` returns the incremented value. Zig has no
//! constructors: built with `-mexec-model=reactor`, its `_initialize` runs `main`.
// build: reactor

var counter: i32 = 0;

pub fn main() void {
    counter = 100;
}

export fn bump() i32 {
    counter += 1;
    return counter;
}
