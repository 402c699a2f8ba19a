//! A disagreement made small: wasm-shrink removes what it can while one runtime of each class
//! still ends the sequence the way its class did; the result is written as WAT, ready to become
//! a corpus case.

use crate::corpus::classify::inspect;
use crate::trials::runner::RuntimeSlot;
use crate::views::probe::{probe, Probe, ProbeOptions};

use super::findings::{findings, Finding};

/// The disagreement's key as runtimes `slots` alone see it, if they still disagree on `sequence`.
fn key_among(bytes: &[u8], sequence: &str, options: &ProbeOptions, slots: &[RuntimeSlot]) -> Option<String> {
    let inspection = inspect(bytes).ok()?;
    let probed: Probe = probe("shrinking.wasm", bytes, &inspection, options, slots, None);
    findings(&probed).into_iter().find_map(|finding| match finding {
        Finding::Disagreement(found) if found.sequence == sequence => Some(found.key),
        _ => None,
    })
}

pub struct Shrunk {
    pub wasm: Vec<u8>,
    pub wat: String,
    /// The key among the representatives, which the shrunk module keeps.
    pub key: String,
}

/// `None` when the representatives alone do not show the disagreement (it needs a runtime's
/// state from an earlier sequence) or nothing could be removed.
pub fn shrink(bytes: &[u8], sequence: &str, options: &ProbeOptions, representatives: &[RuntimeSlot], attempts: u32) -> Option<Shrunk> {
    let key = key_among(bytes, sequence, options, representatives)?;
    let info = wasm_shrink::WasmShrink::default()
        .attempts(attempts)
        .run(bytes.to_vec(), |candidate| {
            Ok::<bool, anyhow::Error>(key_among(candidate, sequence, options, representatives).as_deref() == Some(key.as_str()))
        })
        .ok()?;
    let wat = wasmprinter::print_bytes(&info.output).unwrap_or_else(|err| format!(";; wasmprinter could not print it: {err}\n"));
    Some(Shrunk { wasm: info.output, wat, key })
}
