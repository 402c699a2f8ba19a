//! A finding made small: wasm-shrink removes what it can while one runtime of each behaviour
//! involved still shows it (for a disagreement, with the same key among those runtimes); the
//! result is written as WAT, ready to become a corpus case or a runtime's bug report.

use crate::corpus::classify::inspect;
use crate::trials::runner::RuntimeSlot;
use crate::views::probe::{probe, ProbeOptions};

use super::findings::Finding;

/// The key of `wanted` as runtimes `slots` alone see it in `bytes`, if they show it.
fn key_among(bytes: &[u8], wanted: &Finding, options: &ProbeOptions, slots: &[&RuntimeSlot]) -> Option<String> {
    let inspection = inspect(bytes).ok()?;
    let probed = probe("shrinking.wasm", bytes, &inspection, options, slots, None);
    wanted.found_in(&probed).map(|found| found.key().to_string())
}

pub struct Shrunk {
    pub wasm: Vec<u8>,
    pub wat: String,
    /// The key among the representatives, which the shrunk module keeps.
    pub key: String,
}

/// `None` when the representatives alone do not show the finding (it needs state a runtime kept
/// from an earlier sequence) or wasm-shrink gave up.
pub fn shrink(
    bytes: &[u8],
    wanted: &Finding,
    options: &ProbeOptions,
    representatives: &[&RuntimeSlot],
    attempts: u32,
) -> Option<Shrunk> {
    let key = key_among(bytes, wanted, options, representatives)?;
    let info = wasm_shrink::WasmShrink::default()
        .attempts(attempts)
        .run(bytes.to_vec(), |candidate| {
            Ok::<bool, anyhow::Error>(
                key_among(candidate, wanted, options, representatives).as_deref() == Some(key.as_str()),
            )
        })
        .ok()?;
    let wat = wasmprinter::print_bytes(&info.output)
        .unwrap_or_else(|err| format!(";; wasmprinter could not print it: {err}\n"));
    Some(Shrunk { wasm: info.output, wat, key })
}
