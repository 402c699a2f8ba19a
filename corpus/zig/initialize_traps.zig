//! A reactor whose `_initialize` (Zig runs `main` there) traps with `@trap()` before setting
//! the counter; `bump` still works on the instance, counting from 0.
// build: reactor

var counter: i32 = 0;

pub fn main() void {
    @trap();
}

export fn bump() i32 {
    counter += 1;
    return counter;
}
