//! Expectation files (`expectations/<lang>/<module>.toml`): strict parsing into scenarios.
//!
//! The format is documented in `expectations/README.md`. Syntax errors and values that do not
//! parse (`do`, `expect`, typed arguments) are reported by the TOML parser with line and column;
//! checks that need the whole file (known rules, runtimes, step order) are done afterwards and
//! located the same way from the spans kept while parsing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use execmodel_contract::{RejectStage, TrapKind, Value};
use serde::{de, Deserialize, Deserializer};
use toml::Spanned;

use crate::corpus::classify::{Classification, ModuleKind};
use crate::expectations::boundary::{parse_string_literal, MemoryCall};
use crate::expectations::rules::Rules;

pub const FORMAT_VERSION: u32 = 1;

/// A problem in an expectation file, located to `file:line:column`.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}", file = .file.display())]
pub struct ExpectationError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Everything an expectation file says about one module.
#[derive(Debug, Clone)]
pub struct ModuleExpectations {
    pub file: PathBuf,
    pub module: Classification,
    pub about: String,
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub rule: String,
    pub about: String,
    /// Overrides the default budget of each step, in CPU time (`budget_ms`): short for
    /// scenarios that expect `trapped deadline`, longer for heavy work.
    pub budget: Option<Duration>,
    pub steps: Vec<ExpectedStep>,
}

#[derive(Debug, Clone)]
pub struct ExpectedStep {
    pub action: Action,
    pub wasi: WasiSpec,
    pub expected: Expected,
    pub deviations: BTreeMap<String, Deviation>,
    /// 1-based line of the step's `do` key, for messages.
    pub line: usize,
}

impl ExpectedStep {
    /// The deviation that applies to `runtime` and whose table it is: its own, else the one of
    /// the runtime it is an older major of (see `registry::deviation_sources`).
    pub fn deviation_for<'a>(&self, runtime: &'a str) -> Option<(&'a str, &Deviation)> {
        crate::corpus::registry::deviation_sources(runtime)
            .into_iter()
            .find_map(|name| Some((name, self.deviations.get(name)?)))
    }
}

/// The WASI configuration a step asks for; turned into a `contract::WasiConfig` per trial, once the
/// trial's temporary directory exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasiSpec {
    pub args: Option<Vec<String>>,
    pub env: BTreeMap<String, String>,
    pub stdin: String,
    pub dir: Option<String>,
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub outcome: OutcomePattern,
    pub stdout: String,
    pub stderr: String,
    /// The entry points the runtime must call by itself during the step, when stated
    /// (`implicit = ["_initialize"]`); `None` leaves them unchecked (they are still reported).
    pub implicit: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    pub expected: Expected,
    /// What the runtime does, in at most `SUMMARY_CHARS` characters: the answers view's cell.
    pub summary: String,
    pub reason: String,
    pub link: String,
    /// 1-based line of the `[scenario.step.deviation.RUNTIME]` header.
    pub line: usize,
}

/// The longest `summary` a deviation may have.
pub const SUMMARY_CHARS: usize = 60;

/// What a step does, as written in `do`.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Instantiate,
    Run,
    Start,
    Initialize,
    Call {
        export: String,
        args: Vec<Value>,
    },
    /// A call with string arguments or a string result, through the module's allocator.
    CallThroughMemory(MemoryCall),
    Memory,
}

/// An expected outcome, as written in `expect`. Rejections match on a message substring.
#[derive(Debug, Clone, PartialEq)]
pub enum OutcomePattern {
    Returned(Vec<Value>),
    /// `returned "text"`: the bytes a `-> string` call read back.
    ReturnedString(String),
    Exited(i64),
    Trapped(TrapKind),
    Rejected {
        stage: RejectStage,
        text: Option<String>,
    },
    /// `host-error[: TEXT]`: an error of the runtime or its WASI that is not a guest trap.
    HostError {
        text: Option<String>,
    },
    /// `crashed[: TEXT]`: the runtime itself failed (a panic, its process ended).
    Crashed {
        text: Option<String>,
    },
}

pub fn load(
    path: &Path,
    source: &str,
    rules: &Rules,
    known_runtimes: &[&str],
) -> Result<ModuleExpectations, ExpectationError> {
    let raw: RawFile = toml::from_str(source).map_err(|err| {
        let offset = err.span().map(|span| span.start).unwrap_or(0);
        located(path, source, offset, err.message().to_string())
    })?;
    let at = |offset: usize, message: String| located(path, source, offset, message);

    if *raw.version.get_ref() != FORMAT_VERSION {
        return Err(at(
            raw.version.span().start,
            format!("unsupported version {}; this harness reads version {FORMAT_VERSION}", raw.version.get_ref()),
        ));
    }

    let mut names = BTreeSet::new();
    let mut scenarios = Vec::new();
    for raw_scenario in raw.scenario {
        let name = raw_scenario.name.get_ref();
        if !is_trial_name_part(name) {
            return Err(at(
                raw_scenario.name.span().start,
                format!("scenario name `{name}` must be lowercase letters, digits and `_`"),
            ));
        }
        if !names.insert(name.clone()) {
            return Err(at(raw_scenario.name.span().start, format!("duplicate scenario name `{name}`")));
        }
        let rule = raw_scenario.rule.get_ref();
        if !rules.contains(rule) {
            return Err(at(
                raw_scenario.rule.span().start,
                format!("unknown rule `{rule}`: use an id from expectations/rules.toml, or \"observed\" where the ABI is silent"),
            ));
        }
        if raw_scenario.step.is_empty() {
            return Err(at(raw_scenario.name.span().start, format!("scenario `{name}` has no steps")));
        }
        let mut steps = Vec::new();
        for (index, raw_step) in raw_scenario.step.into_iter().enumerate() {
            steps.push(step_from_raw(index, raw_step, known_runtimes, &at)?);
        }
        scenarios.push(Scenario {
            name: name.clone(),
            rule: rule.clone(),
            about: raw_scenario.about.unwrap_or_default(),
            budget: raw_scenario.budget_ms.map(Duration::from_millis),
            steps,
        });
    }

    let module = raw.module;
    Ok(ModuleExpectations {
        file: path.to_path_buf(),
        module: Classification {
            kind: module.kind,
            initialize: module.initialize,
            memory: module.memory,
            signatures_valid: module.signatures == Signatures::Valid,
        },
        about: module.about,
        scenarios,
    })
}

fn step_from_raw(
    index: usize,
    raw: RawStep,
    known_runtimes: &[&str],
    at: &impl Fn(usize, String) -> ExpectationError,
) -> Result<ExpectedStep, ExpectationError> {
    let do_offset = raw.action.span().start;
    let action = raw.action.into_inner();
    let creates_instance = matches!(action, Action::Instantiate | Action::Run);
    if index == 0 && !creates_instance {
        return Err(at(do_offset, "the first step must be `instantiate` or `run`".to_string()));
    }
    if index > 0 && creates_instance {
        return Err(at(
            do_offset,
            "`instantiate` and `run` may only be the first step (a scenario acts on one instance)".to_string(),
        ));
    }
    let wasi = WasiSpec {
        args: raw.args,
        env: raw.env.unwrap_or_default(),
        stdin: raw.stdin.unwrap_or_default(),
        dir: raw.dir,
        files: raw.files.unwrap_or_default(),
    };
    if wasi != WasiSpec::default() && !creates_instance {
        return Err(at(
            do_offset,
            "args, env, stdin, dir and files belong to an `instantiate` or `run` step".to_string(),
        ));
    }
    if !wasi.files.is_empty() && wasi.dir.is_none() {
        return Err(at(do_offset, "`files` seeds the preopened directory: set `dir` too".to_string()));
    }

    let mut deviations = BTreeMap::new();
    for (runtime, raw_deviation) in raw.deviation {
        if !known_runtimes.contains(&runtime.get_ref().as_str()) {
            return Err(at(
                runtime.span().start,
                format!("unknown runtime `{}`; known runtimes: {}", runtime.get_ref(), known_runtimes.join(", ")),
            ));
        }
        let table_offset = raw_deviation.expect.span().start;
        let header_line = at(runtime.span().start, String::new()).line;
        for (field, value) in [
            ("summary", raw_deviation.summary.get_ref()),
            ("reason", &raw_deviation.reason),
            ("link", &raw_deviation.link),
        ] {
            if value.trim().is_empty() {
                return Err(at(table_offset, format!("a deviation needs a non-empty `{field}`")));
            }
        }
        let summary_chars = raw_deviation.summary.get_ref().chars().count();
        if summary_chars > SUMMARY_CHARS {
            return Err(at(
                raw_deviation.summary.span().start,
                format!("`summary` is {summary_chars} characters; at most {SUMMARY_CHARS} fit a cell of the answers view (the whole story goes in `reason`)"),
            ));
        }
        deviations.insert(
            runtime.into_inner(),
            Deviation {
                expected: Expected {
                    outcome: raw_deviation.expect.into_inner(),
                    stdout: output_text(raw_deviation.stdout),
                    stderr: output_text(raw_deviation.stderr),
                    implicit: raw_deviation.implicit,
                },
                summary: raw_deviation.summary.into_inner(),
                reason: raw_deviation.reason,
                link: raw_deviation.link,
                line: header_line,
            },
        );
    }

    Ok(ExpectedStep {
        action,
        wasi,
        expected: Expected {
            outcome: raw.expect,
            stdout: output_text(raw.stdout),
            stderr: output_text(raw.stderr),
            implicit: raw.implicit,
        },
        deviations,
        line: at(do_offset, String::new()).line,
    })
}

fn located(path: &Path, source: &str, offset: usize, message: String) -> ExpectationError {
    let (line, column) = crate::text::line_column(source, offset);
    ExpectationError { file: path.to_path_buf(), line, column, message }
}

pub fn is_trial_name_part(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Spanned<u32>,
    module: RawModule,
    #[serde(default)]
    scenario: Vec<RawScenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    kind: ModuleKind,
    #[serde(default)]
    initialize: bool,
    memory: bool,
    signatures: Signatures,
    about: String,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Signatures {
    Valid,
    Invalid,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    rule: Spanned<String>,
    about: Option<String>,
    budget_ms: Option<u64>,
    #[serde(default)]
    step: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(rename = "do")]
    action: Spanned<Action>,
    args: Option<Vec<String>>,
    env: Option<BTreeMap<String, String>>,
    stdin: Option<String>,
    dir: Option<String>,
    files: Option<BTreeMap<String, String>>,
    expect: OutcomePattern,
    stdout: Option<Output>,
    stderr: Option<Output>,
    implicit: Option<Vec<String>>,
    #[serde(default)]
    deviation: BTreeMap<Spanned<String>, RawDeviation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeviation {
    expect: Spanned<OutcomePattern>,
    stdout: Option<Output>,
    stderr: Option<Output>,
    implicit: Option<Vec<String>>,
    summary: Spanned<String>,
    reason: String,
    link: String,
}

/// Expected output: the exact text, or `{ repeat = "…", times = N }` for output too long to write out.
#[derive(Deserialize)]
#[serde(untagged)]
enum Output {
    Text(String),
    Repeated(Repeated),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repeated {
    repeat: String,
    times: usize,
}

impl Output {
    fn into_text(self) -> String {
        match self {
            Output::Text(text) => text,
            Output::Repeated(Repeated { repeat, times }) => repeat.repeat(times),
        }
    }
}

fn output_text(output: Option<Output>) -> String {
    output.map(Output::into_text).unwrap_or_default()
}

fn deserialize_from_str<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(de::Error::custom)
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_from_str(deserializer)
    }
}

impl<'de> Deserialize<'de> for OutcomePattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_from_str(deserializer)
    }
}

impl Action {
    /// The contract steps this action is performed with (several for a call through memory).
    pub fn kinds(&self) -> Vec<execmodel_contract::StepKind> {
        use execmodel_contract::StepKind;
        vec![match self {
            Action::Instantiate => StepKind::Instantiate,
            Action::Run => StepKind::Run,
            Action::Start => StepKind::Call("_start".into()),
            Action::Initialize => StepKind::Call("_initialize".into()),
            Action::Call { export, .. } => StepKind::Call(export.clone()),
            Action::CallThroughMemory(call) => return call.kinds(),
            Action::Memory => StepKind::MemoryPages,
        }]
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        Ok(match text {
            "instantiate" => Action::Instantiate,
            "run" => Action::Run,
            "start" => Action::Start,
            "initialize" => Action::Initialize,
            "memory" => Action::Memory,
            _ => {
                let call = text.strip_prefix("call ").ok_or_else(|| {
                    format!("unknown step `{text}`: expected instantiate, run, start, initialize, memory or `call NAME(ARGS)`")
                })?;
                if call.contains('"') || call.contains("->") {
                    return MemoryCall::parse(call)
                        .map(Action::CallThroughMemory)
                        .map_err(|err| format!("`{text}`: {err}"));
                }
                let (export, args) = match call.split_once('(') {
                    Some((export, rest)) => {
                        let args = rest
                            .strip_suffix(')')
                            .ok_or_else(|| format!("`{text}`: missing `)` after the arguments"))?;
                        (export.trim(), args)
                    }
                    None => (call.trim(), ""),
                };
                if export.is_empty() {
                    return Err(format!("`{text}`: name the export to call"));
                }
                let args = args
                    .split(',')
                    .map(str::trim)
                    .filter(|arg| !arg.is_empty())
                    .map(|arg| arg.parse::<Value>().map_err(|err| err.to_string()))
                    .collect::<Result<_, _>>()?;
                Action::Call { export: export.to_string(), args }
            }
        })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Instantiate => f.write_str("instantiate"),
            Action::Run => f.write_str("run"),
            Action::Start => f.write_str("start"),
            Action::Initialize => f.write_str("initialize"),
            Action::Memory => f.write_str("memory"),
            Action::CallThroughMemory(call) => call.fmt(f),
            Action::Call { export, args } => {
                let args: Vec<String> = args.iter().map(Value::to_string).collect();
                write!(f, "call {export}({})", args.join(", "))
            }
        }
    }
}

impl FromStr for OutcomePattern {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        for keyword in ["host-error", "crashed"] {
            let Some(after) = text.strip_prefix(keyword) else { continue };
            let message = match after.strip_prefix(':') {
                Some(message) => Some(message.trim()).filter(|m| !m.is_empty()).map(str::to_string),
                None if after.is_empty() => None,
                None => continue,
            };
            return Ok(if keyword == "crashed" {
                OutcomePattern::Crashed { text: message }
            } else {
                OutcomePattern::HostError { text: message }
            });
        }
        let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let rest = rest.trim();
        match word {
            "returned" if rest.starts_with('"') => match parse_string_literal(rest)? {
                (text, "") => Ok(OutcomePattern::ReturnedString(text)),
                (_, after) => Err(format!("`{text}`: unexpected `{after}` after the string")),
            },
            "returned" => Ok(OutcomePattern::Returned(
                rest.split_whitespace()
                    .map(|v| v.parse::<Value>().map_err(|err| err.to_string()))
                    .collect::<Result<_, _>>()?,
            )),
            "exited" => rest
                .parse()
                .map(OutcomePattern::Exited)
                .map_err(|_| format!("`{text}`: expected `exited N` with N an integer")),
            "trapped" => TrapKind::ALL
                .into_iter()
                .find(|kind| kind.as_str() == rest)
                .map(OutcomePattern::Trapped)
                .ok_or_else(|| {
                    let kinds: Vec<_> = TrapKind::ALL.iter().map(|k| k.as_str()).collect();
                    format!("`{text}`: expected `trapped KIND` with KIND one of {}", kinds.join(", "))
                }),
            "rejected" => {
                let (stage, message) = match rest.split_once(':') {
                    Some((stage, message)) => (stage.trim(), Some(message.trim().to_string())),
                    None => (rest, None),
                };
                let stage = RejectStage::ALL.into_iter().find(|s| s.as_str() == stage).ok_or_else(|| {
                    let stages: Vec<_> = RejectStage::ALL.iter().map(|s| s.as_str()).collect();
                    format!("`{text}`: expected `rejected STAGE[: TEXT]` with STAGE one of {}", stages.join(", "))
                })?;
                Ok(OutcomePattern::Rejected { stage, text: message.filter(|m| !m.is_empty()) })
            }
            _ => Err(format!(
                "unknown outcome `{text}`: expected `returned [VALUES]`, `exited N`, `trapped KIND`, `rejected STAGE[: TEXT]`, `host-error[: TEXT]` or `crashed[: TEXT]`"
            )),
        }
    }
}

impl fmt::Display for OutcomePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutcomePattern::Returned(values) => {
                f.write_str("returned")?;
                values.iter().try_for_each(|v| write!(f, " {v}"))
            }
            OutcomePattern::ReturnedString(text) => write!(f, "returned {text:?}"),
            OutcomePattern::Exited(code) => write!(f, "exited {code}"),
            OutcomePattern::Trapped(kind) => write!(f, "trapped {}", kind.as_str()),
            OutcomePattern::Rejected { stage, text: Some(text) } => write!(f, "rejected {}: {text}", stage.as_str()),
            OutcomePattern::Rejected { stage, text: None } => write!(f, "rejected {}", stage.as_str()),
            OutcomePattern::HostError { text: Some(text) } => write!(f, "host-error: {text}"),
            OutcomePattern::HostError { text: None } => f.write_str("host-error"),
            OutcomePattern::Crashed { text: Some(text) } => write!(f, "crashed: {text}"),
            OutcomePattern::Crashed { text: None } => f.write_str("crashed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::from_ids(["reactor.initialize-at-most-once"])
    }

    fn parse(source: &str) -> Result<ModuleExpectations, ExpectationError> {
        load(Path::new("expectations/c/x.toml"), source, &rules(), &["wasmtime", "wasmer"])
    }

    const GOOD: &str = r#"
version = 1
[module]
kind = "reactor"
initialize = true
memory = true
signatures = "valid"
about = "a counter"

[[scenario]]
name = "initialize_twice"
rule = "reactor.initialize-at-most-once"

[[scenario.step]]
do = "instantiate"
args = ["x.wasm"]
expect = "returned"

[[scenario.step]]
do = "call bump(i32:1, i64:2)"
expect = "returned i32:3"
stdout = "hi\n"

[scenario.step.deviation.wasmer]
expect = "rejected call: no export"
summary = "refuses it"
reason = "because"
link = "https://example.invalid/1"
"#;

    #[test]
    fn reads_a_complete_file() {
        let file = parse(GOOD).unwrap();
        assert_eq!(file.module.kind, ModuleKind::Reactor);
        let steps = &file.scenarios[0].steps;
        assert_eq!(steps[1].action, Action::Call { export: "bump".into(), args: vec![Value::I32(1), Value::I64(2)] });
        assert_eq!(steps[1].expected.outcome, OutcomePattern::Returned(vec![Value::I32(3)]));
        assert_eq!(steps[1].line, 20);
        let deviation = &steps[1].deviations["wasmer"];
        assert_eq!(
            deviation.expected.outcome,
            OutcomePattern::Rejected { stage: RejectStage::Call, text: Some("no export".into()) }
        );
        assert_eq!(deviation.line, 24);
    }

    fn error_of(source: &str) -> String {
        parse(source).unwrap_err().to_string()
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let message = error_of(&GOOD.replace("stdout = \"hi\\n\"", "stdot = \"hi\""));
        assert!(message.starts_with("expectations/c/x.toml:22:1: unknown field `stdot`"), "{message}");
    }

    #[test]
    fn bad_outcome_is_located_and_explained() {
        let message = error_of(&GOOD.replace("returned i32:3", "returned 3"));
        assert!(message.starts_with("expectations/c/x.toml:21:10:"), "{message}");
        assert!(message.contains("`3` is not a wasm value"), "{message}");
    }

    #[test]
    fn unknown_runtime_rule_and_step_order_are_errors() {
        let message = error_of(&GOOD.replace("deviation.wasmer", "deviation.wasmre"));
        assert!(message.contains(":24:") && message.contains("unknown runtime `wasmre`"), "{message}");
        let message = error_of(&GOOD.replace("rule = \"reactor.initialize-at-most-once\"", "rule = \"nope\""));
        assert!(message.contains(":12:8: unknown rule `nope`"), "{message}");
        let message = error_of(&GOOD.replace("do = \"instantiate\"", "do = \"start\""));
        assert!(message.contains(":15:6:") && message.contains("first step must be"), "{message}");
    }

    #[test]
    fn deviation_without_reason_is_an_error() {
        let message = error_of(&GOOD.replace("reason = \"because\"", "reason = \"\""));
        assert!(message.contains("non-empty `reason`"), "{message}");
    }

    #[test]
    fn a_deviation_summary_is_required_and_short() {
        let message = error_of(&GOOD.replace("summary = \"refuses it\"\n", ""));
        assert!(message.contains("missing field `summary`"), "{message}");
        let long = "x".repeat(SUMMARY_CHARS + 1);
        let message = error_of(&GOOD.replace("summary = \"refuses it\"", &format!("summary = \"{long}\"")));
        assert!(
            message.contains(&format!("`summary` is {} characters; at most {SUMMARY_CHARS}", SUMMARY_CHARS + 1)),
            "{message}"
        );
        assert!(message.contains(".toml:"), "names the file and line: {message}");
    }

    #[test]
    fn outcome_syntax_round_trips() {
        for text in [
            "returned",
            "returned \"a \\\"b\\\" \\u{1b}\"",
            "returned i32:1 f64:0.5",
            "exited -1",
            "trapped stack-overflow",
            "rejected run: both",
            "rejected link",
            "host-error: exit status",
            "host-error",
            "crashed: You must initialize",
            "crashed",
        ] {
            assert_eq!(text.parse::<OutcomePattern>().unwrap().to_string(), text);
        }
        assert!("trapped oops".parse::<OutcomePattern>().is_err());
        assert!("rejected later".parse::<OutcomePattern>().is_err());
    }
}
