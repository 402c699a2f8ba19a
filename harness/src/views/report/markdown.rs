use std::fmt::Write as _;

use super::{answers, Report};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "# execmodel compatibility report\n");
    let _ = writeln!(
        out,
        "{} — harness {} on {}/{} — {} trials: {} pass, {} known deviation, {} fail, {} error, {} ignored\n",
        report.generated_at,
        report.harness_version,
        report.host.os,
        report.host.arch,
        s.total,
        s.pass,
        s.deviation,
        s.fail,
        s.error,
        s.ignored
    );
    if !report.answers.is_empty() {
        out.push_str(&answers::render_markdown(report));
        out.push_str("\n## Runtimes\n\n");
    }
    let names = answers::columns(report);
    let _ = writeln!(out, "| runtime | version | pass | deviation | fail | error | ignored |");
    let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for runtime in report.runtimes.iter().filter(|r| names.contains(&r.name)) {
        let count =
            |verdict: &str| report.trials.iter().filter(|t| t.runtime == runtime.name && t.verdict == verdict).count();
        let version =
            runtime.unavailable.as_deref().map_or(runtime.version.clone(), |why| format!("unavailable: {why}"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            runtime.name,
            cell_text(&version),
            count("pass"),
            count("deviation"),
            count("fail"),
            count("error"),
            count("ignored")
        );
    }
    if report.answers.is_empty() {
        for (runtime, why) in answers::not_installed(report) {
            let _ = writeln!(out, "\nnot installed here: {runtime} — {}", cell_text(why));
        }
    }

    let _ = writeln!(out, "\n## Matrix\n");
    let _ = writeln!(out, "| module | scenario | rule | {} |", names.join(" | "));
    let _ = writeln!(out, "| --- | --- | --- |{}", " --- |".repeat(names.len()));
    for ((module, scenario), cells) in report.rows() {
        let rule = cells.values().next().map_or("", |t| t.rule.as_str());
        let marks: Vec<&str> = names
            .iter()
            .map(|name| match cells.get(name).map(|t| t.verdict.as_str()) {
                Some("pass") => "✅ pass",
                Some("deviation") => "🟡 deviation",
                Some("fail") => "❌ FAIL",
                Some("error") => "⚠️ error",
                Some("ignored") => "⏭ ignored",
                _ => "",
            })
            .collect();
        let _ = writeln!(out, "| `{module}` | {scenario} | {rule} | {} |", marks.join(" | "));
    }

    let problems: Vec<_> = report.trials.iter().filter(|t| t.verdict == "fail" || t.verdict == "error").collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\n## Failures\n");
        for trial in problems {
            let _ = writeln!(out, "<details><summary><code>{}</code> ({})</summary>\n", trial.name, trial.verdict);
            let _ = writeln!(out, "```\n{}\n```\n</details>\n", trial.message.as_deref().unwrap_or(""));
        }
    }
    if let Some(lifecycle) = &report.lifecycle {
        out.push('\n');
        out.push_str(&crate::views::lifecycle::render_markdown(lifecycle));
    }
    out
}

fn cell_text(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
