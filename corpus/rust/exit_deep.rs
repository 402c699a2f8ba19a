//! `main` prints `main` and holds a value whose `Drop` prints `dropped`; it either returns, or
//! (argv[1] = `exit`) calls `std::process::exit(0)` three calls deep, which skips the `Drop`.

struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        println!("dropped");
    }
}

fn exit_from(depth: u32) {
    if depth == 0 {
        std::process::exit(0);
    }
    exit_from(depth - 1);
    println!("unreachable: exit returned");
}

fn main() {
    let _guard = Guard;
    println!("main");
    if std::env::args().nth(1).as_deref() == Some("exit") {
        exit_from(3);
    }
}
