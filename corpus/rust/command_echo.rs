//! Prints its arguments (argv[0] included) and GREETING if set, then returns EXIT_CODE
//! (default 0) from `main`.
use std::process::ExitCode;

fn main() -> ExitCode {
    for (index, arg) in std::env::args().enumerate() {
        println!("argv[{index}]={arg}");
    }
    if let Ok(greeting) = std::env::var("GREETING") {
        println!("GREETING={greeting}");
    }
    let code = std::env::var("EXIT_CODE").ok().and_then(|code| code.parse::<u8>().ok());
    ExitCode::from(code.unwrap_or(0))
}
