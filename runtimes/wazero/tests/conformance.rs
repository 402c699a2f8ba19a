//! The Go worker, with each engine, against the worker protocol's conformance script.

use execmodel_wazero::Engine;

#[test]
fn the_wazero_worker_speaks_the_worker_protocol() {
    for engine in [Engine::Compiler, Engine::Interpreter] {
        let command = match execmodel_wazero::worker_command(engine) {
            Ok(command) => command,
            Err(why) => {
                eprintln!("skipped: {why}");
                return;
            }
        };
        let checked = execmodel_worker::conformance::check(&command, |text| {
            wat::parse_str(text).expect("the conformance module is valid WAT")
        });
        if let Err(problem) = checked {
            panic!("{engine:?}: {problem}");
        }
    }
    let previous = execmodel_wazero::previous_release_command().expect("Go was found above");
    if let Err(problem) =
        execmodel_worker::conformance::check(&previous, |text| wat::parse_str(text).expect("valid WAT"))
    {
        panic!("wazero v1.11.0: {problem}");
    }
}
