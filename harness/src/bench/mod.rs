//! Stage 5, the benches (`execmodel bench …`): what running the matrix costs.
//!
//! In: the suite, the registry and the views' matrix runner. Out: the harness's overhead over
//! the runtimes' own cost (`harness_overhead`), the same work done process-per-trial the way
//! other suites do it (`process_per_trial`), and each lifecycle step's cost (`lifecycle`, written
//! as the document `views::lifecycle` reads).

pub mod harness_overhead;
pub mod lifecycle;
pub mod process_per_trial;
