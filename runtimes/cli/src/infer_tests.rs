use execmodel_contract::{RejectStage, Value};

use super::*;
use crate::table::parse;

const TABLE: &str = r#"
[demo]
program = "demo"
about = "a demo"
docs = "https://example.org"
checked = "never"
version = { args = ["--version"] }
dir = ["--dir", "{host}::{guest}"]
env = ["--env", "{key}={value}"]
argv0 = "module-name"
report = { stream = "stderr", starts = "Error: " }
noise = ['warning: chatter\n']

[[demo.rule]]
status = 134
matches = "unreachable"
then = "trapped unreachable"

[[demo.rule]]
status = 1
matches = "unknown import"
then = "rejected link"
"#;

fn finished(exit: Exit, stdout: &[u8], stderr: &[u8], limit: usize) -> Finished {
    let mut out = Capture::new(limit);
    out.push(stdout);
    let mut err = Capture::new(limit);
    err.push(stderr);
    Finished { exit, cpu_used: std::time::Duration::ZERO, stdout: out, stderr: err }
}

fn run(exit: Exit, stdout: &[u8], stderr: &[u8]) -> Inference {
    let tables = parse(TABLE, "test table").unwrap();
    infer(&tables["demo"], &finished(exit, stdout, stderr, 1 << 20), None).unwrap()
}

#[test]
fn a_rule_needs_both_its_status_and_its_report() {
    let trapped = run(Exit::Status(134), b"", b"guest said\nError: wasm unreachable executed\n");
    assert!(matches!(trapped.outcome, Outcome::Trapped { kind: TrapKind::Unreachable, .. }), "{trapped:?}");
    assert_eq!(trapped.stderr, b"guest said\n", "the report is cut, the guest's output kept");

    // The guest's own exit 134 with no report is an exit.
    assert_eq!(run(Exit::Status(134), b"", b"").outcome, Outcome::Exited(134));
    let rejected = run(Exit::Status(1), b"", b"Error: unknown import: `x::y`\n");
    assert!(matches!(rejected.outcome, Outcome::Rejected { stage: RejectStage::Link, .. }), "{rejected:?}");
}

#[test]
fn without_a_rule_the_status_is_the_guests() {
    assert_eq!(run(Exit::Status(0), b"hi", b"").outcome, Outcome::Returned(vec![]));
    assert_eq!(run(Exit::Status(3), b"", b"").outcome, Outcome::Exited(3));
    // A report the rules do not know, with a failure status: the CLI failed in an unknown way.
    let unknown = run(Exit::Status(1), b"", b"Error: something new\n");
    assert!(matches!(unknown.outcome, Outcome::Trapped { kind: TrapKind::Other, .. }), "{unknown:?}");
    assert!(unknown.stderr.is_empty());
    // The same text with status 0 is the guest's output.
    let guest = run(Exit::Status(0), b"", b"Error: mine\n");
    assert_eq!(guest.outcome, Outcome::Returned(vec![]));
    assert_eq!(guest.stderr, b"Error: mine\n");
}

#[test]
fn signals_and_deadlines() {
    let signal = run(Exit::Signal(11), b"", b"");
    assert!(
        matches!(signal.outcome, Outcome::Trapped { kind: TrapKind::Other, ref message, .. } if message.contains("signal 11"))
    );
    let deadline = run(Exit::BudgetSpent(std::time::Duration::from_secs(1)), b"partial", b"");
    assert!(matches!(deadline.outcome, Outcome::Trapped { kind: TrapKind::Deadline, .. }));
    assert_eq!(deadline.stdout, b"partial");
}

#[test]
fn noise_is_removed_from_stderr() {
    assert_eq!(run(Exit::Status(0), b"", b"warning: chatter\nreal\n").stderr, b"real\n");
}

#[test]
fn the_report_is_found_past_the_output_limit() {
    let tables = parse(TABLE, "test table").unwrap();
    let mut stderr = vec![b'x'; 100];
    stderr.extend_from_slice(b"Error: unreachable\n");
    let inference = infer(&tables["demo"], &finished(Exit::Status(134), b"", &stderr, 10), None).unwrap();
    assert!(matches!(inference.outcome, Outcome::Trapped { kind: TrapKind::Unreachable, .. }));
    assert_eq!(inference.stderr, vec![b'x'; 10]);
}

#[test]
fn printed_results_are_read_from_the_end_of_stdout() {
    let tables = parse(TABLE, "test table").unwrap();
    let types = [ValType::I32, ValType::I64, ValType::F32, ValType::F64];
    let done = finished(Exit::Status(0), b"guest line\n-1\n9000000000\ninf\nNaN\n", b"", 1 << 20);
    let inference = infer(&tables["demo"], &done, Some(&types)).unwrap();
    let Outcome::Returned(values) = inference.outcome else { panic!("{inference:?}") };
    assert_eq!(values[..3], [Value::I32(-1), Value::I64(9_000_000_000), Value::F32(f32::INFINITY)]);
    assert!(matches!(values[3], Value::F64(v) if v.is_nan()));
    assert_eq!(inference.stdout, b"guest line\n");

    let only = finished(Exit::Status(0), b"7\n", b"", 1 << 20);
    let inference = infer(&tables["demo"], &only, Some(&[ValType::I32])).unwrap();
    assert_eq!(inference.outcome, Outcome::Returned(vec![Value::I32(7)]));
    assert!(inference.stdout.is_empty());

    let missing = finished(Exit::Status(0), b"", b"", 1 << 20);
    assert!(infer(&tables["demo"], &missing, Some(&[ValType::I32])).is_err());
    let garbled = finished(Exit::Status(0), b"seven\n", b"", 1 << 20);
    assert!(infer(&tables["demo"], &garbled, Some(&[ValType::I32])).is_err());
}
