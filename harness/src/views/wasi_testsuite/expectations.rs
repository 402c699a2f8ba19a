//! The official runner's expectation files (`expectations/<runtime>/<os>.toml` in
//! wasi-testsuite, its `-e` option): per suite (the manifest's name) and test, `action = "skip"`
//! and/or `expected = "fail"`. A test expected to fail that fails is `xfail`; one that passes is
//! `xpass`, which fails the run as it does there: the expectation is stale.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expectation {
    pub skip: bool,
    pub expected_fail: bool,
}

/// One runtime's expectations, read from one file.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    pub file: String,
    by_suite: HashMap<String, HashMap<String, Expectation>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    version: Option<i64>,
    #[serde(default)]
    suite: Vec<SuiteToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteToml {
    name: String,
    #[serde(default)]
    test: Vec<TestToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestToml {
    name: String,
    action: Option<Action>,
    expected: Option<Expected>,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Action {
    Skip,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Expected {
    Pass,
    Fail,
}

impl Expectations {
    pub fn read(path: &Path) -> Result<Expectations> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Expectations::parse(&path.display().to_string(), &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Expectations> {
        let parsed: FileToml = toml::from_str(text).map_err(|err| {
            let line = err.span().map(|span| text[..span.start].matches('\n').count() + 1);
            let place = line.map_or_else(|| file.to_string(), |line| format!("{file}:{line}"));
            anyhow::anyhow!("{place}: {}", err.message())
        })?;
        if let Some(version) = parsed.version.filter(|v| *v != 1) {
            bail!("{file}: expectation file version {version}; the official runner reads version 1");
        }
        let mut by_suite: HashMap<String, HashMap<String, Expectation>> = HashMap::new();
        for suite in parsed.suite {
            let tests = by_suite.entry(suite.name.clone()).or_default();
            for test in suite.test {
                if test.action.is_none() && test.expected.is_none() {
                    bail!("{file}: suite `{}`, test `{}`: give `action` and/or `expected`", suite.name, test.name);
                }
                let expectation = Expectation {
                    skip: test.action == Some(Action::Skip),
                    expected_fail: test.expected == Some(Expected::Fail),
                };
                tests.insert(test.name, expectation);
            }
        }
        Ok(Expectations { file: file.to_string(), by_suite })
    }

    pub fn of(&self, suite: &str, test: &str) -> Expectation {
        self.by_suite.get(suite).and_then(|tests| tests.get(test)).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_and_expected_failures_are_read_per_suite() {
        let text = "version = 1\n[[suite]]\nname = \"S\"\n[[suite.test]]\nname = \"a\"\naction = \"skip\"\n[[suite.test]]\nname = \"b\"\nexpected = \"fail\"\n";
        let expectations = Expectations::parse("e.toml", text).unwrap();
        assert_eq!(expectations.of("S", "a"), Expectation { skip: true, expected_fail: false });
        assert_eq!(expectations.of("S", "b"), Expectation { skip: false, expected_fail: true });
        assert_eq!(expectations.of("T", "a"), Expectation::default());
    }

    #[test]
    fn bad_files_name_the_file_and_line() {
        let err = Expectations::parse(
            "e.toml",
            "[[suite]]\nname = \"S\"\n[[suite.test]]\nname = \"a\"\naction = \"ignore\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("e.toml:5: "), "{err}");
        let err = Expectations::parse("e.toml", "[[suite]]\nname = \"S\"\n[[suite.test]]\nname = \"a\"\n").unwrap_err();
        assert!(err.to_string().contains("give `action` and/or `expected`"), "{err}");
        let err = Expectations::parse("e.toml", "version = 2\n").unwrap_err();
        assert!(err.to_string().contains("version 2"), "{err}");
    }
}
