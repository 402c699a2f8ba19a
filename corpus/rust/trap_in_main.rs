//! `main` prints a line, then panics. With `panic=abort` the panic message goes to stderr and
//! the abort is a wasm `unreachable`: a trap, not an exit.

fn main() {
    println!("before panic");
    panic!("deliberate panic");
}
