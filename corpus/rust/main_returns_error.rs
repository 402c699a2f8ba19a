//! `main` returns `Err`: std prints the error's Debug form to stderr and exits with status 1.

fn main() -> Result<(), String> {
    println!("main");
    Err("deliberate failure".to_string())
}
