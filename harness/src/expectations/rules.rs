//! The rule ids scenarios may cite (`expectations/rules.toml`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The rule id for scenarios where the ABI is silent and the file records observed behaviour.
pub const OBSERVED: &str = "observed";

#[derive(Debug, Clone, Default)]
pub struct Rules {
    rules: BTreeMap<String, Rule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub basis: Basis,
    pub text: String,
    pub source: String,
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The application ABI states it.
    Abi,
    /// wasi-libc's start files implement it; the ABI does not require it.
    WasiLibc,
    /// The ABI is silent; scenarios record what runtimes do.
    Silent,
    /// A rule of this harness (e.g. bounded outcomes), not of WASI.
    Harness,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Abi => "ABI",
            Basis::WasiLibc => "wasi-libc",
            Basis::Silent => "ABI silent: observed",
            Basis::Harness => "harness",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[allow(dead_code)]
    version: u32,
    rule: BTreeMap<String, Rule>,
}

impl Rules {
    pub fn parse(path: &Path, source: &str) -> anyhow::Result<Rules> {
        let raw: RawRules = toml::from_str(source).map_err(|err| {
            let (line, column) = err.span().map(|span| crate::text::line_column(source, span.start)).unwrap_or((1, 1));
            anyhow::anyhow!("{}:{line}:{column}: {}", path.display(), err.message())
        })?;
        Ok(Rules { rules: raw.rule })
    }

    #[cfg(test)]
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Rules {
        let rule = Rule { basis: Basis::Abi, text: String::new(), source: String::new() };
        Rules { rules: ids.into_iter().map(|id| (id.to_string(), rule.clone())).collect() }
    }

    pub fn contains(&self, id: &str) -> bool {
        id == OBSERVED || self.rules.contains_key(id)
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.rules.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_rules_file_parses() {
        let path = crate::corpus::default_root().join("expectations/rules.toml");
        let rules = Rules::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(rules.contains("module.not-both") && rules.contains(OBSERVED));
        assert_eq!(rules.get("command.exit-code-range").map(|r| r.basis), Some(Basis::Silent));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let err = Rules::parse(
            Path::new("rules.toml"),
            "version = 1\n[rule.\"a\"]\nbasis = \"abi\"\ntext = 1\nsource = \"s\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("rules.toml:4:8:"), "{err}");
    }
}
