//! The lifecycle questions the corpus answers (`expectations/questions.toml`), and the check
//! that every one is answered from every source language or says why it cannot be.
//!
//! Rules say *which clause* a scenario checks; questions say *what a user asks* ("what does a
//! second `_initialize` do?"), and several rules or scenarios may answer one. The coverage view is
//! a grid of questions against languages and runtimes; an empty cell without a written reason is
//! a problem, and so is a reason on a cell that is not empty, or a pattern that matches nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::corpus::languages::{language_of, LANGUAGES};
use crate::expectations::suite::Suite;
use crate::text::line_column;

pub const FILE: &str = "expectations/questions.toml";

#[derive(Debug, Clone)]
pub struct Questions {
    pub list: Vec<Question>,
    /// Source languages with no corpus here (e.g. TinyGo), and why: language -> reason.
    pub not_in_corpus: BTreeMap<String, Located<String>>,
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub ask: String,
    /// `lang/module::scenario` patterns; `*` matches any run of characters.
    pub answers: Vec<Located<String>>,
    /// language -> why no scenario of that language answers the question.
    pub gaps: BTreeMap<String, Located<String>>,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Spanned<u32>,
    #[serde(default)]
    not_in_corpus: BTreeMap<Spanned<String>, Spanned<String>>,
    question: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    ask: String,
    answers: Vec<Spanned<String>>,
    #[serde(default)]
    gaps: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl Questions {
    pub fn load(root: &Path) -> anyhow::Result<Questions> {
        let source =
            std::fs::read_to_string(root.join(FILE)).map_err(|err| anyhow::anyhow!("reading {FILE}: {err}"))?;
        Questions::parse(Path::new(FILE), &source)
    }

    pub fn parse(path: &Path, source: &str) -> anyhow::Result<Questions> {
        let at = |offset: usize, message: String| {
            let (line, column) = line_column(source, offset);
            anyhow::anyhow!("{}:{line}:{column}: {message}", path.display())
        };
        let line = |offset: usize| line_column(source, offset).0;
        let raw: RawFile =
            toml::from_str(source).map_err(|err| at(err.span().map_or(0, |s| s.start), err.message().to_string()))?;
        if *raw.version.get_ref() != 1 {
            return Err(at(
                raw.version.span().start,
                format!("unsupported version {}; this harness reads version 1", raw.version.get_ref()),
            ));
        }
        let mut not_in_corpus = BTreeMap::new();
        for (language, reason) in raw.not_in_corpus {
            if LANGUAGES.contains(&language.get_ref().as_str()) {
                return Err(at(
                    language.span().start,
                    format!("`{}` has a corpus here; `not_in_corpus` is for languages without one", language.get_ref()),
                ));
            }
            if reason.get_ref().trim().is_empty() {
                return Err(at(reason.span().start, "a language without a corpus needs a reason".to_string()));
            }
            let reason_line = line(reason.span().start);
            not_in_corpus.insert(language.into_inner(), Located { value: reason.into_inner(), line: reason_line });
        }
        let mut list: Vec<Question> = Vec::new();
        for question in raw.question {
            let id = question.id.get_ref();
            if list.iter().any(|known| &known.id == id) {
                return Err(at(question.id.span().start, format!("duplicate question id `{id}`")));
            }
            if question.answers.is_empty() {
                return Err(at(question.id.span().start, format!("question `{id}` lists no `answers`")));
            }
            let mut gaps = BTreeMap::new();
            for (language, reason) in question.gaps {
                if !LANGUAGES.contains(&language.get_ref().as_str()) {
                    return Err(at(
                        language.span().start,
                        format!("unknown language `{}`; languages: {}", language.get_ref(), LANGUAGES.join(", ")),
                    ));
                }
                if reason.get_ref().trim().is_empty() {
                    return Err(at(reason.span().start, "a gap needs a reason".to_string()));
                }
                let reason_line = line(reason.span().start);
                gaps.insert(language.into_inner(), Located { value: reason.into_inner(), line: reason_line });
            }
            list.push(Question {
                line: line(question.id.span().start),
                id: question.id.into_inner(),
                ask: question.ask,
                answers: question
                    .answers
                    .into_iter()
                    .map(|pattern| Located { line: line(pattern.span().start), value: pattern.into_inner() })
                    .collect(),
                gaps,
            });
        }
        Ok(Questions { list, not_in_corpus })
    }
}

/// One scenario of the suite, as a question's patterns see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScenarioRef {
    pub module: usize,
    pub scenario: usize,
}

/// Which scenarios answer each question, and what is wrong with the file against this suite.
pub struct Answers {
    /// Per question (in file order): the scenarios its patterns match, in suite order.
    pub scenarios: Vec<Vec<ScenarioRef>>,
    pub problems: Vec<String>,
}

pub fn answers(questions: &Questions, suite: &Suite) -> Answers {
    let all: Vec<(String, ScenarioRef)> = suite
        .modules
        .iter()
        .enumerate()
        .flat_map(|(module_index, module)| {
            module.expectations.scenarios.iter().enumerate().map(move |(scenario_index, scenario)| {
                (
                    format!("{}::{}", module.id, scenario.name),
                    ScenarioRef { module: module_index, scenario: scenario_index },
                )
            })
        })
        .collect();
    let mut problems = Vec::new();
    let mut answered = vec![false; all.len()];
    let mut scenarios = Vec::new();
    for question in &questions.list {
        let mut matched = Vec::new();
        for pattern in &question.answers {
            let before = matched.len();
            for (index, (name, reference)) in all.iter().enumerate() {
                if wildcard_match(&pattern.value, name) && !matched.contains(reference) {
                    matched.push(*reference);
                    answered[index] = true;
                }
            }
            if matched.len() == before {
                problems.push(format!(
                    "{FILE}:{}: `{}` matches no scenario (of `{}`)",
                    pattern.line, pattern.value, question.id
                ));
            }
        }
        matched.sort_by_key(|r| (r.module, r.scenario));
        for language in LANGUAGES {
            let covered = matched.iter().any(|r| language_of(&suite.modules[r.module].id) == language);
            match (covered, question.gaps.get(language)) {
                (false, None) => problems.push(format!(
                    "{FILE}:{}: question `{}` has no {language} scenario: add one, or say why under [question.gaps] ({language} = \"…\")",
                    question.line, question.id
                )),
                (true, Some(gap)) => problems.push(format!(
                    "{FILE}:{}: question `{}` gives a reason for no {language} scenario, but {language} scenarios answer it: delete the gap",
                    gap.line, question.id
                )),
                _ => {}
            }
        }
        scenarios.push(matched);
    }
    for ((name, _), answered) in all.iter().zip(answered) {
        if !answered {
            problems.push(format!("{name} answers no question: add it to the `answers` of one in {FILE}"));
        }
    }
    Answers { scenarios, problems }
}

/// `*` matches any run of characters (none included); everything else matches itself.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(found) => rest = &rest[found + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*/command_echo::start", "c/command_echo::start"));
        assert!(!wildcard_match("*/command_echo::start", "c/command_echo::start_twice"));
        assert!(wildcard_match("wat/exit_*::*", "wat/exit_256::run"));
        assert!(wildcard_match("c/x::run", "c/x::run"));
        assert!(!wildcard_match("c/x::run", "c/x::run2"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*a", "a"));
    }

    #[test]
    fn errors_name_file_and_line() {
        let source = "version = 1\n[[question]]\nid = \"q\"\nask = \"?\"\nanswers = [\"*/m::s\"]\n[question.gaps]\nfortran = \"no\"\n";
        let err = Questions::parse(Path::new("questions.toml"), source).unwrap_err().to_string();
        assert!(err.starts_with("questions.toml:7:1: unknown language `fortran`"), "{err}");
        let err = Questions::parse(Path::new("questions.toml"), "version = 1\n[[question]]\nid = \"q\"\nask = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("questions.toml:4:7:"), "{err}");
    }

    #[test]
    fn a_language_without_a_corpus_needs_a_reason_and_must_really_have_none() {
        let question = "[[question]]\nid = \"q\"\nask = \"?\"\nanswers = [\"*/m::s\"]\n";
        let parse = |table: &str| {
            Questions::parse(Path::new("q.toml"), &format!("version = 1\n[not_in_corpus]\n{table}\n{question}"))
        };
        let err = parse("go = \"no\"").unwrap_err().to_string();
        assert!(err.starts_with("q.toml:3:1: `go` has a corpus here"), "{err}");
        let err = parse("tinygo = \" \"").unwrap_err().to_string();
        assert!(err.starts_with("q.toml:3:10: a language without a corpus needs a reason"), "{err}");
        let parsed = parse("tinygo = \"not installable\"").unwrap();
        assert_eq!(parsed.not_in_corpus["tinygo"].value, "not installable");
    }

    #[test]
    fn the_committed_file_answers_every_question_or_says_why() {
        let root = crate::corpus::default_root();
        let suite = Suite::load(&root).unwrap();
        let answers = answers(&Questions::load(&root).unwrap(), &suite);
        assert!(answers.problems.is_empty(), "{}", answers.problems.join("\n"));
    }
}
