//! The one place in execmodel where an outcome is inferred from a finished process: its exit
//! status, the CLI's own failure report (found with the table's `report.starts`) and the table's
//! rules. The report and printed results are cut from the output, so a step's stdout/stderr hold
//! what the guest wrote.

use execmodel_contract::{Outcome, TrapKind, Value};
use wasmparser::ValType;

use crate::capture::Capture;
use crate::process::{Exit, Finished};
use crate::table::{Inferred, Stream, Table};

#[derive(Debug, PartialEq)]
pub struct Inference {
    pub outcome: Outcome,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// The CLI's report: where it starts in its stream and its text.
struct Report {
    stream: Stream,
    offset: usize,
    text: Vec<u8>,
}

/// `results` are the result types of an invoked export (`None` for a whole-module run). An
/// `Err` is the adapter failing to read what the CLI printed, not a guest outcome.
pub fn infer(table: &Table, finished: &Finished, results: Option<&[ValType]>) -> Result<Inference, String> {
    if let Exit::TimedOut(waited) = finished.exit {
        return Err(format!(
            "{} neither ended nor spent its CPU budget within {waited:.1?} (the harness's wall-clock safety net); killed",
            table.program
        ));
    }
    if let Exit::BudgetSpent(_) = finished.exit {
        return Ok(Inference {
            outcome: Outcome::harness_trap(
                TrapKind::Deadline,
                format!("the step spent its budget of CPU time: {} was killed", table.program),
            ),
            stdout: finished.stdout.head_before(usize::MAX),
            stderr: without_noise(table, finished.stderr.head_before(usize::MAX)),
        });
    }
    let status = match finished.exit {
        Exit::Status(code) => Some(code),
        _ => None,
    };
    let report = find_report(table, finished);
    let rule = table.rules.iter().find(|rule| {
        rule.status.is_none_or(|wanted| status == Some(wanted))
            && match &rule.matches {
                None => true,
                Some(pattern) => report.as_ref().is_some_and(|report| pattern.is_match(&report.text)),
            }
    });
    let describe = || match &report {
        Some(report) => String::from_utf8_lossy(&report.text).trim().to_string(),
        None => match finished.exit {
            Exit::Signal(signal) => format!("{} terminated by signal {signal}", table.program),
            _ => format!("{} exited with status {}", table.program, status.unwrap_or(-1)),
        },
    };
    let (outcome, report_is_the_clis) = match (rule, finished.exit) {
        (Some(rule), _) => {
            let outcome = match rule.then {
                Inferred::Returned => Outcome::returned_nothing(),
                Inferred::Exited => Outcome::Exited(status.unwrap_or(-1).into()),
                Inferred::Trapped(kind) => Outcome::trap(kind, describe()),
                Inferred::Rejected(stage) => Outcome::reject(stage, describe()),
            };
            (outcome, true)
        }
        (None, Exit::Status(0)) => (Outcome::returned_nothing(), false),
        (None, Exit::Status(code)) if report.is_none() => (Outcome::Exited(code.into()), false),
        (None, _) => {
            (Outcome::trap(TrapKind::Other, format!("unrecognised failure of {}: {}", table.program, describe())), true)
        }
    };
    let cut = |stream: Stream, capture: &Capture| match &report {
        Some(report) if report_is_the_clis && report.stream == stream => capture.head_before(report.offset),
        _ => capture.head_before(usize::MAX),
    };
    let mut stdout = cut(Stream::Stdout, &finished.stdout);
    let stderr = without_noise(table, cut(Stream::Stderr, &finished.stderr));
    let outcome = match (outcome, results) {
        (Outcome::Returned(_), Some(types)) if !types.is_empty() => {
            let (values, start) = printed_results(&finished.stdout, types)?;
            stdout.truncate(start);
            Outcome::Returned(values)
        }
        (outcome, _) => outcome,
    };
    Ok(Inference { outcome, stdout, stderr })
}

fn find_report(table: &Table, finished: &Finished) -> Option<Report> {
    let stream = table.report.stream;
    let capture = match stream {
        Stream::Stdout => &finished.stdout,
        Stream::Stderr => &finished.stderr,
    };
    let (tail, start) = capture.tail();
    let found = table.report.starts.find_iter(&tail).last()?;
    Some(Report { stream, offset: start + found.start(), text: tail[found.start()..].to_vec() })
}

fn without_noise(table: &Table, mut bytes: Vec<u8>) -> Vec<u8> {
    for noise in &table.noise {
        bytes = noise.replace_all(&bytes, &b""[..]).into_owned();
    }
    bytes
}

/// The last `types.len()` lines of stdout, one value each (`-1`, `1.5`, `NaN`, `inf`), and the
/// stream offset where they start.
fn printed_results(stdout: &Capture, types: &[ValType]) -> Result<(Vec<Value>, usize), String> {
    let (tail, start) = stdout.tail();
    let body = tail.strip_suffix(b"\n").unwrap_or(&tail);
    let mut lines = Vec::new();
    let mut end = body.len();
    let mut first = body.len();
    while lines.len() < types.len() {
        match body[..end].iter().rposition(|&b| b == b'\n') {
            Some(newline) => {
                lines.push(&body[newline + 1..end]);
                first = newline + 1;
                end = newline;
            }
            None if start == 0 => {
                lines.push(&body[..end]);
                first = 0;
                break;
            }
            None => break,
        }
    }
    if lines.len() != types.len() {
        return Err(format!(
            "expected {} result line(s) at the end of stdout, found {}: {:?}",
            types.len(),
            lines.len(),
            String::from_utf8_lossy(body)
        ));
    }
    lines.reverse();
    let values = lines
        .iter()
        .zip(types)
        .map(|(line, ty)| parse_value(String::from_utf8_lossy(line).trim(), *ty))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((values, start + first))
}

fn parse_value(text: &str, ty: ValType) -> Result<Value, String> {
    let bad = || format!("cannot read `{text}` as a {ty} result");
    Ok(match ty {
        ValType::I32 => Value::I32(text.parse().map_err(|_| bad())?),
        ValType::I64 => Value::I64(text.parse().map_err(|_| bad())?),
        ValType::F32 => Value::F32(parse_float(text, f32::INFINITY).ok_or_else(bad)?),
        ValType::F64 => Value::F64(parse_float(text, f64::INFINITY).ok_or_else(bad)?),
        _ => return Err(format!("results of type {ty} cannot be read from a CLI")),
    })
}

/// Rust's own spelling (`inf`, `NaN`) parses directly; JavaScript's `Infinity` does not.
fn parse_float<F: std::str::FromStr + std::ops::Neg<Output = F>>(text: &str, infinity: F) -> Option<F> {
    match text {
        "Infinity" => Some(infinity),
        "-Infinity" => Some(-infinity),
        _ => text.parse().ok(),
    }
}

#[cfg(test)]
#[path = "infer_tests.rs"]
mod tests;
