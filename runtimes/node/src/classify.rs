//! What a JS exception out of node means as an [`Outcome`].
//!
//! V8 reports traps as `WebAssembly.RuntimeError` whose message names the trap ("unreachable",
//! "memory access out of bounds", "table index is out of bounds", "divide by zero", …); stack
//! exhaustion is a plain `RangeError: Maximum call stack size exceeded`. Unresolvable imports are
//! a `LinkError`, or a `TypeError` "Import #N module=…: module is not an object or function"
//! when a whole import namespace is missing. node:wasi's own refusals are `TypeError`s/`Error`s
//! with an `ERR_*` code, thrown before any guest code runs.
//!
//! Under Bun the engine is JavaScriptCore, whose texts differ: "Unreachable code should not be
//! executed", "Out of bounds memory access", "Out of bounds call_indirect", "Out of bounds Trunc
//! operation" (a float-to-int conversion: not a memory access), "Maximum call stack size
//! exceeded.", and a missing import namespace is a `TypeError` "import env:f must be an object".

use execmodel_contract::{Outcome, RejectStage, TrapKind};

use execmodel_worker::Thrown;

const STACK_EXHAUSTED: &str = "Maximum call stack size exceeded";

pub fn outcome_of(thrown: &Thrown) -> Outcome {
    let text = render(thrown);
    // node:wasi's own functions throw (ERR_WASI_NOT_STARTED before `start`/`initialize`, a
    // missing memory, …): an error of the host, not a wasm trap.
    if let Some(function) = &thrown.from_import {
        return Outcome::host_error(format!("WASI function {function} threw {text}"));
    }
    match thrown.name.as_str() {
        "RuntimeError" => Outcome::trap(trap_kind(&thrown.message), text),
        "RangeError" if thrown.message.contains(STACK_EXHAUSTED) => Outcome::trap(TrapKind::StackOverflow, text),
        "LinkError" => Outcome::reject(RejectStage::Link, text),
        "TypeError"
            if thrown.phase == "instantiate"
                && (thrown.message.contains("Import #") || thrown.message.starts_with("import ")) =>
        {
            Outcome::reject(RejectStage::Link, text)
        }
        _ => Outcome::reject(stage_of_phase(&thrown.phase), text),
    }
}

pub fn trap_kind(message: &str) -> TrapKind {
    let lower = message.to_lowercase();
    if lower.contains("unreachable") {
        TrapKind::Unreachable
    } else if lower.contains("out of bounds trunc") {
        TrapKind::Other
    } else if lower.contains("out of bounds") {
        TrapKind::OutOfBounds
    } else if message.contains(STACK_EXHAUSTED) {
        TrapKind::StackOverflow
    } else {
        TrapKind::Other
    }
}

fn stage_of_phase(phase: &str) -> RejectStage {
    match phase {
        "instantiate" => RejectStage::Instantiate,
        "run" => RejectStage::Run,
        _ => RejectStage::Call,
    }
}

/// `TypeError [ERR_INVALID_ARG_TYPE]: …`, the way node prints its own errors.
fn render(thrown: &Thrown) -> String {
    match &thrown.code {
        Some(code) => format!("{} [{code}]: {}", thrown.name, thrown.message),
        None => format!("{}: {}", thrown.name, thrown.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thrown(phase: &str, name: &str, code: Option<&str>, message: &str) -> Thrown {
        Thrown {
            phase: phase.into(),
            name: name.into(),
            code: code.map(Into::into),
            message: message.into(),
            from_import: None,
        }
    }

    fn kind(outcome: &Outcome) -> String {
        outcome.to_string()
    }

    #[test]
    fn runtime_errors_are_traps_by_message() {
        let cases = [
            ("unreachable", "trapped unreachable"),
            ("memory access out of bounds", "trapped out-of-bounds"),
            ("table index is out of bounds", "trapped out-of-bounds"),
            ("divide by zero", "trapped other"),
            ("null function or function signature mismatch", "trapped other"),
            // JavaScriptCore (Bun).
            ("Unreachable code should not be executed (evaluating 'fn()')", "trapped unreachable"),
            ("Out of bounds memory access (evaluating 'fn()')", "trapped out-of-bounds"),
            ("Out of bounds call_indirect", "trapped out-of-bounds"),
            ("Out of bounds Trunc operation", "trapped other"),
            ("Division by zero", "trapped other"),
        ];
        for (message, expected) in cases {
            assert_eq!(kind(&outcome_of(&thrown("call", "RuntimeError", None, message))), expected, "{message}");
        }
        let overflow = thrown("call", "RangeError", None, "Maximum call stack size exceeded");
        assert_eq!(kind(&outcome_of(&overflow)), "trapped stack-overflow");
    }

    #[test]
    fn link_failures_are_rejected_at_link() {
        let missing_function = thrown("instantiate", "LinkError", None, "WebAssembly.Instance(): Import #0 ...");
        assert_eq!(
            kind(&outcome_of(&missing_function)),
            "rejected link: LinkError: WebAssembly.Instance(): Import #0 ..."
        );
        let missing_namespace = thrown(
            "instantiate",
            "TypeError",
            None,
            "WebAssembly.Instance(): Import #1 module=\"env\" error: module is not an object or function",
        );
        assert!(kind(&outcome_of(&missing_namespace)).starts_with("rejected link"));
        let jsc_namespace = thrown("instantiate", "TypeError", None, "import env:f must be an object");
        assert!(kind(&outcome_of(&jsc_namespace)).starts_with("rejected link"));
    }

    #[test]
    fn node_refusals_take_the_stage_of_their_phase() {
        let both = thrown(
            "run",
            "TypeError",
            Some("ERR_INVALID_ARG_TYPE"),
            "The \"instance.exports._initialize\" property must be undefined.",
        );
        assert_eq!(
            outcome_of(&both),
            Outcome::reject(
                RejectStage::Run,
                "TypeError [ERR_INVALID_ARG_TYPE]: The \"instance.exports._initialize\" property must be undefined."
            )
        );
        assert!(kind(&outcome_of(&thrown("instantiate", "RangeError", None, "Out of memory")))
            .starts_with("rejected instantiate"));
        assert!(kind(&outcome_of(&thrown("call", "TypeError", None, "type incompatible with JS")))
            .starts_with("rejected call"));
    }

    #[test]
    fn errors_out_of_wasi_functions_are_host_errors() {
        let mut unbound = thrown("call", "Error", Some("ERR_WASI_NOT_STARTED"), "wasi.start() has not been called");
        unbound.from_import = Some("fd_write".into());
        let outcome = outcome_of(&unbound);
        assert!(
            kind(&outcome).starts_with("host-error: WASI function fd_write threw Error [ERR_WASI_NOT_STARTED]"),
            "{outcome}"
        );
    }
}
