//! The node worker script, under each JavaScript column, against the worker protocol's
//! conformance script.

use execmodel_contract::Runtime;
use execmodel_worker::conformance::{self, Limitations};

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("the conformance module is valid WAT")
}

#[test]
fn the_node_worker_speaks_the_worker_protocol() {
    if let Err(why) = execmodel_node::NodeRuntime::new().availability() {
        eprintln!("skipped: {why}");
        return;
    }
    if let Err(problem) = conformance::check(&execmodel_node::worker_command(), wasm) {
        panic!("{problem}");
    }
}

#[test]
fn the_worker_speaks_it_with_each_wasi_polyfill_under_bun_and_under_other_node_releases() {
    let columns = [
        ("wasm-util", Limitations::default()),
        ("browser-wasi-shim", Limitations::default()),
        // JavaScriptCore canonicalises a NaN passed through JS; Bun's proc_exit is process.exit.
        ("bun", Limitations { canonical_nans: true, exit_ends_the_process: true }),
        ("node-22", Limitations::default()),
        ("node-24", Limitations::default()),
        ("node-26", Limitations::default()),
    ];
    for (column, limitations) in columns {
        let command = match execmodel_node::column_command(column) {
            Ok(command) => command,
            Err(why) => {
                eprintln!("{column} skipped: {why}");
                continue;
            }
        };
        if let Err(problem) = conformance::check_with(&command, wasm, limitations) {
            panic!("{column}: {problem}");
        }
    }
}
