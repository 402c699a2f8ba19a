//! Echoes stdin, reads `in.txt` from the directory preopened at /sandbox, writes `out.txt` there
//! and reads it back. Each result is one line of stdout; a failure names the operation.
use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = String::new();
    if let Err(err) = std::io::stdin().read_to_string(&mut input) {
        println!("stdin: read failed: {err}");
        return ExitCode::FAILURE;
    }
    println!("stdin: {input}");
    let result = std::fs::read_to_string("/sandbox/in.txt")
        .map(|text| println!("in.txt: {text}"))
        .and_then(|()| std::fs::write("/sandbox/out.txt", "written by the guest"))
        .and_then(|()| std::fs::read_to_string("/sandbox/out.txt"))
        .map(|text| println!("out.txt: {text}"));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            println!("sandbox: {err}");
            ExitCode::FAILURE
        }
    }
}
