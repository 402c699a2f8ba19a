use super::*;

const MINIMAL: &str = r#"
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

[[demo.rule]]
status = 134
matches = "unreachable"
then = "trapped unreachable"
"#;

fn error_of(source: &str) -> TableError {
    parse(source, RUNTIMES_TOML_PATH).expect_err("should be rejected")
}

#[test]
fn a_minimal_table_parses() {
    let tables = parse(MINIMAL, RUNTIMES_TOML_PATH).unwrap();
    let demo = &tables["demo"];
    assert_eq!(demo.program, "demo");
    assert_eq!(demo.rules[0].then, Inferred::Trapped(TrapKind::Unreachable));
    assert!(demo.invoke.is_none());
}

#[test]
fn an_unknown_key_names_its_line() {
    let source = MINIMAL.replace("checked = \"never\"", "checked = \"never\"\ncolour = \"blue\"");
    let err = error_of(&source);
    assert_eq!(err.line, Some(7), "{err}");
    assert!(err.message.contains("colour"), "{err}");
    assert!(err.to_string().starts_with("runtimes/cli/runtimes.toml line 7: "), "{err}");
}

#[test]
fn broken_toml_names_its_line() {
    let err = error_of("[demo]\nprogram = \"demo\nabout = 1\n");
    assert_eq!(err.line, Some(2), "{err}");
}

#[test]
fn an_unknown_placeholder_names_its_line() {
    let source = MINIMAL.replace("{key}={value}", "{name}={value}");
    let err = error_of(&source);
    assert_eq!(err.line, Some(9), "{err}");
    assert!(err.message.contains("unknown placeholder {name}"), "{err}");
}

#[test]
fn a_bad_regex_names_its_line() {
    let source = MINIMAL.replace("matches = \"unreachable\"", "matches = \"(unclosed\"");
    let err = error_of(&source);
    assert_eq!(err.line, Some(15), "{err}");
    assert!(err.message.contains("not a valid regex"), "{err}");
}

#[test]
fn an_unknown_outcome_names_its_line() {
    let source = MINIMAL.replace("then = \"trapped unreachable\"", "then = \"trapped sideways\"");
    let err = error_of(&source);
    assert_eq!(err.line, Some(16), "{err}");
    assert!(err.message.contains("unknown outcome `trapped sideways`"), "{err}");
}

#[test]
fn an_unknown_argv0_mode_and_a_missing_flag_are_errors() {
    let err = error_of(&MINIMAL.replace("\"module-name\"", "\"guess\""));
    assert_eq!(err.line, Some(10), "{err}");
    let err = error_of(&MINIMAL.replace("\"module-name\"", "\"flag\""));
    assert!(err.message.contains("needs `argv0_flag`"), "{err}");
}

#[test]
fn an_unknown_script_is_an_error() {
    let source = MINIMAL.replace("program = \"demo\"", "program = \"demo\"\nscript = \"nope.js\"");
    let err = error_of(&source);
    assert!(err.message.contains("unknown script `nope.js`"), "{err}");
}

#[test]
fn templates_expand_known_placeholders_only() {
    let template = Template("{host}::{guest}".to_string());
    assert_eq!(template.expand(&[("host", "/h"), ("guest", "/g")]), "/h::/g");
    assert_eq!(Template("a{b".into()).expand(&[]), "a{b");
}
