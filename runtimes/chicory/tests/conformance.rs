//! The Java worker, with each engine, against the worker protocol's conformance script.

use execmodel_chicory::Engine;

#[test]
fn the_chicory_worker_speaks_the_worker_protocol() {
    for engine in [Engine::Interpreter, Engine::Compiler] {
        let command = match execmodel_chicory::worker_command(engine) {
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
}
