//! `index.html`: one static page, no network. The report JSON is embedded and rendered by a small
//! script (`index.html` beside this file); the lifecycle charts, when there are any, are static SVG.

const TEMPLATE: &str = include_str!("index.html");
const DATA_MARKER: &str = "/*REPORT_JSON*/null";
const LIFECYCLE_MARKER: &str = "<!--LIFECYCLE-->";

pub fn render(report_json: &str, lifecycle_section: &str) -> String {
    // `</script>` inside the data would end the script element early.
    let embedded = report_json.replace("</", "<\\/");
    TEMPLATE.replacen(LIFECYCLE_MARKER, lifecycle_section, 1).replacen(DATA_MARKER, &embedded, 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn template_has_exactly_one_data_slot_and_no_network() {
        assert_eq!(super::TEMPLATE.matches(super::DATA_MARKER).count(), 1);
        assert_eq!(super::TEMPLATE.matches(super::LIFECYCLE_MARKER).count(), 1);
        for forbidden in ["http://", "https://", "<link", "src="] {
            assert!(!super::TEMPLATE.contains(forbidden), "index.html must not reference {forbidden}");
        }
    }

    #[test]
    fn embedded_json_cannot_close_the_script() {
        let page = super::render(r#"{"message":"</script><b>"}"#, "");
        assert!(!page.contains("</script><b>"));
    }
}
