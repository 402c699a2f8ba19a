//! execmodel: how each WebAssembly runtime treats WASI command and reactor modules.
//!
//! corpus → classification → trials → adapter → typed outcome → comparison → report; one module
//! per arrow. The test driver (`tests/matrix.rs`) and the `execmodel` CLI are thin layers over this.

pub mod bench;
pub mod bench_process;
pub mod boundary;
pub mod classify;
pub mod compare;
pub mod coverage;
pub mod diff;
pub mod expectations;
pub mod lifecycle;
pub mod matrix;
pub mod probe;
pub mod questions;
pub mod registry;
pub mod report;
pub mod rules;
pub mod runner;
pub mod suite;
pub mod text;
mod tidy;
pub mod trials;
pub mod wasi_testsuite;
