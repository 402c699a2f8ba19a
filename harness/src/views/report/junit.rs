use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::{answers, Report};

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut junit = JunitReport::new("execmodel");
    let columns = answers::columns(report);
    for runtime in report.runtimes.iter().filter(|r| columns.contains(&r.name)) {
        let mut suite = TestSuite::new(format!("{} {}", runtime.name, runtime.version).trim().to_string());
        for trial in report.trials.iter().filter(|t| t.runtime == runtime.name) {
            let status = match trial.verdict.as_str() {
                "pass" | "deviation" => TestCaseStatus::success(),
                "ignored" => {
                    let mut status = TestCaseStatus::skipped();
                    status.set_message(trial.message.clone().unwrap_or_default());
                    status
                }
                verdict => {
                    let kind = if verdict == "fail" { NonSuccessKind::Failure } else { NonSuccessKind::Error };
                    let mut status = TestCaseStatus::non_success(kind);
                    let message = trial.message.clone().unwrap_or_default();
                    status.set_message(message.lines().next().unwrap_or_default().to_string());
                    status.set_description(message);
                    status
                }
            };
            let mut case = TestCase::new(trial.name.clone(), status);
            case.set_classname(format!("{}::{}", trial.runtime, trial.module));
            case.set_time(std::time::Duration::from_secs_f64(trial.duration_ms / 1e3));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    // A runtime that is not installed has no suite: one line says so, and how to install it.
    let lines: Vec<String> = answers::not_installed(report)
        .iter()
        .map(|(runtime, why)| format!("not installed here: {runtime} — {why}"))
        .collect();
    if !lines.is_empty() {
        let mut note = TestSuite::new("not installed here");
        note.set_system_out(lines.join("\n"));
        junit.add_test_suite(note);
    }
    Ok(junit.to_string()?)
}
