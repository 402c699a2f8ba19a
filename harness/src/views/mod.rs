//! Stage 4, the views: what a person or a CI job reads.
//!
//! In: the plan and the trials' verdicts (stage 3). Out: the matrix on the terminal, `coverage`,
//! `probe` of a user's own module, `diff` of two reports, the report files (JSON, markdown, HTML,
//! JUnit, with the answers to the questions), the lifecycle bench's document and its renderings,
//! and runs of the official WASI test suite.

pub mod coverage;
pub mod diff;
pub mod host;
pub mod lifecycle;
pub mod matrix;
pub mod probe;
pub mod report;
pub mod runtimes;
pub mod wasi_testsuite;
