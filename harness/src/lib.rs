//! execmodel: how each WebAssembly runtime treats WASI command and reactor modules.
//!
//! One folder per stage of the data flow, each using only the stages before it (a tidy test
//! checks): corpus → expectations → trials → views → bench → fuzz. `text` holds the byte and
//! position formatting every stage shares; `testing`, the seeded mutations their robustness
//! tests share. The test driver (`tests/matrix.rs`) and the `execmodel` CLI (`main.rs`) are thin
//! layers over this.

pub mod bench;
pub mod corpus;
pub mod expectations;
pub mod fuzz;
pub mod trials;
pub mod views;

#[cfg(test)]
mod testing;
pub mod text;
mod tidy;
