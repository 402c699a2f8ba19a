//! Asking a worker program which runtime it embeds, before any trial depends on it.

use std::time::Duration;

use execmodel_contract::Unavailable;

use crate::backend::WorkerCommand;
use crate::process::Worker;
use crate::protocol;

/// A JVM or a first Go run may take a few seconds to start on a loaded machine.
const HELLO_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts one worker, asks `hello`, and returns the runtime version it reports (a leading `v`
/// removed); `who` names the worker in errors.
pub fn ask_version(command: &WorkerCommand, who: &str) -> Result<String, Unavailable> {
    let mut worker = Worker::spawn(command).map_err(Unavailable)?;
    let reply = worker
        .request(protocol::hello(), HELLO_TIMEOUT)
        .map_err(|failure| Unavailable(format!("the {who} worker did not answer hello: {failure:?}")))?;
    match (reply.version, reply.protocol) {
        (Some(version), Some(protocol::VERSION)) => Ok(version.trim_start_matches('v').to_string()),
        (version, protocol) => Err(Unavailable(format!(
            "the {who} worker's hello names version {version:?} of protocol {protocol:?}, not a version of protocol {}",
            protocol::VERSION
        ))),
    }
}
