//! The GraalWasm worker against the worker protocol's conformance script.

#[test]
fn the_graalwasm_worker_speaks_the_worker_protocol() {
    let command = match execmodel_graalwasm::worker_command() {
        Ok(command) => command,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    if let Err(problem) =
        execmodel_worker::conformance::check(&command, |text| wat::parse_str(text).expect("valid WAT"))
    {
        panic!("{problem}");
    }
}
