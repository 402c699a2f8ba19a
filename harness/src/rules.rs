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
    pub text: String,
    pub source: String,
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
            let (line, column) = err
                .span()
                .map(|span| crate::text::line_column(source, span.start))
                .unwrap_or((1, 1));
            anyhow::anyhow!("{}:{line}:{column}: {}", path.display(), err.message())
        })?;
        Ok(Rules { rules: raw.rule })
    }

    #[cfg(test)]
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Rules {
        let rule = Rule { text: String::new(), source: String::new() };
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
