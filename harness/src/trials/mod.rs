//! Stage 3, the trials: each scenario run on each runtime, and judged.
//!
//! In: a `Suite` (stage 2) and the registry's runtimes (stage 1). Out: the plan (one trial per
//! module, scenario and runtime, cut into partitions), the runner that drives a runtime through
//! the steps under the harness's limits, and the judgement of each observed step against its
//! expectation or known deviation (`judge`).

pub mod judge;
mod plan;
pub mod record;
pub mod records;
mod refused;
pub mod runner;

pub use plan::{check_classification, classification_trial_name, Partition, Plan, PlannedTrial};
