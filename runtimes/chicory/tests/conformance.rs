//! The Java worker, in each column (both engines of 1.7.5, the interpreter of 1.7.3), against the worker protocol's conformance script.

use execmodel_chicory::{Column, Engine};

#[test]
fn the_chicory_worker_speaks_the_worker_protocol() {
    for column in [Column::Current(Engine::Interpreter), Column::Current(Engine::Compiler), Column::PreviousInterpreter]
    {
        let command = match execmodel_chicory::worker_command(column) {
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
            panic!("{column:?}: {problem}");
        }
    }
}
