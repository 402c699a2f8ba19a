//! A command (`main` prints `main`) that also exports a function named `_initialize` (prints
//! `initialize`): both entry points, which the ABI calls an error.

#[no_mangle]
pub extern "C" fn _initialize() {
    println!("initialize");
}

fn main() {
    println!("main");
}
