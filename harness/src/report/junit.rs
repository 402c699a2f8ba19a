use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;

pub fn render(report: &Report) -> anyhow::Result<String> {
    let mut junit = JunitReport::new("execmodel");
    for runtime in &report.runtimes {
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
    Ok(junit.to_string()?)
}
