//! `runtimes.toml`: how to drive each runtime's command-line program. Parsed strictly; every
//! semantic error (bad regex, unknown placeholder, unknown outcome) names its line.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use execmodel_contract::{RejectStage, TrapKind};
use regex::bytes::Regex as OutputRegex;
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::scripts::{self, Script};

/// The file compiled into the crate.
pub const RUNTIMES_TOML: &str = include_str!("../runtimes.toml");
pub const RUNTIMES_TOML_PATH: &str = "runtimes/cli/runtimes.toml";

/// A problem in a runtimes.toml text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    /// The file (or other source) the text came from.
    pub origin: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for TableError {}

/// One runtime's table, validated.
#[derive(Debug)]
pub struct Table {
    pub program: String,
    pub script: Option<&'static Script>,
    pub about: String,
    pub docs: String,
    pub checked: String,
    pub leading: Vec<Template>,
    pub version: VersionProbe,
    pub memory_limit: Vec<Template>,
    pub dir: Vec<Template>,
    pub env: Vec<Template>,
    pub argv0: Argv0,
    pub invoke: Option<Invoke>,
    pub report: Report,
    pub noise: Vec<OutputRegex>,
    pub rules: Vec<Rule>,
}

#[derive(Debug)]
pub struct VersionProbe {
    pub args: Vec<String>,
    pub pattern: Option<Regex>,
}

#[derive(Debug)]
pub enum Argv0 {
    Flag(Vec<Template>),
    ModulePath,
    ModuleName,
}

#[derive(Debug)]
pub struct Invoke {
    pub before_module: Vec<Template>,
    pub after_module: Vec<Template>,
    pub args: ArgStyle,
    pub results: ResultStyle,
    pub about: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArgStyle {
    Plain,
    Typed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResultStyle {
    StdoutLines,
    Unreadable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug)]
pub struct Report {
    pub stream: Stream,
    pub starts: OutputRegex,
}

#[derive(Debug)]
pub struct Rule {
    pub status: Option<i32>,
    pub matches: Option<OutputRegex>,
    pub then: Inferred,
}

/// What a rule concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inferred {
    Returned,
    Exited,
    Trapped(TrapKind),
    Rejected(RejectStage),
}

/// One command-line argument with `{placeholder}`s, checked against the placeholders its key allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(String);

impl Template {
    pub fn expand(&self, values: &[(&str, &str)]) -> String {
        let mut out = String::new();
        let mut rest = self.0.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    match values.iter().find(|(key, _)| *key == name) {
                        Some((_, value)) => out.push_str(value),
                        None => out.push_str(&rest[open..open + close + 2]),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn placeholders(&self) -> Vec<&str> {
        let mut names = Vec::new();
        let mut rest = self.0.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            names.push(&after[..close]);
            rest = &after[close + 1..];
        }
        names
    }
}

pub fn expand_all(templates: &[Template], values: &[(&str, &str)]) -> Vec<String> {
    templates.iter().map(|template| template.expand(values)).collect()
}

/// Parses a whole runtimes.toml text; `origin` names it in errors.
pub fn parse(source: &str, origin: &str) -> Result<BTreeMap<String, Table>, TableError> {
    let raw: BTreeMap<String, RawTable> = toml::from_str(source).map_err(|err| TableError {
        origin: origin.to_string(),
        line: err.span().map(|span| line_of(source, span.start)),
        message: err.message().to_string(),
    })?;
    raw.into_iter()
        .map(|(name, table)| {
            let table = Validator { source, origin, table: &name }.table(table)?;
            Ok((name, table))
        })
        .collect()
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    program: String,
    #[serde(default)]
    script: Option<Spanned<String>>,
    about: String,
    docs: String,
    checked: String,
    #[serde(default)]
    leading: Option<Spanned<Vec<String>>>,
    version: RawVersion,
    #[serde(default)]
    memory_limit: Option<Spanned<Vec<String>>>,
    dir: Spanned<Vec<String>>,
    env: Spanned<Vec<String>>,
    argv0: Spanned<Argv0Mode>,
    #[serde(default)]
    argv0_flag: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    invoke: Option<RawInvoke>,
    report: RawReport,
    #[serde(default)]
    noise: Vec<Spanned<String>>,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    args: Vec<String>,
    #[serde(default)]
    pattern: Option<Spanned<String>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Argv0Mode {
    Flag,
    ModulePath,
    ModuleName,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInvoke {
    #[serde(default)]
    before_module: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    after_module: Option<Spanned<Vec<String>>>,
    args: ArgStyle,
    results: ResultStyle,
    about: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    stream: Stream,
    starts: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    status: Option<i32>,
    #[serde(default)]
    matches: Option<Spanned<String>>,
    then: Spanned<String>,
}

struct Validator<'a> {
    source: &'a str,
    origin: &'a str,
    table: &'a str,
}

impl Validator<'_> {
    fn error(&self, span: Range<usize>, message: String) -> TableError {
        TableError {
            origin: self.origin.to_string(),
            line: Some(line_of(self.source, span.start)),
            message: format!("[{}] {message}", self.table),
        }
    }

    fn table(&self, raw: RawTable) -> Result<Table, TableError> {
        let script = match &raw.script {
            Some(name) => Some(scripts::named(name.get_ref()).ok_or_else(|| {
                self.error(
                    name.span(),
                    format!("unknown script `{}`; embedded scripts: {}", name.get_ref(), scripts::names().join(", ")),
                )
            })?),
            None => None,
        };
        let leading = self.templates("leading", raw.leading.as_ref(), &["script"])?;
        if script.is_none() && leading.iter().any(|t| t.placeholders().contains(&"script")) {
            let span = raw.leading.as_ref().map_or(0..0, Spanned::span);
            return Err(self.error(span, "`leading` uses {script} but the table names no `script`".into()));
        }
        let argv0 = match *raw.argv0.get_ref() {
            Argv0Mode::Flag => {
                let Some(flag) = raw.argv0_flag.as_ref() else {
                    return Err(self.error(raw.argv0.span(), "argv0 = \"flag\" needs `argv0_flag`".into()));
                };
                Argv0::Flag(self.templates("argv0_flag", Some(flag), &["argv0"])?)
            }
            mode => {
                if let Some(flag) = &raw.argv0_flag {
                    return Err(self.error(flag.span(), "`argv0_flag` is only read with argv0 = \"flag\"".into()));
                }
                if mode == Argv0Mode::ModulePath {
                    Argv0::ModulePath
                } else {
                    Argv0::ModuleName
                }
            }
        };
        let invoke = match raw.invoke {
            Some(invoke) => Some(Invoke {
                before_module: self.templates("invoke.before_module", invoke.before_module.as_ref(), &["name"])?,
                after_module: self.templates("invoke.after_module", invoke.after_module.as_ref(), &["name"])?,
                args: invoke.args,
                results: invoke.results,
                about: invoke.about,
            }),
            None => None,
        };
        let rules = raw
            .rules
            .iter()
            .map(|rule| {
                Ok(Rule {
                    status: rule.status,
                    matches: rule.matches.as_ref().map(|m| self.output_regex("rule.matches", m)).transpose()?,
                    then: parse_inferred(rule.then.get_ref())
                        .map_err(|message| self.error(rule.then.span(), message))?,
                })
            })
            .collect::<Result<_, TableError>>()?;
        Ok(Table {
            program: raw.program,
            script,
            about: raw.about,
            docs: raw.docs,
            checked: raw.checked,
            leading,
            version: VersionProbe {
                args: raw.version.args,
                pattern: raw.version.pattern.as_ref().map(|p| self.regex("version.pattern", p)).transpose()?,
            },
            memory_limit: self.templates("memory_limit", raw.memory_limit.as_ref(), &["bytes"])?,
            dir: self.templates("dir", Some(&raw.dir), &["host", "guest"])?,
            env: self.templates("env", Some(&raw.env), &["key", "value"])?,
            argv0,
            invoke,
            report: Report {
                stream: raw.report.stream,
                starts: self.output_regex("report.starts", &raw.report.starts)?,
            },
            noise: raw.noise.iter().map(|n| self.output_regex("noise", n)).collect::<Result<_, _>>()?,
            rules,
        })
    }

    fn templates(
        &self,
        key: &str,
        raw: Option<&Spanned<Vec<String>>>,
        allowed: &[&str],
    ) -> Result<Vec<Template>, TableError> {
        let Some(raw) = raw else {
            return Ok(Vec::new());
        };
        raw.get_ref()
            .iter()
            .map(|text| {
                let template = Template(text.clone());
                for name in template.placeholders() {
                    if !allowed.contains(&name) {
                        let allowed: Vec<String> = allowed.iter().map(|a| format!("{{{a}}}")).collect();
                        return Err(self.error(
                            raw.span(),
                            format!("`{key}` uses unknown placeholder {{{name}}}; it may use {}", allowed.join(" ")),
                        ));
                    }
                }
                Ok(template)
            })
            .collect()
    }

    fn regex(&self, key: &str, raw: &Spanned<String>) -> Result<Regex, TableError> {
        Regex::new(raw.get_ref()).map_err(|err| self.error(raw.span(), format!("`{key}` is not a valid regex: {err}")))
    }

    /// Output is bytes: a guest may write anything.
    fn output_regex(&self, key: &str, raw: &Spanned<String>) -> Result<OutputRegex, TableError> {
        OutputRegex::new(raw.get_ref())
            .map_err(|err| self.error(raw.span(), format!("`{key}` is not a valid regex: {err}")))
    }
}

fn parse_inferred(text: &str) -> Result<Inferred, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let unknown = || {
        format!(
            "unknown outcome `{text}`: expected returned, exited, trapped KIND ({}) or rejected STAGE ({})",
            TrapKind::ALL.map(TrapKind::as_str).join(", "),
            RejectStage::ALL.map(RejectStage::as_str).join(", ")
        )
    };
    match words.as_slice() {
        ["returned"] => Ok(Inferred::Returned),
        ["exited"] => Ok(Inferred::Exited),
        ["trapped", kind] => {
            TrapKind::ALL.into_iter().find(|k| k.as_str() == *kind).map(Inferred::Trapped).ok_or_else(unknown)
        }
        ["rejected", stage] => {
            RejectStage::ALL.into_iter().find(|s| s.as_str() == *stage).map(Inferred::Rejected).ok_or_else(unknown)
        }
        _ => Err(unknown()),
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
