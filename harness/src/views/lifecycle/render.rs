//! The lifecycle table as text (stdout of `bench lifecycle`) and as markdown (report.md).

use std::fmt::Write as _;

use super::{LifecycleBench, Measured};

/// One row per runtime and step, with the legend and the method underneath.
pub fn render_text(bench: &LifecycleBench) -> String {
    let mut out = format!(
        "lifecycle cost per step ({} build, {}/{}, {} CPUs)\n\n{:24} {:12} {:>10} {:>10} {:>9}\n",
        bench.profile, bench.host.os, bench.host.arch, bench.host.cpus, "runtime", "step", "median", "p95", "samples"
    );
    for runtime in &bench.runtimes {
        let label = format!("{} {}", runtime.name, runtime.version).trim_end().to_string();
        if let Some(why) = &runtime.unavailable {
            let _ = writeln!(out, "{label:24} unavailable: {why}");
            continue;
        }
        for (index, step) in runtime.steps.iter().enumerate() {
            let shown = if index == 0 { label.as_str() } else { "" };
            let _ = writeln!(
                out,
                "{shown:24} {:12} {:>10} {:>10} {:>9}",
                step.step,
                duration(step.median_ns),
                duration(step.p95_ns),
                step.samples
            );
        }
    }
    out.push('\n');
    for line in footnotes(bench) {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// Steps as rows, runtimes as columns, `median / p95` in each cell.
pub fn render_markdown(bench: &LifecycleBench) -> String {
    let measured: Vec<&_> = bench.runtimes.iter().filter(|r| r.unavailable.is_none()).collect();
    let mut out = String::from("## Lifecycle cost\n\n");
    if measured.is_empty() {
        out.push_str("No runtime was measured.\n\n");
    } else {
        let headers: Vec<String> = measured.iter().map(|r| format!("{} {}", r.name, r.version)).collect();
        let _ = writeln!(out, "| step | {} |", headers.join(" | "));
        let _ = writeln!(out, "| --- |{}", " ---: |".repeat(measured.len()));
        for step in step_names(bench) {
            let cells: Vec<String> = measured
                .iter()
                .map(|runtime| match runtime.steps.iter().find(|s| s.step == step) {
                    Some(s) => format!("{} / {}", duration(s.median_ns), duration(s.p95_ns)),
                    None => String::new(),
                })
                .collect();
            let _ = writeln!(out, "| {step} | {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    for runtime in bench.runtimes.iter().filter_map(|r| r.unavailable.as_ref().map(|why| (&r.name, why))) {
        let _ = writeln!(out, "{} was not measured: {}\n", runtime.0, runtime.1.replace('\n', " "));
    }
    for line in footnotes(bench) {
        let _ = writeln!(out, "- {line}");
    }
    out
}

/// Step names in first-seen order over all runtimes.
fn step_names(bench: &LifecycleBench) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for step in bench.runtimes.iter().flat_map(|r| &r.steps) {
        if !names.contains(&step.step.as_str()) {
            names.push(&step.step);
        }
    }
    names
}

/// The legend: what each step times, what a runtime's numbers include, how percentiles are taken.
fn footnotes(bench: &LifecycleBench) -> Vec<String> {
    let steps = Measured::ALL.iter().map(|measured| format!("{}: {}.", measured.id(), measured.meaning()));
    let notes = bench.runtimes.iter().filter_map(|r| r.note.as_ref().map(|note| format!("{}: {note}.", r.name)));
    let method = format!("{} Timer cost per iteration here: {} ns.", bench.method, bench.timer_overhead_ns);
    steps.chain(notes).chain([method]).collect()
}

/// Three significant digits in the unit that fits: `850 ns`, `12.3 µs`, `1.23 ms`, `2.50 s`.
pub fn duration(nanos: u64) -> String {
    let value = nanos as f64;
    let (scaled, unit) = match nanos {
        0..=999 => return format!("{nanos} ns"),
        1_000..=999_999 => (value / 1e3, "µs"),
        1_000_000..=999_999_999 => (value / 1e6, "ms"),
        _ => (value / 1e9, "s"),
    };
    let decimals = if scaled >= 100.0 {
        0
    } else if scaled >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.decimals$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::lifecycle::tests::sample_bench;

    #[test]
    fn durations_keep_three_significant_digits() {
        assert_eq!(duration(0), "0 ns");
        assert_eq!(duration(999), "999 ns");
        assert_eq!(duration(1_000), "1.00 µs");
        assert_eq!(duration(12_345), "12.3 µs");
        assert_eq!(duration(123_456), "123 µs");
        assert_eq!(duration(1_234_567), "1.23 ms");
        assert_eq!(duration(2_500_000_000), "2.50 s");
    }

    #[test]
    fn markdown_has_one_row_per_step_and_one_column_per_measured_runtime() {
        let markdown = render_markdown(&sample_bench());
        assert!(markdown.contains("| step | wasmtime 48.0.0 | node v22.0.0 |"), "{markdown}");
        assert!(markdown.contains("| compile | 2.00 ms / 3.00 ms | 40.0 ms / 90.0 ms |"), "{markdown}");
        assert!(markdown.contains("| call | 150 ns / 200 ns | 25.0 µs / 40.0 µs |"), "{markdown}");
        assert!(markdown.contains("wasmer was not measured: gone"), "{markdown}");
        assert!(markdown.contains("\n- node: runs out of process"), "{markdown}");
    }

    #[test]
    fn markdown_without_measured_runtimes_says_so() {
        let mut bench = sample_bench();
        bench.runtimes.retain(|r| r.unavailable.is_some());
        assert!(render_markdown(&bench).contains("No runtime was measured."));
    }

    #[test]
    fn text_names_each_runtime_once_and_lists_every_step() {
        let text = render_text(&sample_bench());
        assert_eq!(text.matches("wasmtime 48.0.0").count(), 1, "{text}");
        assert!(text.lines().any(|line| line.starts_with("wasmer ") && line.ends_with(" unavailable: gone")), "{text}");
        assert_eq!(text.lines().filter(|line| line.contains(" compile ")).count(), 2, "{text}");
        assert!(text.contains("nearest-rank"), "{text}");
    }
}
