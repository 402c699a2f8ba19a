//! Stage 2, the expectations: what each module should do, and why.
//!
//! In: the corpus (stage 1) and the TOML under `expectations/`. Out: a `Suite` (every module
//! paired with its scenarios, checked before any trial runs), the rules the scenarios cite
//! (`rules.toml`), the questions the answers view asks (`questions.toml`) and the boundary of
//! the memory a trial may use. Errors name the file and line.

pub mod boundary;
mod module_file;
pub mod questions;
#[cfg(test)]
mod robustness_tests;
pub mod rules;
pub mod suite;

pub use module_file::{
    is_trial_name_part, load, Action, Deviation, ExpectationError, Expected, ExpectedStep, ModuleExpectations,
    OutcomePattern, Scenario, WasiSpec, FORMAT_VERSION, SUMMARY_CHARS,
};
