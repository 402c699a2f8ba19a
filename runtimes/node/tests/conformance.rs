//! node's worker program against the worker protocol's conformance script.

use execmodel_contract::Runtime;

#[test]
fn the_node_worker_speaks_the_worker_protocol() {
    if let Err(why) = execmodel_node::NodeRuntime::new().availability() {
        eprintln!("skipped: {why}");
        return;
    }
    let checked = execmodel_worker::conformance::check(&execmodel_node::worker_command(), |text| {
        wat::parse_str(text).expect("the conformance module is valid WAT")
    });
    if let Err(problem) = checked {
        panic!("{problem}");
    }
}
