//! The lifecycle section of index.html: one inline SVG bar chart per measured runtime, drawn
//! here so that the page needs no script or network for it.

use std::fmt::Write as _;

use super::render::duration;
use super::{LifecycleBench, RuntimeCost};

const LABEL_WIDTH: f64 = 90.0;
const BAR_AREA: f64 = 260.0;
const VALUE_WIDTH: f64 = 150.0;
const TITLE_HEIGHT: f64 = 24.0;
const ROW_HEIGHT: f64 = 20.0;
const BAR_HEIGHT: f64 = 12.0;

/// The `<section>` for index.html, or nothing when no runtime has measured steps.
pub fn render_section(bench: &LifecycleBench) -> String {
    let charts: Vec<String> = bench.runtimes.iter().filter_map(runtime_chart).collect();
    if charts.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section id=\"lifecycle\">\n<h2>Lifecycle cost</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"lifecycle-note\">Median per step (bar) and p95 (tick), {} build; each chart is scaled to its runtime's slowest p95. {}</p>",
        escape(&bench.profile),
        escape(&bench.method)
    );
    out.push_str("<div class=\"lifecycle-charts\">\n");
    for chart in charts {
        out.push_str(&chart);
    }
    out.push_str("</div>\n");
    for runtime in bench.runtimes.iter().filter(|r| !r.steps.is_empty()) {
        if let Some(note) = &runtime.note {
            let _ = writeln!(out, "<p class=\"lifecycle-note\">{}: {}.</p>", escape(&runtime.name), escape(note));
        }
    }
    out.push_str("</section>\n");
    out
}

/// One runtime's chart: a bar per step, its length the median relative to the slowest p95.
pub fn runtime_chart(runtime: &RuntimeCost) -> Option<String> {
    if runtime.steps.is_empty() {
        return None;
    }
    let longest = runtime.steps.iter().map(|s| s.p95_ns.max(s.median_ns)).max().unwrap_or(0).max(1) as f64;
    let scale = |nanos: u64| BAR_AREA * nanos as f64 / longest;
    let width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH;
    let height = TITLE_HEIGHT + ROW_HEIGHT * runtime.steps.len() as f64;
    let title = format!("{} {}", runtime.name, runtime.version);
    let mut svg = format!(
        "<svg class=\"lifecycle-chart\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" aria-label=\"lifecycle cost on {}\">\n<title>{}</title>\n<text x=\"0\" y=\"16\" font-weight=\"600\">{}</text>\n",
        escape(&title),
        escape(&title),
        escape(&title)
    );
    for (row, step) in runtime.steps.iter().enumerate() {
        let top = TITLE_HEIGHT + ROW_HEIGHT * row as f64;
        let middle = top + BAR_HEIGHT / 2.0;
        // A bar too short to see is still drawn one pixel wide.
        let bar = scale(step.median_ns).max(1.0);
        let tick = LABEL_WIDTH + scale(step.p95_ns);
        let _ = writeln!(
            svg,
            "<text x=\"0\" y=\"{text_y}\" font-size=\"12\">{name}</text>\
             <rect class=\"median\" x=\"{LABEL_WIDTH}\" y=\"{top}\" width=\"{bar:.1}\" height=\"{BAR_HEIGHT}\" fill=\"#4a78c2\"><title>{name}: median {median}, p95 {p95}, {samples} iterations</title></rect>\
             <line class=\"p95\" x1=\"{tick:.1}\" x2=\"{tick:.1}\" y1=\"{tick_top}\" y2=\"{tick_bottom}\" stroke=\"#1d1d1f\" stroke-width=\"2\"/>\
             <text x=\"{value_x}\" y=\"{text_y}\" font-size=\"12\">{median} (p95 {p95})</text>",
            text_y = middle + 4.0,
            name = escape(&step.step),
            median = duration(step.median_ns),
            p95 = duration(step.p95_ns),
            samples = step.samples,
            tick_top = top - 2.0,
            tick_bottom = top + BAR_HEIGHT + 2.0,
            value_x = LABEL_WIDTH + BAR_AREA + 6.0,
        );
    }
    svg.push_str("</svg>\n");
    Some(svg)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::lifecycle::tests::sample_bench;

    fn median_bar_widths(svg: &str) -> Vec<f64> {
        svg.split("<rect class=\"median\"")
            .skip(1)
            .map(|rect| {
                let width = rect.split("width=\"").nth(1).and_then(|w| w.split('"').next()).expect("a width");
                width.parse().expect("a number")
            })
            .collect()
    }

    #[test]
    fn bars_scale_with_the_medians() {
        let bench = sample_bench();
        let svg = runtime_chart(&bench.runtimes[0]).expect("wasmtime has steps");
        let widths = median_bar_widths(&svg);
        assert_eq!(widths.len(), bench.runtimes[0].steps.len());
        // compile 2 ms against the slowest p95 (compile's 3 ms): two thirds of the bar area.
        assert!((widths[0] - BAR_AREA * 2.0 / 3.0).abs() < 0.1, "{widths:?}");
        // instantiate 20 µs is 1/100 of compile's 2 ms.
        assert!((widths[1] - widths[0] / 100.0).abs() < 0.1, "{widths:?}");
        // call 150 ns rounds to nothing and is drawn one pixel wide.
        assert_eq!(widths[2], 1.0);
        assert_eq!(svg.matches("class=\"p95\"").count(), 3);
    }

    #[test]
    fn nothing_is_drawn_without_steps_and_zeros_do_not_divide_by_zero() {
        let mut bench = sample_bench();
        assert_eq!(runtime_chart(&bench.runtimes[1]), None, "wasmer was unavailable");
        for step in &mut bench.runtimes[0].steps {
            (step.median_ns, step.p95_ns) = (0, 0);
        }
        let svg = runtime_chart(&bench.runtimes[0]).expect("steps");
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        bench.runtimes.iter_mut().for_each(|r| r.steps.clear());
        assert_eq!(render_section(&bench), "");
    }

    #[test]
    fn section_has_one_chart_per_measured_runtime_and_no_network() {
        let section = render_section(&sample_bench());
        assert_eq!(section.matches("<svg class=\"lifecycle-chart\"").count(), 2);
        assert!(section.contains("node: runs out of process"), "{section}");
        assert!(!section.contains("http"), "{section}");
    }

    #[test]
    fn names_are_escaped() {
        let mut bench = sample_bench();
        bench.runtimes[0].version = "<b>&".to_string();
        let svg = runtime_chart(&bench.runtimes[0]).expect("steps");
        assert!(svg.contains("&lt;b&gt;&amp;") && !svg.contains("<b>"), "{svg}");
    }
}
