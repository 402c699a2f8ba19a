//! Prints its arguments (argv[0] included) and GREETING if set, then returns EXIT_CODE
//! (default 0) from `main`. `main`'s `ExitCode` holds only a byte, so a status outside 0..=255
//! leaves through `std::process::exit(i32)` instead, which passes it to proc_exit unchanged.
use std::process::ExitCode;

fn main() -> ExitCode {
    for (index, arg) in std::env::args().enumerate() {
        println!("argv[{index}]={arg}");
    }
    if let Ok(greeting) = std::env::var("GREETING") {
        println!("GREETING={greeting}");
    }
    let code = std::env::var("EXIT_CODE").ok().and_then(|code| code.parse::<i32>().ok()).unwrap_or(0);
    match u8::try_from(code) {
        Ok(byte) => ExitCode::from(byte),
        Err(_) => std::process::exit(code),
    }
}
